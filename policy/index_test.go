package policy_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/policy"
)

// TestGrantIndex_SameDecisions: deciding on the grants the index returns
// for the caller gives the decision that every grant on the connection
// gives, for callers by id, by department and neither, over grants of
// every grantee form and state.
func TestGrantIndex_SameDecisions(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	conn := &aos.Connection{ID: 1, Name: "crm", Type: "http"}
	scopes := []string{"/v1", "/v1/contacts", "/v1/contacts/42", "/v1/deals", "*"}
	depts := []string{"", "growth", "ops"}
	var grants []*aos.Grant
	for i := range 400 {
		g := &aos.Grant{ID: fmt.Sprintf("g%d", i), ConnectionID: 1 + int64(rng.IntN(10)/9), Scope: scopes[rng.IntN(len(scopes))],
			Access: aos.Read, CreatedAt: now.Add(-time.Hour)}
		if rng.IntN(3) == 0 {
			g.Access = aos.Write
		}
		switch rng.IntN(4) {
		case 0: // the company
		case 1:
			g.Grantee, g.GranteeID = fmt.Sprintf("agent:a%d", i), 1+int64(rng.IntN(30))
		case 2:
			g.Grantee = "department:" + depts[1+rng.IntN(2)]
		case 3:
			g.Grantee = "agent:unbound" // an agent grant without an id never applies
		}
		switch rng.IntN(5) {
		case 0:
			at := now.Add(-time.Minute)
			g.RevokedAt = &at
		case 1:
			at := now.Add(-time.Second)
			g.ExpiresAt = &at
		}
		grants = append(grants, g)
	}
	x := policy.NewGrantIndex(grants)
	ops := []aos.Operation{{Name: "GET", Access: aos.Read}, {Name: "POST", Access: aos.Write}}
	resources := []string{"/v1/contacts/42", "/v1/deals/7", "/v2/other", "/v1"}
	for id := int64(1); id <= 32; id++ {
		for _, d := range depts {
			p := &aos.Principal{ID: id, Kind: aos.Agent, Name: fmt.Sprintf("a%d", id), Department: d}
			for _, op := range ops {
				for _, r := range resources {
					in := policy.Input{Principal: p, Connection: conn, Grants: grants, Operation: op, Resource: r,
						Covers: prefixCovers, Now: now, Caps: aos.DefaultCaps}
					all := policy.Decide(in)
					in.Grants = x.For(p)
					if got := policy.Decide(in); got.Verdict != all.Verdict || got.Code != all.Code || !slices.Equal(got.GrantIDs, all.GrantIDs) || got.Reason != all.Reason {
						t.Fatalf("agent %d (%q) %s %s: indexed %+v, all grants %+v", id, d, op.Name, r, got, all)
					}
				}
			}
		}
	}
	if g := x.ByID("g7"); g == nil || g.ID != "g7" {
		t.Fatalf("ByID(g7) = %v", g)
	}
	if x.ByID("nope") != nil {
		t.Fatal("ByID of an unknown id is not nil")
	}
}
