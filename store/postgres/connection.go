package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

const connectionColumns = `id, name, type, base_url, auth, holds_customer_data, config, created_at, disconnected_at`

func scanConnection(row pgx.Row) (*aos.Connection, error) {
	var c aos.Connection
	err := row.Scan(&c.ID, &c.Name, &c.Type, &c.BaseURL, &c.Auth, &c.HoldsCustomerData, &c.Config,
		&c.CreatedAt, &c.DisconnectedAt)
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
	args := []any{c.Name, c.Type, c.BaseURL, c.Auth, c.HoldsCustomerData, c.Config,
		enc.time("created_at", c.CreatedAt), enc.timePtr("disconnected_at", c.DisconnectedAt)}
	if enc.err != nil {
		return enc.err
	}
	id, err := t.insertID(ctx, `INSERT INTO connections
		(name, type, base_url, auth, holds_customer_data, config, created_at, disconnected_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, args...)
	if isUnique(err) {
		return storecheck.ConnectionExists(c.Name)
	}
	if err != nil {
		return badText("create connection", err)
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
	args := []any{c.Name, c.Type, c.BaseURL, c.Auth, c.HoldsCustomerData, c.Config,
		enc.timePtr("disconnected_at", c.DisconnectedAt), c.ID}
	if enc.err != nil {
		return enc.err
	}
	tag, err := t.exec(ctx, `UPDATE connections SET
		name = $1, type = $2, base_url = $3, auth = $4, holds_customer_data = $5, config = $6, disconnected_at = $7
		WHERE id = $8`, args...)
	if isUnique(err) {
		return storecheck.ConnectionExists(c.Name)
	}
	if err != nil {
		return badText("update connection", err)
	}
	return checkAffected(tag, storecheck.IDNotFound("connection", c.ID))
}

// ConnectionByName returns the connection with the name, connected or not,
// or ENotFound.
func (t *tx) ConnectionByName(ctx context.Context, name string) (*aos.Connection, error) {
	c, err := scanConnection(t.tx.QueryRow(ctx, `SELECT `+connectionColumns+` FROM connections WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storecheck.NameNotFound("connection", name)
	}
	if err != nil {
		return nil, badText("connection by name", err)
	}
	return c, nil
}

// ListConnections returns every connection, connected or not, by name.
func (t *tx) ListConnections(ctx context.Context) ([]*aos.Connection, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+connectionColumns+` FROM connections ORDER BY name`)
	if err != nil {
		return nil, badText("list connections", err)
	}
	cs, err := collect(rows, func(r pgx.Rows) (*aos.Connection, error) { return scanConnection(r) })
	if err != nil {
		return nil, badText("list connections", err)
	}
	return cs, nil
}
