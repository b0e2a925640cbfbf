package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"

	sqlitedrv "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// tx is an aos.Tx on a SQLite transaction. Its methods live in the files of
// the things they store (principal.go, connection.go, ...).
type tx struct {
	tx       *sql.Tx
	readOnly bool
}

var _ aos.Tx = (*tx)(nil)

// writable returns an error if t belongs to View, else the first failed of
// checks, the caller's checks (from storecheck) of what op would write. The
// read connections are also query_only, so SQLite would refuse the write
// anyway; this names it.
func (t *tx) writable(op string, checks ...error) error {
	if t.readOnly {
		return fmt.Errorf("sqlite: %s: write in a read-only transaction", op)
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// sqliteCode returns the extended SQLite result code of err, 0 if none.
func sqliteCode(err error) int {
	var e *sqlitedrv.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// isUnique reports whether err is a violated UNIQUE or PRIMARY KEY constraint.
func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports whether err is a violated FOREIGN KEY constraint.
func isForeignKey(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// checkAffected returns notFound unless res changed a row.
func checkAffected(res sql.Result, notFound error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// nullBlob stores nil as NULL, so a nil slice reads back as nil.
func nullBlob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// timeLayout is how times are stored: UTC, fixed width, so that they sort as
// text and round-trip to the nanosecond.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// encoder turns times into stored text, remembering the first one that the
// layout cannot hold, so that a statement's arguments can be built in one
// expression and checked once.
type encoder struct{ err error }

// fail remembers err, if it is the first failure.
func (e *encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// time returns t as stored text, or "" for a time storecheck.Time refuses.
func (e *encoder) time(field string, t time.Time) string {
	if err := storecheck.Time(field, t); err != nil {
		e.fail(err)
		return ""
	}
	return formatTime(t)
}

func (e *encoder) timePtr(field string, t *time.Time) any {
	if t == nil {
		return nil
	}
	return e.time(field, *t)
}

// json encodes v as stored JSON text. A nil slice is stored as null and reads
// back as nil.
func (e *encoder) json(field string, v any) string {
	s, err := storecheck.JSON(field, v)
	if err != nil {
		e.fail(fmt.Errorf("sqlite: %w", err))
	}
	return s
}

// approval encodes a's points, facts, reasons and alternatives as JSON.
func (e *encoder) approval(a *aos.Approval) storecheck.ApprovalText {
	t, err := storecheck.EncodeApproval(a)
	if err != nil {
		e.fail(fmt.Errorf("sqlite: %w", err))
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

// placeholders returns n comma-separated parameters, for an IN list; n > 0.
func placeholders(n int) string {
	return strings.Repeat("?, ", n-1) + "?"
}

// scanTime scans a stored time into *t, in UTC.
type scanTime struct{ t *time.Time }

func (s scanTime) Scan(v any) error {
	var str string
	switch v := v.(type) {
	case string:
		str = v
	case []byte:
		str = string(v)
	default:
		return fmt.Errorf("stored time has type %T", v)
	}
	t, err := time.Parse(timeLayout, str)
	if err != nil {
		return fmt.Errorf("stored time: %w", err)
	}
	*s.t = t
	return nil
}

// scanTimePtr scans a nullable stored time into *t: nil for NULL.
type scanTimePtr struct{ t **time.Time }

func (s scanTimePtr) Scan(v any) error {
	if v == nil {
		*s.t = nil
		return nil
	}
	var t time.Time
	if err := (scanTime{&t}).Scan(v); err != nil {
		return err
	}
	*s.t = &t
	return nil
}

// boolInt stores a bool as 0 or 1.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
