package gateway

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/connector"
)

// hold stores the call as a pending approval, with its exact upstream
// request sealed, and records the hold in the same transaction. The
// upstream sees nothing. A request over MaxHeldRequest is refused
// (ETooLarge), and so is a hold past the agent's MaxPending
// (ETooManyPending); a retry of a call already waiting joins it, even then.
// The transaction reads indexes only, never other approvals' sealed
// requests: it is the single writer, and every call waits for it.
func (g *Gateway) hold(ctx context.Context, p *aos.Principal, t *target, call *connector.Call, d aos.Decision, m Meta) (*aos.Approval, error) {
	if size := HeldSize(call.Upstream); size > g.maxHeldRequest() {
		return nil, g.deniedOn(ctx, p, t, t.conn.Name, call, *g.tooLargeToHold(size), m)
	}
	request, err := json.Marshal(call.Upstream)
	if err != nil {
		return nil, err
	}
	digest := approval.Digest(request)
	var a *aos.Approval
	var refused *aos.Decision
	var joined bool
	_, err = g.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		a, refused, joined = nil, nil, false
		if err := g.current(tx, t); err != nil {
			return nil, err
		}
		cred, st, err := g.standing(ctx, tx, t.conn, d.GrantIDs)
		if err != nil {
			return nil, err
		}
		if st != nil {
			refused = st
			return []aos.Record{deniedRecord(p, t.conn.Name, call, d.GrantAttr(), *st, m)}, nil
		}
		same, err := tx.PendingApproval(ctx, aos.ApprovalCall, p.ID, digest)
		switch {
		case err == nil:
			// A retry of a call already waiting (SDKs retry a 202) joins
			// it rather than asking the owner twice.
			a, joined = same, true
			return []aos.Record{heldRecord(p, t.conn.Name, call, d, m, a, "joined", "true")}, nil
		case aos.ErrorCode(err) != aos.ENotFound:
			return nil, err
		}
		pending, err := tx.CountPendingApprovals(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		if pending >= g.maxPending() {
			refused = g.tooManyPending(p)
			return []aos.Record{deniedRecord(p, t.conn.Name, call, d.GrantAttr(), *refused, m)}, nil
		}
		a, err = g.Approvals.New(&aos.Approval{
			Kind: aos.ApprovalCall, Points: d.Points, Requester: p.Ref(), RequesterID: p.ID,
			Connection: t.conn.Name, ConnectionID: t.conn.ID, GrantID: d.GrantAttr(), CredentialVersion: cred.Version,
			Operation: call.Operation.Name, Access: call.Operation.Access, Resource: call.Resource,
			Summary: summary(call), Facts: call.Facts, Reasons: d.Reasons,
			Purpose: m.Purpose, Recommendation: m.Recommendation, Alternatives: m.Alternatives,
		}, request)
		if err != nil {
			return nil, err
		}
		if err := tx.CreateApproval(ctx, a); err != nil {
			return nil, err
		}
		return []aos.Record{heldRecord(p, t.conn.Name, call, d, m, a, "digest", a.Digest)}, nil
	})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return nil, aos.Errorf(refused.Code, "%s", refused.Reason)
	}
	if !joined {
		g.Approvals.Held(ctx, a)
	}
	return a, nil
}

// heldRecord is the evidence of a call held at approval a, with one more
// attribute (the digest of a new hold, or that a retry joined it).
func heldRecord(p *aos.Principal, conn string, call *connector.Call, d aos.Decision, m Meta, a *aos.Approval, key, value string) aos.Record {
	attrs := callAttrs(conn, call)
	attrs["grant"] = d.GrantAttr()
	attrs["decision"], attrs["approval"], attrs["points"] = "hold", a.ID, approval.PointNames(a.Points)
	attrs[key] = value
	pl, _ := json.Marshal(struct {
		callPayload
		Reasons []string  `json:"reasons"`
		Facts   aos.Facts `json:"facts"`
	}{callPayloadOf(call, "", m), d.Reasons, call.Facts})
	return aos.Record{Kind: "call.held", Actor: p.Ref(), Subject: conn, Attrs: attrs, Payload: pl}
}

// summary says in one line what a call does, for the owner.
func summary(call *connector.Call) string {
	s := call.Operation.Name
	if u := call.Upstream; u != nil && u.Method != call.Operation.Name {
		s += " (" + u.Method + " " + call.Resource + ")"
	} else {
		s += " " + call.Resource
	}
	f := call.Facts
	switch {
	case f.AmountUnknown:
		s += ", amount could not be read"
	case f.Amount > 0:
		s += ", amount " + aos.FormatMoney(f.Amount, f.Currency)
	}
	if f.Recipients > 0 {
		s += fmt.Sprintf(", %d recipients", f.Recipients)
	}
	return s
}
