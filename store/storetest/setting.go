package storetest

import (
	"context"
	"testing"

	"github.com/aos-dev/aos"
)

var settingCases = []testCase{
	{"Missing", testSettingMissing},
	{"PutAndOverwrite", testSettingPut},
}

func testSettingMissing(t *testing.T, s aos.Store) {
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		_, err := tx.Setting(ctx, "caps")
		wantCode(t, "Setting(never put)", err, aos.ENotFound)
		return nil
	})
}

func testSettingPut(t *testing.T, s aos.Store) {
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		if err := tx.PutSetting(ctx, "caps", `{"per_move":100000}`); err != nil {
			return err
		}
		return tx.PutSetting(ctx, "empty", "")
	})
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		return tx.PutSetting(ctx, "caps", `{"per_move":50000}`)
	})
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		for key, want := range map[string]string{"caps": `{"per_move":50000}`, "empty": ""} {
			got, err := tx.Setting(ctx, key)
			if err != nil {
				return err
			}
			if got != want {
				t.Errorf("Setting(%q) = %q, want %q", key, got, want)
			}
		}
		return nil
	})
}
