package gateway

import (
	"context"
	"errors"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// errRehold is returned from an authorising transaction when money that
// moved meanwhile brings the call over the weekly cap.
var errRehold = errors.New("gateway: weekly total changed; decide again")

// spend records the money a call moves, inside the transaction that
// authorises it, so that the weekly total counts it before the upstream is
// called. Unless approvalID is set (the owner approved this very amount),
// it re-reads the weekly total and returns errRehold if the call would now
// cross the cap: two calls that each fit cannot cross it together.
func (g *Gateway) spend(ctx context.Context, tx aos.Tx, t *target, call *connector.Call, approvalID string) error {
	f := call.Facts
	if f.Amount <= 0 {
		return nil
	}
	usd, ok := aos.ToUSD(f.Amount, f.Currency, t.caps.Rates)
	if !ok {
		if approvalID == "" {
			return errRehold
		}
		usd = 0 // approved by the owner in a currency without a rate: not countable
	}
	now := g.Now().UTC()
	if approvalID == "" {
		spent, err := tx.SpentSince(ctx, now.Add(-week))
		if err != nil {
			return err
		}
		if spent+usd > t.caps.PerWeek || usd > t.caps.PerMove {
			return errRehold
		}
	}
	if usd == 0 {
		return nil
	}
	return tx.AddSpend(ctx, aos.Spend{At: now, AmountUSD: usd, Connection: t.conn.Name, ApprovalID: approvalID})
}
