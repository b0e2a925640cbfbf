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

const credentialColumns = `id, connection_id, version, sealed, status, fingerprint,
	created_at, rotated_at, last_used_at, rotation_period, breadth, inspected_at, inspect_error`

func scanCredential(row scanner) (*aos.Credential, error) {
	var c aos.Credential
	var period int64
	var inspectError sql.NullString
	err := row.Scan(&c.ID, &c.ConnectionID, &c.Version, &c.Sealed, &c.Status, &c.Fingerprint,
		scanTime{&c.CreatedAt}, scanTimePtr{&c.RotatedAt}, scanTimePtr{&c.LastUsedAt}, &period,
		scanBreadth{&c.Breadth}, scanTimePtr{&c.InspectedAt}, &inspectError)
	if err != nil {
		return nil, err
	}
	c.RotationPeriod = time.Duration(period)
	c.InspectError = inspectError.String
	return &c, nil
}

// breadthValue returns what the breadth column stores for info: NULL for
// nil, else JSON text.
func breadthValue(enc *encoder, info *aos.CredentialInfo) any {
	if info == nil {
		return nil
	}
	return enc.json("breadth", info)
}

// scanBreadth scans the breadth column: NULL reads back as nil.
type scanBreadth struct{ info **aos.CredentialInfo }

func (s scanBreadth) Scan(src any) error {
	if src == nil {
		*s.info = nil
		return nil
	}
	var info aos.CredentialInfo
	if err := (scanJSON{&info}).Scan(src); err != nil {
		return err
	}
	*s.info = &info
	return nil
}

// nullString stores "" as NULL, for nullable text columns.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
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
	args := []any{c.ConnectionID, c.Version, nullBlob(c.Sealed), c.Status, c.Fingerprint,
		enc.time("created_at", c.CreatedAt), enc.timePtr("rotated_at", c.RotatedAt),
		enc.timePtr("last_used_at", c.LastUsedAt), int64(c.RotationPeriod),
		breadthValue(&enc, c.Breadth), enc.timePtr("inspected_at", c.InspectedAt), nullString(c.InspectError)}
	if enc.err != nil {
		return enc.err
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO credentials
		(connection_id, version, sealed, status, fingerprint, created_at, rotated_at, last_used_at, rotation_period,
		breadth, inspected_at, inspect_error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	switch {
	case isForeignKey(err):
		return storecheck.IDNotFound("connection", c.ConnectionID)
	case isUnique(err):
		return t.credentialConflict(ctx, c)
	case err != nil:
		return fmt.Errorf("sqlite: create credential: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("sqlite: create credential: %w", err)
	}
	c.ID = id
	return nil
}

// credentialConflict explains a unique violation by c: its version is taken,
// or its connection already has an active credential.
func (t *tx) credentialConflict(ctx context.Context, c *aos.Credential) error {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM credentials
		WHERE connection_id = ? AND version = ?`, c.ConnectionID, c.Version).Scan(&n)
	if err != nil {
		return fmt.Errorf("sqlite: create credential: %w", err)
	}
	return storecheck.CredentialConflict(c, n > 0)
}

// UpdateCredential stores c's sealed secret, status, fingerprint, rotation
// and last-use times, rotation period and inspection (breadth, time and
// error) in the credential with c.ID; its connection, version and creation
// time are fixed. It returns ENotFound if
// there is no such credential, and EConflict if it would make a second
// active credential for the connection.
func (t *tx) UpdateCredential(ctx context.Context, c *aos.Credential) error {
	if err := t.writable("update credential", storecheck.Credential(c)); err != nil {
		return err
	}
	var enc encoder
	args := []any{nullBlob(c.Sealed), c.Status, c.Fingerprint, enc.timePtr("rotated_at", c.RotatedAt),
		enc.timePtr("last_used_at", c.LastUsedAt), int64(c.RotationPeriod),
		breadthValue(&enc, c.Breadth), enc.timePtr("inspected_at", c.InspectedAt), nullString(c.InspectError), c.ID}
	if enc.err != nil {
		return enc.err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE credentials SET
		sealed = ?, status = ?, fingerprint = ?, rotated_at = ?, last_used_at = ?, rotation_period = ?,
		breadth = ?, inspected_at = ?, inspect_error = ?
		WHERE id = ?`, args...)
	if isUnique(err) {
		return storecheck.ActiveCredentialConflict(c.ID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: update credential: %w", err)
	}
	return checkAffected(res, storecheck.IDNotFound("credential", c.ID))
}

// ActiveCredential returns the connection's active credential, or ENotFound.
func (t *tx) ActiveCredential(ctx context.Context, connectionID int64) (*aos.Credential, error) {
	row := t.tx.QueryRowContext(ctx, `SELECT `+credentialColumns+` FROM credentials
		WHERE connection_id = ? AND status = 'active'`, connectionID)
	c, err := scanCredential(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storecheck.NoActiveCredential(connectionID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: active credential: %w", err)
	}
	return c, nil
}

// ListCredentials returns every version of the connection's credential, by
// version; none for an unknown connection.
func (t *tx) ListCredentials(ctx context.Context, connectionID int64) ([]*aos.Credential, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+credentialColumns+` FROM credentials
		WHERE connection_id = ? ORDER BY version`, connectionID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list credentials: %w", err)
	}
	defer rows.Close()
	var cs []*aos.Credential
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list credentials: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list credentials: %w", err)
	}
	return cs, nil
}
