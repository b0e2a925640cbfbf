package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

const connectionColumns = `id, name, type, base_url, auth, holds_customer_data, config, created_at, disconnected_at`

func scanConnection(row scanner) (*aos.Connection, error) {
	var c aos.Connection
	err := row.Scan(&c.ID, &c.Name, &c.Type, &c.BaseURL, &c.Auth, &c.HoldsCustomerData, &c.Config,
		scanTime{&c.CreatedAt}, scanTimePtr{&c.DisconnectedAt})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateConnection stores c and sets c.ID. It returns EConflict if a
// connection, connected or not, has c's name.
func (t *tx) CreateConnection(ctx context.Context, c *aos.Connection) error {
	if err := t.writable("create connection", storecheck.Connection(c)); err != nil {
		return err
	}
	var enc encoder
	args := []any{c.Name, c.Type, c.BaseURL, c.Auth, boolInt(c.HoldsCustomerData), nullBlob(c.Config),
		enc.time("created_at", c.CreatedAt), enc.timePtr("disconnected_at", c.DisconnectedAt)}
	if enc.err != nil {
		return enc.err
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO connections
		(name, type, base_url, auth, holds_customer_data, config, created_at, disconnected_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if isUnique(err) {
		return storecheck.ConnectionExists(c.Name)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create connection: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("sqlite: create connection: %w", err)
	}
	c.ID = id
	return nil
}

// UpdateConnection stores every field of c in the connection with c.ID,
// except CreatedAt, which is fixed at creation. It returns ENotFound if there
// is no such connection and EConflict if c renames it to a taken name.
func (t *tx) UpdateConnection(ctx context.Context, c *aos.Connection) error {
	if err := t.writable("update connection", storecheck.Connection(c)); err != nil {
		return err
	}
	var enc encoder
	args := []any{c.Name, c.Type, c.BaseURL, c.Auth, boolInt(c.HoldsCustomerData), nullBlob(c.Config),
		enc.timePtr("disconnected_at", c.DisconnectedAt), c.ID}
	if enc.err != nil {
		return enc.err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE connections SET
		name = ?, type = ?, base_url = ?, auth = ?, holds_customer_data = ?, config = ?, disconnected_at = ?
		WHERE id = ?`, args...)
	if isUnique(err) {
		return storecheck.ConnectionExists(c.Name)
	}
	if err != nil {
		return fmt.Errorf("sqlite: update connection: %w", err)
	}
	return checkAffected(res, storecheck.IDNotFound("connection", c.ID))
}

// ConnectionByName returns the connection with the name, connected or not,
// or ENotFound.
func (t *tx) ConnectionByName(ctx context.Context, name string) (*aos.Connection, error) {
	row := t.tx.QueryRowContext(ctx, `SELECT `+connectionColumns+` FROM connections WHERE name = ?`, name)
	c, err := scanConnection(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storecheck.NameNotFound("connection", name)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: connection by name: %w", err)
	}
	return c, nil
}

// ListConnections returns every connection, connected or not, by name.
func (t *tx) ListConnections(ctx context.Context) ([]*aos.Connection, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+connectionColumns+` FROM connections ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list connections: %w", err)
	}
	defer rows.Close()
	var cs []*aos.Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list connections: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list connections: %w", err)
	}
	return cs, nil
}
