package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/aos-dev/aos"
)

// Setting returns the value last put under key, or ENotFound.
func (t *tx) Setting(ctx context.Context, key string) (string, error) {
	var value string
	err := t.tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", aos.Errorf(aos.ENotFound, "setting %q not found", key)
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: setting: %w", err)
	}
	return value, nil
}

// PutSetting stores value under key, replacing any previous value.
func (t *tx) PutSetting(ctx context.Context, key, value string) error {
	if err := t.writable("put setting"); err != nil {
		return err
	}
	if key == "" {
		return aos.Errorf(aos.EBadRequest, "a setting needs a key")
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("sqlite: put setting: %w", err)
	}
	return nil
}
