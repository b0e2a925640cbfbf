package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

const principalColumns = `id, kind, name, department, token_hash, created_at, removed_at`

type scanner interface{ Scan(dest ...any) error }

func scanPrincipal(row scanner) (*aos.Principal, error) {
	var p aos.Principal
	err := row.Scan(&p.ID, &p.Kind, &p.Name, &p.Department, &p.TokenHash,
		scanTime{&p.CreatedAt}, scanTimePtr{&p.RemovedAt})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// CreatePrincipal stores p and sets p.ID. It returns EConflict if an active
// principal of the same kind has p's name, or another active principal has
// p's token hash. An empty TokenHash is stored as none and never matches.
func (t *tx) CreatePrincipal(ctx context.Context, p *aos.Principal) error {
	if err := t.writable("create principal", storecheck.Principal(p)); err != nil {
		return err
	}
	var enc encoder
	args := []any{p.Kind, p.Name, p.Department, nullBlob(emptyToNil(p.TokenHash)),
		enc.time("created_at", p.CreatedAt), enc.timePtr("removed_at", p.RemovedAt)}
	if enc.err != nil {
		return enc.err
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO principals
		(kind, name, department, token_hash, created_at, removed_at) VALUES (?, ?, ?, ?, ?, ?)`, args...)
	if isUnique(err) {
		return storecheck.PrincipalConflict(ctx, t, p)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create principal: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("sqlite: create principal: %w", err)
	}
	p.ID = id
	return nil
}

// PrincipalByTokenHash returns the active principal with the token hash, or
// ENotFound. Removed principals are never found.
func (t *tx) PrincipalByTokenHash(ctx context.Context, hash []byte) (*aos.Principal, error) {
	if len(hash) == 0 {
		return nil, storecheck.PrincipalTokenNotFound()
	}
	row := t.tx.QueryRowContext(ctx, `SELECT `+principalColumns+` FROM principals
		WHERE token_hash = ? AND removed_at IS NULL`, hash)
	p, err := scanPrincipal(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storecheck.PrincipalTokenNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: principal by token: %w", err)
	}
	return p, nil
}

// PrincipalByName returns the active principal of the kind with the name, or
// ENotFound.
func (t *tx) PrincipalByName(ctx context.Context, kind aos.PrincipalKind, name string) (*aos.Principal, error) {
	row := t.tx.QueryRowContext(ctx, `SELECT `+principalColumns+` FROM principals
		WHERE kind = ? AND name = ? AND removed_at IS NULL`, kind, name)
	p, err := scanPrincipal(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storecheck.NameNotFound(string(kind), name)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: principal by name: %w", err)
	}
	return p, nil
}

// ListPrincipals returns the active principals of the kind, by name. The
// empty kind lists every kind, by name and then kind.
func (t *tx) ListPrincipals(ctx context.Context, kind aos.PrincipalKind) ([]*aos.Principal, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+principalColumns+` FROM principals
		WHERE removed_at IS NULL AND (? = '' OR kind = ?)
		ORDER BY name, kind, id`, kind, kind)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list principals: %w", err)
	}
	defer rows.Close()
	var ps []*aos.Principal
	for rows.Next() {
		p, err := scanPrincipal(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list principals: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list principals: %w", err)
	}
	return ps, nil
}

// RemovePrincipal marks the active principal removed at the given time. Its
// token stops working and its name becomes free. It returns ENotFound if no
// active principal has the ID.
func (t *tx) RemovePrincipal(ctx context.Context, id int64, at time.Time) error {
	if err := t.writable("remove principal"); err != nil {
		return err
	}
	var enc encoder
	removedAt := enc.time("removed_at", at)
	if enc.err != nil {
		return enc.err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE principals SET removed_at = ?
		WHERE id = ? AND removed_at IS NULL`, removedAt, id)
	if err != nil {
		return fmt.Errorf("sqlite: remove principal: %w", err)
	}
	return checkAffected(res, storecheck.IDNotFound("principal", id))
}

func emptyToNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
