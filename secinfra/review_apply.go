package secinfra

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/owner"
)

// Applied is what applying findings did.
type Applied struct {
	Findings []string `json:"findings"`
	// Revoked are the grants ended; Created the narrower grants that
	// replaced some of them.
	Revoked []string     `json:"revoked"`
	Created []*aos.Grant `json:"created"`
	Entries []int64      `json:"entries"`
}

// grantPlan is what happens to one grant: revoked outright, or replaced by
// grants of access on scopes (both within the old grant).
type grantPlan struct {
	findings []string
	revoke   bool
	access   aos.Access
	scopes   []string
	// scope and access are what the review saw; a grant that changed
	// since is not touched.
	seenScope  string
	seenAccess aos.Access
}

// Apply carries out the remedies of the findings ids, as a review with
// options o finds them now (o.All is implied: a dismissed finding can
// still be applied), in
// one transaction: it revokes grants, and narrows a grant by revoking it and
// creating the narrower grant(s) with the same grantee, expiry and mission.
// It never grants or widens anything: a replacement whose access or scope
// the old grant did not cover is refused. Each change is evidence naming
// the findings. The owner and agents of the security-infra department.
// Errors: EForbidden, EBadRequest (no ids, or a finding with nothing aos
// can apply), ENotFound (no such finding now), EConflict (a grant changed
// since the review).
func (r *Reviewer) Apply(ctx context.Context, actor *aos.Principal, ids []string, o ReviewOptions) (*Applied, error) {
	if !mayRemedy(actor) {
		return nil, aos.Errorf(aos.EForbidden, "only the owner and agents of department %s may apply review remedies", SecurityInfra)
	}
	if len(ids) == 0 {
		return nil, aos.Errorf(aos.EBadRequest, "name the findings to apply")
	}
	o.All = true
	rep, err := r.run(ctx, o)
	if err != nil {
		return nil, err
	}
	byID := map[string]*Finding{}
	for i := range rep.Findings {
		byID[rep.Findings[i].ID] = &rep.Findings[i]
	}
	plans := map[string]*grantPlan{}
	plan := func(id string, f *Finding) *grantPlan {
		p := plans[id]
		if p == nil {
			p = &grantPlan{seenScope: f.Evidence.Scope, seenAccess: f.Evidence.Access}
			plans[id] = p
		}
		if !containsString(p.findings, f.ID) {
			p.findings = append(p.findings, f.ID)
		}
		return p
	}
	var applied []string
	for _, id := range ids {
		f := byID[id]
		switch {
		case f == nil:
			return nil, aos.Errorf(aos.ENotFound, "no finding %q in the review now; run `aos review` (with the same --window) for the current ones", clipID(id))
		case !f.Remedy.Applicable:
			return nil, aos.Errorf(aos.EBadRequest, "finding %s is for a person to act on: %s", f.ID, f.Remedy.Text)
		}
		if containsString(applied, f.ID) {
			continue
		}
		applied = append(applied, f.ID)
		switch f.Remedy.Action {
		case RemedyRevoke:
			for _, g := range f.Remedy.Revoke {
				plan(g, f).revoke = true
			}
		case RemedyNarrow:
			p := plan(f.Grant, f)
			if f.Remedy.Access != "" {
				p.access = f.Remedy.Access
			}
			if len(f.Remedy.Scopes) > 0 {
				p.scopes = f.Remedy.Scopes
			}
		}
	}
	out := &Applied{Findings: applied}
	idx, err := r.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		out.Revoked, out.Created = nil, nil
		now := r.Now().UTC()
		recs := []aos.Record{{Kind: "review.apply", Actor: actor.Ref(), Subject: strings.Join(applied, " "),
			Attrs: map[string]string{"findings": strconv.Itoa(len(applied))}}}
		gids := make([]string, 0, len(plans))
		for id := range plans {
			gids = append(gids, id)
		}
		sort.Strings(gids)
		for _, id := range gids {
			p := plans[id]
			rs, err := r.carryOut(ctx, tx, actor, id, p, now, out)
			if err != nil {
				return nil, err
			}
			recs = append(recs, rs...)
		}
		return recs, nil
	})
	if err != nil {
		return nil, err
	}
	out.Entries = idx
	return out, nil
}

