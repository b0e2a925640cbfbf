package owner

import (
	"context"
	"encoding/json"
	"math/big"
	"regexp"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
)

// Caps returns the instance's caps. Owner or auditor.
func (s *Service) Caps(ctx context.Context) (aos.Caps, error) {
	var c aos.Caps
	err := s.Store.View(ctx, func(tx aos.Tx) (err error) {
		c, err = approval.LoadCaps(ctx, tx)
		return err
	})
	return c, err
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// SetCaps replaces the caps. Owner only. Errors: EBadRequest.
func (s *Service) SetCaps(ctx context.Context, actor *aos.Principal, c aos.Caps) (aos.Caps, error) {
	if err := requireOwner(actor, "set caps"); err != nil {
		return c, err
	}
	if c.PerMove < 0 || c.PerWeek < 0 || c.RecipientLimit < 0 {
		return c, aos.Errorf(aos.EBadRequest, "caps must not be negative")
	}
	rates := map[string]string{}
	for cur, r := range c.Rates {
		cur = strings.ToUpper(cur)
		if !currencyRE.MatchString(cur) || cur == "USD" {
			return c, aos.Errorf(aos.EBadRequest, "%q is not a currency code other than USD", cur)
		}
		v, ok := new(big.Rat).SetString(r)
		if !ok || v.Sign() <= 0 {
			return c, aos.Errorf(aos.EBadRequest, "rate for %s must be a positive decimal, such as 1.08", cur)
		}
		rates[cur] = r
	}
	c.Rates = rates
	if len(rates) == 0 {
		c.Rates = nil
	}
	_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		if err := approval.SaveCaps(ctx, tx, c); err != nil {
			return nil, err
		}
		b, _ := json.Marshal(c)
		var attrs map[string]any
		json.Unmarshal(b, &attrs)
		flat := map[string]string{}
		for k, v := range attrs {
			vb, _ := json.Marshal(v)
			flat[k] = string(vb)
		}
		return []aos.Record{{Kind: "caps.set", Actor: actor.Ref(), Subject: "caps", Attrs: flat}}, nil
	})
	return c, err
}
