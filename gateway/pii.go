package gateway

import (
	"context"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/pii"
)

// unattributed is the source of personal data never seen from a system of
// record, in the flow map.
const unattributed = "unattributed"

// scan fills a write's customer-data facts from its payload: customer data
// learnt from other connections (by fingerprint), and what the detectors
// find. Reads carry no payload out and are not scanned.
func (g *Gateway) scan(ctx context.Context, conn *aos.Connection, call *connector.Call) error {
	if call.Operation.Access != aos.Write || call.Upstream == nil || len(call.Upstream.Body) == 0 {
		return nil
	}
	if len(call.Upstream.Body) > pii.MaxBytes {
		call.Facts.Unscanned = true
	}
	items := pii.Extract(call.Upstream.Header.Get("Content-Type"), call.Upstream.Body)
	if len(items) == 0 {
		return nil
	}
	cands := pii.Candidates(g.Vault.MAC, items)
	var found []aos.Fingerprint
	if len(cands) > 0 {
		err := g.Store.View(ctx, func(tx aos.Tx) (err error) {
			found, err = tx.FindFingerprints(ctx, cands)
			return err
		})
		if err != nil {
			return err
		}
	}
	a := pii.Assess(g.Vault.MAC, items, found, conn.Name)
	f := &call.Facts
	f.CustomerData, f.CustomerSources = a.CustomerData, a.CustomerSources
	f.Sensitive, f.Personal = a.Sensitive, a.Personal
	f.Flows = nil
	for _, m := range a.Matches {
		f.Flows = append(f.Flows, aos.FlowFact{Source: m.Source, Categories: m.Categories, Count: m.Count})
	}
	if len(a.Personal) > 0 {
		f.Flows = append(f.Flows, aos.FlowFact{Source: unattributed, Categories: a.Personal})
	}
	return nil
}

// learn remembers, as fingerprints, the customer data in a response from a
// connection that holds customer data.
func (g *Gateway) learn(ctx context.Context, tx aos.Tx, conn *aos.Connection, resp *connector.Response) error {
	if !conn.HoldsCustomerData || resp == nil || resp.Status >= 300 || len(resp.Body) == 0 {
		return nil
	}
	fps := pii.Learn(g.Vault.MAC, pii.Extract(resp.Header.Get("Content-Type"), resp.Body))
	if len(fps) == 0 {
		return nil
	}
	now := g.Now().UTC()
	for i := range fps {
		fps[i].ConnectionID, fps[i].Connection = conn.ID, conn.Name
		fps[i].FirstSeen, fps[i].LastSeen = now, now
	}
	return tx.PutFingerprints(ctx, fps)
}

// recordFlows stores the customer data a call moved, once it is allowed to
// move it.
func (g *Gateway) recordFlows(ctx context.Context, tx aos.Tx, dest string, f aos.Facts, approvalID string) error {
	now := g.Now().UTC()
	for _, fl := range f.Flows {
		err := tx.AddFlow(ctx, &aos.Flow{ID: aos.NewID("fl_"), Source: fl.Source, Destination: dest,
			Categories: fl.Categories, Count: fl.Count, At: now, ApprovalID: approvalID})
		if err != nil {
			return err
		}
	}
	return nil
}
