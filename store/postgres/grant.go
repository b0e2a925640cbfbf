package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

// grantSelect reads grants with their connection's name.
const grantSelect = `SELECT g.id, g.connection_id, c.name, g.scope, g.access, g.grantee, g.grantee_id,
	g.expires_at, g.mission, g.created_at, g.revoked_at, g.revoked_by
	FROM grants g JOIN connections c ON c.id = g.connection_id`

func scanGrant(row pgx.Row) (*aos.Grant, error) {
	var g aos.Grant
	err := row.Scan(&g.ID, &g.ConnectionID, &g.Connection, &g.Scope, &g.Access, &g.Grantee, &g.GranteeID,
		&g.ExpiresAt, &g.Mission, &g.CreatedAt, &g.RevokedAt, &g.RevokedBy)
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
	_, err := t.exec(ctx, `INSERT INTO grants
		(id, connection_id, scope, access, grantee, grantee_id, expires_at, mission, created_at, revoked_at, revoked_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, args...)
	switch {
	case isForeignKey(err):
		return storecheck.IDNotFound("connection", g.ConnectionID)
	case isUnique(err):
		return storecheck.Exists("grant", g.ID)
	case err != nil:
		return badText("create grant", err)
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
	tag, err := t.exec(ctx, `UPDATE grants SET
		scope = $1, access = $2, grantee = $3, grantee_id = $4, expires_at = $5, mission = $6, revoked_at = $7,
		revoked_by = $8 WHERE id = $9`, args...)
	if err != nil {
		return badText("update grant", err)
	}
	return checkAffected(tag, storecheck.NotFound("grant", g.ID))
}

// GrantByID returns the grant, revoked or not, with Connection set to its
// connection's name, or ENotFound.
func (t *tx) GrantByID(ctx context.Context, id string) (*aos.Grant, error) {
	g, err := scanGrant(t.tx.QueryRow(ctx, grantSelect+` WHERE g.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storecheck.NotFound("grant", id)
	}
	if err != nil {
		return nil, badText("grant by id", err)
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
		args = append(args, f.ConnectionID)
		where = append(where, fmt.Sprintf("g.connection_id = $%d", len(args)))
	}
	if f.Mission != "" {
		args = append(args, f.Mission)
		where = append(where, fmt.Sprintf("g.mission = $%d", len(args)))
	}
	if !f.IncludeRevoked {
		where = append(where, "g.revoked_at IS NULL")
	}
	query := grantSelect
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY g.created_at, g.id"

	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, badText("list grants", err)
	}
	gs, err := collect(rows, func(r pgx.Rows) (*aos.Grant, error) { return scanGrant(r) })
	if err != nil {
		return nil, badText("list grants", err)
	}
	return gs, nil
}
