package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/aos-dev/aos/store/storecheck"
)

// Setting returns the value last put under key, or ENotFound.
func (t *tx) Setting(ctx context.Context, key string) (string, error) {
	var value string
	err := t.tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", storecheck.NameNotFound("setting", key)
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: setting: %w", err)
	}
	return value, nil
}

// PutSetting stores value under key, replacing any previous value.
func (t *tx) PutSetting(ctx context.Context, key, value string) error {
	if err := t.writable("put setting", storecheck.SettingKey(key)); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("sqlite: put setting: %w", err)
	}
	return nil
}
