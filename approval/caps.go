package approval

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

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

// CapsText is the caps as people read them: amounts in major units with
// their currency ("$1,000.00 USD"), rates as "1 EUR = 1.08 USD".
type CapsText struct {
	PerMove string   `json:"per_move"`
	PerWeek string   `json:"per_week"`
	Rates   []string `json:"rates,omitempty"`
}

// DescribeCaps writes the caps for people. The caps themselves are kept
// in US cents; `aos caps` takes and shows dollars.
func DescribeCaps(c aos.Caps) CapsText {
	t := CapsText{PerMove: aos.FormatMoney(c.PerMove, "USD"), PerWeek: aos.FormatMoney(c.PerWeek, "USD")}
	curs := make([]string, 0, len(c.Rates))
	for cur := range c.Rates {
		curs = append(curs, cur)
	}
	sort.Strings(curs)
	for _, cur := range curs {
		t.Rates = append(t.Rates, fmt.Sprintf("1 %s = %s USD", cur, c.Rates[cur]))
	}
	return t
}
