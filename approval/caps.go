package approval

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aos-dev/aos"
)

const capsSetting = "caps"

// LoadCaps returns the instance's caps, the defaults if never set.
func LoadCaps(ctx context.Context, tx aos.Tx) (aos.Caps, error) {
	v, err := tx.Setting(ctx, capsSetting)
	if aos.ErrorCode(err) == aos.ENotFound {
		return aos.DefaultCaps, nil
	} else if err != nil {
		return aos.Caps{}, err
	}
	c := aos.DefaultCaps
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return aos.Caps{}, fmt.Errorf("caps setting is corrupt: %w", err)
	}
	return c, nil
}

// SaveCaps stores the caps.
func SaveCaps(ctx context.Context, tx aos.Tx, c aos.Caps) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.PutSetting(ctx, capsSetting, string(b))
}
