package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos/store/storecheck"
)

// Setting returns the value last put under key, or ENotFound.
func (t *tx) Setting(ctx context.Context, key string) (string, error) {
	var value string
	err := t.tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&value)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", storecheck.NameNotFound("setting", key)
	}
	if err != nil {
		return "", badText("setting", err)
	}
	return value, nil
}

// PutSetting stores value under key, replacing any previous value.
func (t *tx) PutSetting(ctx context.Context, key, value string) error {
	if err := t.writable("put setting", storecheck.SettingKey(key)); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return badText("put setting", err)
	}
	return nil
}
