package secinfra_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/vault"
)

// TestReview_Scenario connects a REST API with an over-broad write grant
// (/v1, write), uses a narrow part of it for reads only (GET
// /v1/contacts), runs the review, applies its findings as an agent of
// security-infra, and sees the grant narrowed to read /v1/contacts, the
// unused part refused, and each step in the evidence, which verifies.
func TestReview_Scenario(t *testing.T) {
	in := start(t)
	ctx := context.Background()
	up := upstream(t)
	_, g, err := in.owner.Connect(ctx, in.boss, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: up.URL,
		Scope: "/v1", To: "company", Write: true, Credential: vault.NewSecret([]byte("upstream-key"))})
	if err != nil {
		t.Fatal(err)
	}
	worker := in.agent(t, "worker", "sales")
	sec := in.agent(t, "warden", secinfra.SecurityInfra)
	other := in.agent(t, "nosy", "sales")
	proxy := in.url + "/v1/proxy/crm"

	// The grant is older than the window when the agent starts using it.
	in.clock.Advance(100 * 24 * time.Hour)
	for i := 0; i < 3; i++ {
		if status, body := do(t, "GET", proxy+"/v1/contacts", worker, ""); status != 200 {
			t.Fatalf("GET /v1/contacts: %d %s", status, body)
		}
		in.clock.Advance(time.Hour)
	}

	// Who may read the review.
	if status, _ := do(t, "GET", in.url+"/v1/owner/review", other, ""); status != 403 {
		t.Fatalf("an agent outside security-infra read the review: %d", status)
	}
	rep := in.reviewAs(t, sec, "")
	writeF, scopeF := finding(rep, "write-unused/"+g.ID), finding(rep, "scope-wider/"+g.ID)
	if writeF == nil || scopeF == nil {
		t.Fatalf("findings %v", findingIDs(rep))
	}
	if finding(rep, "grant-unused/"+g.ID) != nil || finding(rep, "connection-unused/crm") != nil {
		t.Fatalf("a used grant was flagged unused: %v", findingIDs(rep))
	}
	if writeF.Evidence.Count != 3 || len(writeF.Evidence.Entries) != 3 || writeF.Remedy.Access != aos.Read {
		t.Fatalf("write-unused %+v", writeF)
	}
	if !slices.Equal(scopeF.Remedy.Scopes, []string{"/v1/contacts"}) {
		t.Fatalf("scope-wider %+v", scopeF)
	}
	// The finding's evidence points at the entries that authorised the calls.
	es := in.entries(t)
	for _, i := range writeF.Evidence.Entries {
		if e := es[i]; e.Kind != "call.authorized" || e.Attrs["grant"] != g.ID {
			t.Fatalf("evidence entry %d is %s %v", i, e.Kind, e.Attrs)
		}
	}

	// security-infra may not keep access (dismiss), nor act on advice.
	if status, _ := do(t, "POST", in.url+"/v1/owner/review/dismiss", sec,
		`{"finding":"write-unused/`+g.ID+`","reason":"keep"}`); status != 403 {
		t.Fatalf("security-infra dismissed a finding: %d", status)
	}
	if status, body := do(t, "POST", in.url+"/v1/owner/review/apply", sec, `{"findings":["rotation-overdue/crm"]}`); status != 400 {
		t.Fatalf("applied advice: %d %s", status, body)
	}
	if status, _ := do(t, "POST", in.url+"/v1/owner/review/apply", sec, `{"findings":["grant-unused/g_nope"]}`); status != 404 {
		t.Fatalf("applied an unknown finding: %d", status)
	}
	if status, _ := do(t, "POST", in.url+"/v1/owner/review/apply", other, `{"findings":["write-unused/`+g.ID+`"]}`); status != 403 {
		t.Fatalf("an agent outside security-infra applied a remedy: %d", status)
	}

	status, body := do(t, "POST", in.url+"/v1/owner/review/apply", sec,
		`{"findings":["write-unused/`+g.ID+`","scope-wider/`+g.ID+`"]}`)
	if status != 200 {
		t.Fatalf("apply: %d %s", status, body)
	}
	var applied secinfra.Applied
	json.Unmarshal([]byte(body), &applied)
	if !slices.Equal(applied.Revoked, []string{g.ID}) || len(applied.Created) != 1 {
		t.Fatalf("applied %s", body)
	}
	ng := applied.Created[0]
	if ng.Scope != "/v1/contacts" || ng.Access != aos.Read || ng.Grantee != g.Grantee {
		t.Fatalf("narrowed grant %+v", ng)
	}

	// The used part still works, the unused part is refused.
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/v1/contacts", 200},
		{"GET", "/v1/contacts/42", 200},
		{"POST", "/v1/contacts", 403},
		{"GET", "/v1/notes", 403},
		{"DELETE", "/v1/notes/1", 403},
	} {
		if status, body := do(t, c.method, proxy+c.path, worker, `{}`); status != c.want {
			t.Errorf("%s %s after narrowing: %d %s, want %d", c.method, c.path, status, body, c.want)
		}
	}

	// The trail: the apply, the revocation and the narrower grant, each
	// naming the findings and the agent who applied them.
	var kinds []string
	for _, e := range in.entries(t) {
		switch e.Kind {
		case "review.apply", "grant.revoke":
			kinds = append(kinds, e.Kind)
			if e.Actor != "agent:warden" {
				t.Errorf("%s by %s", e.Kind, e.Actor)
			}
			if e.Kind == "grant.revoke" && (e.Subject != g.ID || !strings.Contains(e.Attrs["finding"], "write-unused/"+g.ID)) {
				t.Errorf("revoke entry %+v", e.Record)
			}
		case "grant.create":
			if e.Subject != ng.ID {
				continue
			}
			kinds = append(kinds, e.Kind)
			if e.Attrs["replaces"] != g.ID || e.Attrs["access"] != "read" || e.Attrs["scope"] != "/v1/contacts" ||
				!strings.Contains(e.Attrs["finding"], "scope-wider/"+g.ID) {
				t.Errorf("narrowed grant entry %+v", e.Record)
			}
		}
	}
	if !slices.Equal(kinds, []string{"review.apply", "grant.revoke", "grant.create"}) {
		t.Fatalf("trail %v", kinds)
	}
	in.verify(t)

	// The narrowed grant is new: nothing is flagged about it, and
	// applying the old findings again finds nothing to apply.
	rep = in.reviewAs(t, in.token, "")
	for _, f := range rep.Findings {
		if f.Grant == g.ID || f.Grant == ng.ID {
			t.Fatalf("finding after narrowing: %+v", f)
		}
	}
	if status, _ := do(t, "POST", in.url+"/v1/owner/review/apply", sec, `{"findings":["write-unused/`+g.ID+`"]}`); status != 404 {
		t.Fatalf("applied twice: %d", status)
	}
}

