package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

const credentialColumns = `id, connection_id, version, sealed, status, fingerprint,
	created_at, rotated_at, last_used_at, rotation_period, breadth, inspected_at, inspect_error`

func scanCredential(row pgx.Row) (*aos.Credential, error) {
	var c aos.Credential
	var period int64
	var breadth, inspectError *string
	err := row.Scan(&c.ID, &c.ConnectionID, &c.Version, &c.Sealed, &c.Status, &c.Fingerprint,
		&c.CreatedAt, &c.RotatedAt, &c.LastUsedAt, &period, &breadth, &c.InspectedAt, &inspectError)
	if err != nil {
		return nil, err
	}
	c.RotationPeriod = time.Duration(period)
	if breadth != nil {
		c.Breadth = new(aos.CredentialInfo)
		if err := (scanJSON{c.Breadth}).Scan(*breadth); err != nil {
			return nil, err
		}
	}
	if inspectError != nil {
		c.InspectError = *inspectError
	}
	return &c, nil
}

// breadthValue returns what the breadth column stores for info: NULL for
// nil, else JSON text.
func breadthValue(enc *encoder, info *aos.CredentialInfo) *string {
	if info == nil {
		return nil
	}
	s := enc.json("breadth", info)
	return &s
}

// nullString stores "" as NULL, for nullable text columns.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// CreateCredential stores c and sets c.ID. It returns ENotFound if c's
// connection does not exist, and EConflict if the connection already has c's
// version or, when c is active, an active credential: at most one version is
// active, so revoke the old one before creating its successor.
func (t *tx) CreateCredential(ctx context.Context, c *aos.Credential) error {
	if err := t.writable("create credential", storecheck.Credential(c)); err != nil {
		return err
	}
	var enc encoder
	args := []any{c.ConnectionID, c.Version, c.Sealed, c.Status, c.Fingerprint,
		enc.time("created_at", c.CreatedAt), enc.timePtr("rotated_at", c.RotatedAt),
		enc.timePtr("last_used_at", c.LastUsedAt), int64(c.RotationPeriod),
		breadthValue(&enc, c.Breadth), enc.timePtr("inspected_at", c.InspectedAt), nullString(c.InspectError)}
	if enc.err != nil {
		return enc.err
	}
	id, err := t.insertID(ctx, `INSERT INTO credentials
		(connection_id, version, sealed, status, fingerprint, created_at, rotated_at, last_used_at, rotation_period,
		breadth, inspected_at, inspect_error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`, args...)
	switch {
	case isForeignKey(err):
		return storecheck.IDNotFound("connection", c.ConnectionID)
	case isUnique(err):
		return t.credentialConflict(ctx, c)
	case err != nil:
		return badText("create credential", err)
	}
	c.ID = id
	return nil
}

// credentialConflict explains a unique violation by c: its version is taken,
// or its connection already has an active credential.
func (t *tx) credentialConflict(ctx context.Context, c *aos.Credential) error {
	var taken bool
	err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM credentials
		WHERE connection_id = $1 AND version = $2)`, c.ConnectionID, c.Version).Scan(&taken)
	if err != nil {
		return fmt.Errorf("postgres: create credential: %w", err)
	}
	return storecheck.CredentialConflict(c, taken)
}

// UpdateCredential stores c's sealed secret, status, fingerprint, rotation
// and last-use times, rotation period and inspection (breadth, time and
// error) in the credential with c.ID; its connection, version and creation
// time are fixed. It returns ENotFound if there is no such credential, and
// EConflict if it would make a second active credential for the connection.
func (t *tx) UpdateCredential(ctx context.Context, c *aos.Credential) error {
	if err := t.writable("update credential", storecheck.Credential(c)); err != nil {
		return err
	}
	var enc encoder
	args := []any{c.Sealed, c.Status, c.Fingerprint, enc.timePtr("rotated_at", c.RotatedAt),
		enc.timePtr("last_used_at", c.LastUsedAt), int64(c.RotationPeriod),
		breadthValue(&enc, c.Breadth), enc.timePtr("inspected_at", c.InspectedAt), nullString(c.InspectError), c.ID}
	if enc.err != nil {
		return enc.err
	}
	tag, err := t.exec(ctx, `UPDATE credentials SET
		sealed = $1, status = $2, fingerprint = $3, rotated_at = $4, last_used_at = $5, rotation_period = $6,
		breadth = $7, inspected_at = $8, inspect_error = $9
		WHERE id = $10`, args...)
	if isUnique(err) {
		return storecheck.ActiveCredentialConflict(c.ID)
	}
	if err != nil {
		return badText("update credential", err)
	}
	return checkAffected(tag, storecheck.IDNotFound("credential", c.ID))
}

// ActiveCredential returns the connection's active credential, or ENotFound.
func (t *tx) ActiveCredential(ctx context.Context, connectionID int64) (*aos.Credential, error) {
	c, err := scanCredential(t.tx.QueryRow(ctx, `SELECT `+credentialColumns+` FROM credentials
		WHERE connection_id = $1 AND status = 'active'`, connectionID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storecheck.NoActiveCredential(connectionID)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: active credential: %w", err)
	}
	return c, nil
}

// ListCredentials returns every version of the connection's credential, by
// version; none for an unknown connection.
func (t *tx) ListCredentials(ctx context.Context, connectionID int64) ([]*aos.Credential, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+credentialColumns+` FROM credentials
		WHERE connection_id = $1 ORDER BY version`, connectionID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list credentials: %w", err)
	}
	cs, err := collect(rows, func(r pgx.Rows) (*aos.Credential, error) { return scanCredential(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list credentials: %w", err)
	}
	return cs, nil
}