// carryOut revokes grant id and, unless the plan revokes it outright,
// creates its narrower replacements.
func (r *Reviewer) carryOut(ctx context.Context, tx aos.Tx, actor *aos.Principal, id string, p *grantPlan, now time.Time, out *Applied) ([]aos.Record, error) {
	g, err := tx.GrantByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !g.Active(now) {
		return nil, aos.Errorf(aos.EConflict, "grant %s was revoked or expired since the review; run `aos review` again", id)
	}
	if p.seenScope != "" && (g.Scope != p.seenScope || g.Access != p.seenAccess) {
		return nil, aos.Errorf(aos.EConflict, "grant %s changed since the review; run `aos review` again", id)
	}
	findings := strings.Join(p.findings, " ")
	var repl []*aos.Grant
	if !p.revoke {
		access, scopes := g.Access, []string{g.Scope}
		if p.access != "" {
			access = p.access
		}
		if len(p.scopes) > 0 {
			scopes = p.scopes
		}
		c, err := tx.ConnectionByName(ctx, g.Connection)
		if err != nil {
			return nil, err
		}
		k, err := r.Connectors.Lookup(c.Type)
		if err != nil {
			return nil, err
		}
		for _, sc := range scopes {
			canon, err := k.CheckScope(sc)
			if err != nil || canon != sc || !scopeWithin(k, g.Scope, sc) || !g.Access.Allows(access) || !access.Valid() {
				// The review only proposes narrower grants; anything else
				// is refused rather than granted.
				return nil, aos.Errorf(aos.EConflict, "grant %s: %s %s would not be narrower; nothing was changed", id, access, sc)
			}
			ng := &aos.Grant{ID: aos.NewID("g_"), ConnectionID: g.ConnectionID, Connection: g.Connection, Scope: sc,
				Access: access, Grantee: g.Grantee, GranteeID: g.GranteeID, Mission: g.Mission, CreatedAt: now}
			if g.ExpiresAt != nil {
				exp := *g.ExpiresAt
				ng.ExpiresAt = &exp
			}
			repl = append(repl, ng)
		}
	}
	rev, err := owner.RevokeGrant(ctx, tx, actor, g, now)
	if err != nil {
		return nil, err
	}
	rev.Attrs["access"], rev.Attrs["finding"] = string(g.Access), findings
	recs := []aos.Record{rev}
	out.Revoked = append(out.Revoked, g.ID)
	for _, ng := range repl {
		if err := tx.CreateGrant(ctx, ng); err != nil {
			return nil, err
		}
		rec := owner.GrantRecord(actor, ng)
		rec.Attrs["replaces"], rec.Attrs["finding"] = g.ID, findings
		recs = append(recs, rec)
		out.Created = append(out.Created, ng)
	}
	return recs, nil
}

// maxDismissReason bounds the reason of a dismissal.
const maxDismissReason = 1000

// Dismiss records the owner's decision to keep what finding id is about.
// The finding is not shown again while its evidence stays the same. Owner
// only: keeping access is the owner's call. Errors: EForbidden,
// EBadRequest (no reason), ENotFound.
func (r *Reviewer) Dismiss(ctx context.Context, actor *aos.Principal, id, reason string, o ReviewOptions) (*Dismissal, error) {
	if actor == nil || actor.Kind != aos.Owner {
		return nil, aos.Errorf(aos.EForbidden, "only the owner may dismiss a finding (a decision to keep access)")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, aos.Errorf(aos.EBadRequest, "a dismissal needs a reason (--reason)")
	}
	if len(reason) > maxDismissReason {
		return nil, aos.Errorf(aos.EBadRequest, "the reason is longer than %d bytes", maxDismissReason)
	}
	o.All = true
	rep, err := r.run(ctx, o)
	if err != nil {
		return nil, err
	}
	var f *Finding
	for i := range rep.Findings {
		if rep.Findings[i].ID == id {
			f = &rep.Findings[i]
		}
	}
	if f == nil {
		return nil, aos.Errorf(aos.ENotFound, "no finding %q in the review now; run `aos review` (with the same --window) for the current ones", clipID(id))
	}
	d := &Dismissal{ID: f.ID, Digest: f.Digest, Reason: reason, By: actor.Ref()}
	_, err = r.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		d.At = r.Now().UTC()
		b, _ := json.Marshal(d)
		if err := tx.PutSetting(ctx, dismissedPrefix+f.ID, string(b)); err != nil {
			return nil, err
		}
		pl, _ := json.Marshal(map[string]string{"reason": reason})
		return []aos.Record{{Kind: "review.dismiss", Actor: actor.Ref(), Subject: f.ID,
			Attrs: map[string]string{"kind": f.Kind, "digest": f.Digest}, Payload: pl}}, nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// clipID keeps what a caller sent short in an error.
func clipID(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
