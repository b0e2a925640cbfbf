package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

// grantSelect reads grants with their connection's name.
const grantSelect = `SELECT g.id, g.connection_id, c.name, g.scope, g.access, g.grantee, g.grantee_id,
	g.expires_at, g.mission, g.created_at, g.revoked_at, g.revoked_by
	FROM grants g JOIN connections c ON c.id = g.connection_id`

func scanGrant(row scanner) (*aos.Grant, error) {
	var g aos.Grant
	err := row.Scan(&g.ID, &g.ConnectionID, &g.Connection, &g.Scope, &g.Access, &g.Grantee, &g.GranteeID,
		scanTimePtr{&g.ExpiresAt}, &g.Mission, scanTime{&g.CreatedAt}, scanTimePtr{&g.RevokedAt}, &g.RevokedBy)
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// CreateGrant stores g under its caller-chosen ID. It returns EConflict if
// the ID is taken, ENotFound if g's connection does not exist, and
// EBadRequest for a grant to an agent without the agent's ID.
// g.Connection is ignored: the name is always read from the connection.
func (t *tx) CreateGrant(ctx context.Context, g *aos.Grant) error {
	if err := t.writable("create grant", storecheck.NewGrant(g)); err != nil {
		return err
	}
	var enc encoder
	args := []any{g.ID, g.ConnectionID, g.Scope, g.Access, g.Grantee, g.GranteeID, enc.timePtr("expires_at", g.ExpiresAt),
		g.Mission, enc.time("created_at", g.CreatedAt), enc.timePtr("revoked_at", g.RevokedAt), g.RevokedBy}
	if enc.err != nil {
		return enc.err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO grants
		(id, connection_id, scope, access, grantee, grantee_id, expires_at, mission, created_at, revoked_at, revoked_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	switch {
	case isForeignKey(err):
		return storecheck.IDNotFound("connection", g.ConnectionID)
	case isUnique(err):
		return storecheck.Exists("grant", g.ID)
	case err != nil:
		return fmt.Errorf("sqlite: create grant: %w", err)
	}
	return nil
}

// UpdateGrant stores g's scope, access, grantee (with its ID), expiry,
// mission and revocation in the grant with g.ID; its connection and creation
// time are fixed. It returns ENotFound if there is no such grant.
func (t *tx) UpdateGrant(ctx context.Context, g *aos.Grant) error {
	if err := t.writable("update grant", storecheck.Grant(g)); err != nil {
		return err
	}
	var enc encoder
	args := []any{g.Scope, g.Access, g.Grantee, g.GranteeID, enc.timePtr("expires_at", g.ExpiresAt), g.Mission,
		enc.timePtr("revoked_at", g.RevokedAt), g.RevokedBy, g.ID}
	if enc.err != nil {
		return enc.err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE grants SET
		scope = ?, access = ?, grantee = ?, grantee_id = ?, expires_at = ?, mission = ?, revoked_at = ?, revoked_by = ?
		WHERE id = ?`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: update grant: %w", err)
	}
	return checkAffected(res, storecheck.NotFound("grant", g.ID))
}

// GrantByID returns the grant, revoked or not, with Connection set to its
// connection's name, or ENotFound.
func (t *tx) GrantByID(ctx context.Context, id string) (*aos.Grant, error) {
	g, err := scanGrant(t.tx.QueryRowContext(ctx, grantSelect+` WHERE g.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storecheck.NotFound("grant", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: grant by id: %w", err)
	}
	return g, nil
}

// ListGrants returns the grants f selects, by creation time and then ID,
// each with Connection set. Expired grants are included: whether a grant is
// in force depends on the caller's clock.
func (t *tx) ListGrants(ctx context.Context, f aos.GrantFilter) ([]*aos.Grant, error) {
	var where []string
	var args []any
	if f.ConnectionID != 0 {
		where = append(where, "g.connection_id = ?")
		args = append(args, f.ConnectionID)
	}
	if f.Mission != "" {
		where = append(where, "g.mission = ?")
		args = append(args, f.Mission)
	}
	if !f.IncludeRevoked {
		where = append(where, "g.revoked_at IS NULL")
	}
	query := grantSelect
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY g.created_at, g.id"

	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list grants: %w", err)
	}
	defer rows.Close()
	var gs []*aos.Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list grants: %w", err)
		}
		gs = append(gs, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list grants: %w", err)
	}
	return gs, nil
}
