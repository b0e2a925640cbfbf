package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

const principalColumns = `id, kind, name, department, token_hash, created_at, removed_at`

func scanPrincipal(row pgx.Row) (*aos.Principal, error) {
	var p aos.Principal
	err := row.Scan(&p.ID, &p.Kind, &p.Name, &p.Department, &p.TokenHash, &p.CreatedAt, &p.RemovedAt)
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
	args := []any{p.Kind, p.Name, p.Department, emptyToNil(p.TokenHash),
		enc.time("created_at", p.CreatedAt), enc.timePtr("removed_at", p.RemovedAt)}
	if enc.err != nil {
		return enc.err
	}
	id, err := t.insertID(ctx, `INSERT INTO principals
		(kind, name, department, token_hash, created_at, removed_at) VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING id`, args...)
	if isUnique(err) {
		return storecheck.PrincipalConflict(ctx, t, p)
	}
	if err != nil {
		return badText("create principal", err)
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
	p, err := scanPrincipal(t.tx.QueryRow(ctx, `SELECT `+principalColumns+` FROM principals
		WHERE token_hash = $1 AND removed_at IS NULL`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storecheck.PrincipalTokenNotFound()
	}
	if err != nil {
		return nil, badText("principal by token", err)
	}
	return p, nil
}

// PrincipalByName returns the active principal of the kind with the name, or
// ENotFound.
func (t *tx) PrincipalByName(ctx context.Context, kind aos.PrincipalKind, name string) (*aos.Principal, error) {
	p, err := scanPrincipal(t.tx.QueryRow(ctx, `SELECT `+principalColumns+` FROM principals
		WHERE kind = $1 AND name = $2 AND removed_at IS NULL`, kind, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storecheck.NameNotFound(string(kind), name)
	}
	if err != nil {
		return nil, badText("principal by name", err)
	}
	return p, nil
}

// ListPrincipals returns the active principals of the kind, by name. The
// empty kind lists every kind, by name and then kind.
func (t *tx) ListPrincipals(ctx context.Context, kind aos.PrincipalKind) ([]*aos.Principal, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+principalColumns+` FROM principals
		WHERE removed_at IS NULL AND ($1 = '' OR kind = $1)
		ORDER BY name, kind, id`, string(kind))
	if err != nil {
		return nil, badText("list principals", err)
	}
	ps, err := collect(rows, func(r pgx.Rows) (*aos.Principal, error) { return scanPrincipal(r) })
	if err != nil {
		return nil, badText("list principals", err)
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
	tag, err := t.exec(ctx, `UPDATE principals SET removed_at = $1
		WHERE id = $2 AND removed_at IS NULL`, removedAt, id)
	if err != nil {
		return badText("remove principal", err)
	}
	return checkAffected(tag, storecheck.IDNotFound("principal", id))
}