// TestReview_Dismiss keeps a finding by the owner's decision: it is not
// shown again until its evidence changes, and the decision is evidence.
func TestReview_Dismiss(t *testing.T) {
	in := start(t)
	ctx := context.Background()
	up := upstream(t)
	_, g, err := in.owner.Connect(ctx, in.boss, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: up.URL,
		Scope: "/v1", To: "company", Write: true, Credential: vault.NewSecret([]byte("upstream-key"))})
	if err != nil {
		t.Fatal(err)
	}
	worker := in.agent(t, "worker", "sales")
	in.clock.Advance(100 * 24 * time.Hour)
	do(t, "GET", in.url+"/v1/proxy/crm/v1/contacts", worker, "")
	id := "scope-wider/" + g.ID

	if status, body := do(t, "POST", in.url+"/v1/owner/review/dismiss", in.token, `{"finding":"`+id+`"}`); status != 400 {
		t.Fatalf("dismiss without a reason: %d %s", status, body)
	}
	if status, body := do(t, "POST", in.url+"/v1/owner/review/dismiss", in.token,
		`{"finding":"`+id+`","reason":"the agent will need /v1/deals next week"}`); status != 200 {
		t.Fatalf("dismiss: %d %s", status, body)
	}
	rep := in.reviewAs(t, in.token, "")
	if finding(rep, id) != nil || len(rep.Dismissed) != 1 || rep.Dismissed[0].ID != id || rep.Dismissed[0].By != "owner" {
		t.Fatalf("after dismissal: %v, dismissed %+v", findingIDs(rep), rep.Dismissed)
	}
	if finding(in.reviewAs(t, in.token, "?all=1"), id) == nil {
		t.Fatal("?all=1 hides the dismissed finding")
	}
	// A month later with the same use, it stays dismissed.
	in.clock.Advance(30 * 24 * time.Hour)
	do(t, "GET", in.url+"/v1/proxy/crm/v1/contacts", worker, "")
	if finding(in.reviewAs(t, in.token, ""), id) != nil {
		t.Fatal("a dismissed finding came back with the same evidence")
	}
	// New use changes the evidence: it is shown again.
	do(t, "GET", in.url+"/v1/proxy/crm/v1/deals", worker, "")
	f := finding(in.reviewAs(t, in.token, ""), id)
	if f == nil || !slices.Equal(f.Remedy.Scopes, []string{"/v1/contacts", "/v1/deals"}) {
		t.Fatalf("after new evidence: %+v", f)
	}
	var seen bool
	for _, e := range in.entries(t) {
		if e.Kind == "review.dismiss" && e.Subject == id && e.Actor == "owner" {
			seen = true
			if strings.Contains(e.Attrs["digest"], " ") || len(e.Payload) == 0 {
				t.Fatalf("dismiss entry %+v", e)
			}
		}
	}
	if !seen {
		t.Fatal("no review.dismiss entry")
	}
	in.verify(t)
}

// TestReview_UnusedRevoked flags a grant unused for the whole window (and
// not when the window reaches back before the grant), and revokes it.
func TestReview_UnusedRevoked(t *testing.T) {
	in := start(t)
	ctx := context.Background()
	up := upstream(t)
	_, g, err := in.owner.Connect(ctx, in.boss, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: up.URL,
		Scope: "/v1/contacts", To: "company", Credential: vault.NewSecret([]byte("upstream-key"))})
	if err != nil {
		t.Fatal(err)
	}
	worker := in.agent(t, "worker", "sales")
	in.clock.Advance(91 * 24 * time.Hour)
	rep := in.reviewAs(t, in.token, "")
	if finding(rep, "grant-unused/"+g.ID) == nil || finding(rep, "connection-unused/crm") == nil {
		t.Fatalf("findings %v", findingIDs(rep))
	}
	// A 200-day window reaches back before the grant: it is too young.
	if f := finding(in.reviewAs(t, in.token, "?window=200d"), "grant-unused/"+g.ID); f != nil {
		t.Fatalf("a grant younger than the window was flagged: %+v", f)
	}
	if status, body := do(t, "POST", in.url+"/v1/owner/review/apply", in.token, `{"findings":["grant-unused/`+g.ID+`"]}`); status != 200 {
		t.Fatalf("apply: %d %s", status, body)
	}
	if status, _ := do(t, "GET", in.url+"/v1/proxy/crm/v1/contacts", worker, ""); status != 403 {
		t.Fatalf("a revoked grant still works: %d", status)
	}
	in.verify(t)
}
