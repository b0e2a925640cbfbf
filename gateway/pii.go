package gateway

import (
	"context"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/pii"
)

// unattributed is the source of personal data never seen from a system of
// record, in the flow map.
const unattributed = "unattributed"

// scan fills a call's customer-data facts from everything its upstream
// request carries (see outboundItems: the body, the URL's query and path,
// every header field but the envelope): customer data learnt from other
// connections (by fingerprint), and what the detectors find. Reads are
// scanned too: a query string carries data out as surely as a body.
//
// The scan of a call decided on the state cache may take the absence of
// its values from the fingerprints the store holds from the gateway's set
// of known absences (absentFingerprints); t.fp then says so.
func (g *Gateway) scan(ctx context.Context, t *target, call *connector.Call) error {
	conn := t.conn
	if call.Upstream == nil {
		return nil
	}
	var envelope []string
	if e, ok := g.Connectors[conn.Type].(connector.Envelope); ok {
		envelope = e.EnvelopeHeaders()
	}
	o := g.outboundOf(call.Upstream, envelope)
	if o.unscanned {
		call.Facts.Unscanned = true
	}
	items, cands := o.items, o.cands
	if len(items) == 0 {
		return nil
	}
	var found []aos.Fingerprint
	if len(cands) > 0 {
		var mark fpMark
		var err error
		if found, mark, err = g.findFingerprints(ctx, cands, t.cached); err != nil {
			return err
		}
		if mark.cached && (!t.fp.cached || mark.others < t.fp.others) {
			t.fp = mark // the oldest generation a scan of the call relied on
		}
	}
	a := pii.Assess(g.Vault.MAC, items, found, conn.Name)
	f := &call.Facts
	f.CustomerData, f.CustomerSources = a.CustomerData, a.CustomerSources
	f.Sensitive, f.Personal = a.Sensitive, a.Personal
	f.Flows = nil
	for _, m := range a.Matches {
		f.Flows = append(f.Flows, aos.FlowFact{Source: m.Source, Categories: m.Categories, Count: m.Count,
			SourceResources: m.Resources, Subjects: m.MACs})
	}
	if len(a.Personal) > 0 {
		f.Flows = append(f.Flows, aos.FlowFact{Source: unattributed, Categories: a.Personal})
	}
	return nil
}

// learn remembers, as fingerprints, the customer data in a response from a
// connection that holds customer data, to a call on resource.
func (g *Gateway) learn(ctx context.Context, tx aos.Tx, conn *aos.Connection, resource string, resp *connector.Response) error {
	if !conn.HoldsCustomerData || resp == nil || resp.Status >= 300 || len(resp.Body) == 0 {
		return nil
	}
	fps := pii.Learn(g.Vault.MAC, pii.Extract(resp.Header.Get("Content-Type"), resp.Body))
	if len(fps) == 0 {
		return nil
	}
	resource, err := g.learntResource(ctx, tx, resource, fps)
	if err != nil {
		return err
	}
	now := g.Now().UTC()
	for i := range fps {
		fps[i].ConnectionID, fps[i].Connection, fps[i].Resource = conn.ID, conn.Name, resource
		fps[i].FirstSeen, fps[i].LastSeen = now, now
	}
	return tx.PutFingerprints(ctx, fps)
}

// recordFlows stores the customer data a call moved to resource on dest,
// with the fingerprints of what it carried, once it is allowed to move it.
func (g *Gateway) recordFlows(ctx context.Context, tx aos.Tx, dest, resource string, f aos.Facts, approvalID string) error {
	if len(f.Flows) == 0 {
		return nil
	}
	resource, err := g.flowResource(ctx, tx, resource)
	if err != nil {
		return err
	}
	now := g.Now().UTC()
	for _, fl := range f.Flows {
		err := tx.AddFlow(ctx, &aos.Flow{ID: aos.NewID("fl_"), Source: fl.Source,
			SourceResource: strings.Join(fl.SourceResources, ","), Destination: dest, Resource: resource,
			Categories: fl.Categories, Count: fl.Count, At: now, ApprovalID: approvalID, Subjects: fl.Subjects})
		if err != nil {
			return err
		}
	}
	return nil
}
