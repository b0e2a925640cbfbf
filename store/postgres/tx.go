package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

// tx is an aos.Tx on a PostgreSQL transaction. Its methods live in the files
// of the things they store (principal.go, connection.go, ...).
type tx struct {
	tx       pgx.Tx
	readOnly bool
}

var _ aos.Tx = (*tx)(nil)

// writable returns an error if t belongs to View, else the first failed of
// checks, the caller's checks (from storecheck) of what op would write. The
// transaction is also READ ONLY, so PostgreSQL would refuse the write
// anyway; this names it.
func (t *tx) writable(op string, checks ...error) error {
	if t.readOnly {
		return fmt.Errorf("postgres: %s: write in a read-only transaction", op)
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// guard runs fn, a write, behind a savepoint. A failed statement aborts a
// PostgreSQL transaction, where SQLite would carry on; rolling back to the
// savepoint undoes only fn, so that the caller may handle the error (a
// conflict, say) and go on using the transaction, as with SQLite.
func (t *tx) guard(ctx context.Context, fn func() error) error {
	if _, err := t.tx.Exec(ctx, `SAVEPOINT aos_write`); err != nil {
		return fmt.Errorf("postgres: savepoint: %w", err)
	}
	if err := fn(); err != nil {
		if _, rerr := t.tx.Exec(ctx, `ROLLBACK TO SAVEPOINT aos_write`); rerr != nil {
			return errors.Join(err, fmt.Errorf("postgres: rollback to savepoint: %w", rerr))
		}
		return err
	}
	if _, err := t.tx.Exec(ctx, `RELEASE SAVEPOINT aos_write`); err != nil {
		return fmt.Errorf("postgres: release savepoint: %w", err)
	}
	return nil
}

// exec runs one write statement behind a savepoint.
func (t *tx) exec(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	err := t.guard(ctx, func() error {
		var err error
		tag, err = t.tx.Exec(ctx, query, args...)
		return err
	})
	return tag, err
}

// insertID runs one INSERT ... RETURNING id behind a savepoint.
func (t *tx) insertID(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := t.guard(ctx, func() error { return t.tx.QueryRow(ctx, query, args...).Scan(&id) })
	return id, err
}

// pgCode returns the SQLSTATE of err, "" if none.
func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// isUnique reports whether err is a violated UNIQUE or PRIMARY KEY constraint.
func isUnique(err error) bool { return pgCode(err) == "23505" }

// isForeignKey reports whether err is a violated FOREIGN KEY constraint.
func isForeignKey(err error) bool { return pgCode(err) == "23503" }

// badText turns PostgreSQL's refusal of text that is not valid UTF-8 or holds
// a NUL byte (which SQLite would store) into EBadRequest, and wraps any other
// error with what was being done.
func badText(op string, err error) error {
	if pgCode(err) == "22021" {
		return aos.Errorf(aos.EBadRequest, "%s: text must be UTF-8 without NUL bytes", op)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// checkAffected returns notFound unless tag reports a changed row.
func checkAffected(tag pgconn.CommandTag, notFound error) error {
	if tag.RowsAffected() == 0 {
		return notFound
	}
	return nil
}

// encoder checks times and encodes JSON, remembering the first failure, so
// that a statement's arguments can be built in one expression and checked
// once.
type encoder struct{ err error }

// time returns t in UTC. It refuses the times storecheck.Time refuses
// (years SQLite's layout cannot hold), so that both stores accept the same
// times.
func (e *encoder) time(field string, t time.Time) time.Time {
	if err := storecheck.Time(field, t); err != nil {
		e.fail(err)
		return time.Time{}
	}
	return t.UTC()
}

// fail remembers err, if it is the first failure.
func (e *encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// timePtr is time for a nullable column: nil stores NULL.
func (e *encoder) timePtr(field string, t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := e.time(field, *t)
	return &v
}

// json encodes v as stored JSON text. A nil slice is stored as null and reads
// back as nil.
func (e *encoder) json(field string, v any) string {
	s, err := storecheck.JSON(field, v)
	if err != nil {
		e.fail(fmt.Errorf("postgres: %w", err))
	}
	return s
}

// approval encodes a's points, facts, reasons and alternatives as JSON.
func (e *encoder) approval(a *aos.Approval) storecheck.ApprovalText {
	t, err := storecheck.EncodeApproval(a)
	if err != nil {
		e.fail(fmt.Errorf("postgres: %w", err))
	}
	return t
}

// scanJSON scans stored JSON text into the value v points to.
type scanJSON struct{ v any }

func (s scanJSON) Scan(src any) error {
	var b []byte
	switch src := src.(type) {
	case string:
		b = []byte(src)
	case []byte:
		b = src
	default:
		return fmt.Errorf("stored JSON has type %T", src)
	}
	if err := json.Unmarshal(b, s.v); err != nil {
		return fmt.Errorf("stored JSON: %w", err)
	}
	return nil
}

// collect reads every row with scan, closing rows.
func collect[T any](rows pgx.Rows, scan func(pgx.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// emptyToNil stores an empty byte slice as NULL.
func emptyToNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
