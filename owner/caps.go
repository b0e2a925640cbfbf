package owner

import (
	"context"
	"encoding/json"

	"github.com/aos-dev/aos"
)

// Caps returns the instance's caps. Owner or auditor.
func (s *Service) Caps(ctx context.Context) (aos.Caps, error) {
	var c aos.Caps
	err := s.Store.View(ctx, func(tx aos.Tx) (err error) {
		c, err = aos.LoadCaps(ctx, tx)
		return err
	})
	return c, err
}

// SetCaps replaces the caps. Owner only. Errors: EBadRequest.
func (s *Service) SetCaps(ctx context.Context, actor *aos.Principal, c aos.Caps) (aos.Caps, error) {
	if err := requireOwner(actor, "set caps"); err != nil {
		return c, err
	}
	c, err := c.Normalize()
	if err != nil {
		return c, err
	}
	_, err = s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		if err := aos.SaveCaps(ctx, tx, c); err != nil {
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
