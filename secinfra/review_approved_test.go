package secinfra_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

const deployOps = `operations:
  - name: contacts.list
    method: GET
    path: /v1/contacts
    access: read
  - name: deploy
    method: POST
    path: /v1/deploy
    access: write
    points: [production]
`

// TestReview_ApprovedCall counts a call the owner approved as a use of its
// grant, with the access and resource of the held call, read from the
// approval (its authorisation entry carries neither): the hold itself is
// before the window, the approval inside it.
func TestReview_ApprovedCall(t *testing.T) {
	in := start(t)
	ctx := context.Background()
	up := upstream(t)
	_, g, err := in.owner.Connect(ctx, in.boss, owner.ConnectRequest{Type: "http", Name: "ops", BaseURL: up.URL,
		Scope: "/v1", To: "company", Write: true, Config: []byte(deployOps), Credential: vault.NewSecret([]byte("upstream-key"))})
	if err != nil {
		t.Fatal(err)
	}
	worker := in.agent(t, "worker", "platform")
	in.clock.Advance(100 * 24 * time.Hour)
	status, body := do(t, "POST", in.url+"/v1/proxy/ops/v1/deploy", worker, `{}`)
	if status != 202 {
		t.Fatalf("deploy: %d %s", status, body)
	}
	var held struct {
		ID string `json:"approval_id"`
	}
	json.Unmarshal([]byte(body), &held)
	in.clock.Advance(2 * time.Hour)
	if _, err := in.gateway.Approve(ctx, in.boss, held.ID, "ship it"); err != nil {
		t.Fatal(err)
	}
	in.clock.Advance(time.Hour)

	rep := in.reviewAs(t, in.token, "?window=2h")
	if f := finding(rep, "write-unused/"+g.ID); f != nil {
		t.Fatalf("an approved write was not counted: %+v", f)
	}
	f := finding(rep, "scope-wider/"+g.ID)
	if f == nil || !slices.Equal(f.Remedy.Scopes, []string{"/v1/deploy"}) || f.Evidence.Count != 1 {
		t.Fatalf("findings %v, scope-wider %+v", findingIDs(rep), f)
	}
	if e := in.entries(t)[f.Evidence.Entries[0]]; e.Kind != "call.authorized" || e.Attrs["decision"] != "approved" {
		t.Fatalf("the evidence is %s %v", e.Kind, e.Attrs)
	}
}
