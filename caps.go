package aos

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
)

// Money in the domain, besides the table of minor units (money.go): the
// conversion the caps count in, and the caps themselves, as the owner sets
// them and the pipeline loads them. Connectors describe amounts in facts;
// only the pipeline decides on them.

// ToUSD converts an amount in a currency's minor unit to US cents, rounding
// up so a cap is never undercounted. It reports false for a currency other
// than USD without a valid rate.
func ToUSD(amount int64, currency string, rates map[string]string) (int64, bool) {
	cur := strings.ToUpper(currency)
	if cur == "USD" {
		return amount, true
	}
	rate, ok := new(big.Rat).SetString(rates[cur])
	if !ok || rates[cur] == "" || rate.Sign() <= 0 {
		return 0, false
	}
	exp := MinorUnits(cur)
	// cents = amount / 10^exp * rate * 100
	v := new(big.Rat).SetInt64(amount)
	v.Mul(v, rate)
	v.Mul(v, big.NewRat(100, 1))
	v.Quo(v, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)))
	q, r := new(big.Int).QuoRem(v.Num(), v.Denom(), new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

// FormatUSD formats US cents in major units with the currency:
// "$1,234.56 USD".
func FormatUSD(cents int64) string { return FormatMoney(cents, "USD") }

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// Normalize checks caps the owner sets and returns them in their stored
// form: currency codes upper case, no empty rate table. Errors: EBadRequest.
func (c Caps) Normalize() (Caps, error) {
	if c.PerMove < 0 || c.PerWeek < 0 || c.RecipientLimit < 0 {
		return c, Errorf(EBadRequest, "caps must not be negative")
	}
	rates := map[string]string{}
	for cur, r := range c.Rates {
		cur = strings.ToUpper(cur)
		if !currencyRE.MatchString(cur) || cur == "USD" {
			return c, Errorf(EBadRequest, "%q is not a currency code other than USD", cur)
		}
		v, ok := new(big.Rat).SetString(r)
		if !ok || v.Sign() <= 0 {
			return c, Errorf(EBadRequest, "rate for %s must be a positive decimal, such as 1.08", cur)
		}
		rates[cur] = r
	}
	c.Rates = rates
	if len(rates) == 0 {
		c.Rates = nil
	}
	return c, nil
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
func DescribeCaps(c Caps) CapsText {
	t := CapsText{PerMove: FormatMoney(c.PerMove, "USD"), PerWeek: FormatMoney(c.PerWeek, "USD")}
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

// capsSetting is the setting the caps are stored under.
const capsSetting = "caps"

// LoadCaps returns the instance's caps, the defaults if never set.
func LoadCaps(ctx context.Context, tx Tx) (Caps, error) {
	v, err := tx.Setting(ctx, capsSetting)
	if ErrorCode(err) == ENotFound {
		return DefaultCaps, nil
	} else if err != nil {
		return Caps{}, err
	}
	c := DefaultCaps
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return Caps{}, fmt.Errorf("caps setting is corrupt: %w", err)
	}
	return c, nil
}

// SaveCaps stores the caps; call it inside a recording transaction.
func SaveCaps(ctx context.Context, tx Tx, c Caps) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.PutSetting(ctx, capsSetting, string(b))
}
