package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/pii"
)

// heldSubjects returns the facts of approved call a with each flow's
// Subjects found again from its sealed request. Subjects are never kept
// with an approval's facts (those are written to the evidence), so the flow
// map learns whose data an approved call carries here, inside the
// transaction that records its flows. Only the sources the held facts name
// are filled in: what was learnt since the hold does not widen a flow the
// owner approved.
func (g *Gateway) heldSubjects(ctx context.Context, tx aos.Tx, conn *aos.Connection, a *aos.Approval) (aos.Facts, error) {
	f := a.Facts
	if len(f.Flows) == 0 {
		return f, nil
	}
	raw, err := approval.OpenRequest(g.Vault, a)
	if err != nil {
		return f, err
	}
	var out connector.Outbound
	if err := json.Unmarshal(raw, &out); err != nil {
		return f, fmt.Errorf("approval %s: held request: %w", a.ID, err)
	}
	var envelope []string
	if e, ok := g.Connectors[conn.Type].(connector.Envelope); ok {
		envelope = e.EnvelopeHeaders()
	}
	items, _ := outboundItems(&out, envelope)
	found, err := tx.FindFingerprints(ctx, pii.Candidates(g.Vault.MAC, items))
	if err != nil {
		return f, err
	}
	bySource := make(map[string][][]byte)
	for _, m := range pii.Assess(g.Vault.MAC, items, found, conn.Name).Matches {
		bySource[m.Source] = m.MACs
	}
	f.Flows = append([]aos.FlowFact(nil), f.Flows...)
	for i := range f.Flows {
		f.Flows[i].Subjects = bySource[f.Flows[i].Source]
	}
	return f, nil
}

// customerSegment stands, in a flow's resource, for a path segment that
// holds customer data.
const customerSegment = "{customer-data}"

// flowResource returns resource as the flow map keeps it: each
// '/'-separated segment that holds customer data learnt from a system of
// record (an email, a phone, a record id, a name), or a card number, IBAN
// or national id, is replaced by customerSegment. The map then never shows
// a value, even from an API that puts a customer in its path
// (/contacts/alice@example.com/notes), while the company's own names
// (from:sales@company.com) stay readable.
func (g *Gateway) flowResource(ctx context.Context, tx aos.Tx, resource string) (string, error) {
	return g.scrubResource(ctx, tx, resource, nil)
}

// learntResource is flowResource for the resource of an answer from which
// fps are being learnt: their values count as customer data too.
func (g *Gateway) learntResource(ctx context.Context, tx aos.Tx, resource string, fps []aos.Fingerprint) (string, error) {
	learnt := make(map[string]bool, len(fps))
	for _, fp := range fps {
		learnt[string(fp.MAC)] = true
	}
	return g.scrubResource(ctx, tx, resource, learnt)
}

// scrubResource replaces each segment of resource that holds a detector
// hit, stored customer data or one of the MACs in learnt.
func (g *Gateway) scrubResource(ctx context.Context, tx aos.Tx, resource string, learnt map[string]bool) (string, error) {
	segs := strings.Split(resource, "/")
	for i, seg := range segs {
		if seg == "" {
			continue
		}
		v := seg
		if u, err := url.PathUnescape(seg); err == nil {
			v = u
		}
		items := append(pii.Extract("text/plain", []byte(v)), pii.Item{Value: v})
		held := slices.ContainsFunc(items, func(it pii.Item) bool { return it.Detector != "" })
		cands := pii.Candidates(g.Vault.MAC, items)
		held = held || slices.ContainsFunc(cands, func(m []byte) bool { return learnt[string(m)] })
		if !held {
			found, err := tx.FindFingerprints(ctx, cands)
			if err != nil {
				return "", err
			}
			held = len(found) > 0
		}
		if held {
			segs[i] = customerSegment
		}
	}
	return strings.Join(segs, "/"), nil
}
