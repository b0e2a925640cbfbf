package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// TestDecide_ShownDigest denies held calls through the owner API with a
// shown_digest: a digest that is not the approval's view is refused
// (conflict) and the call stays pending; a malformed one is bad_request;
// the view's digest is recorded in the decision's evidence entry.
func TestDecide_ShownDigest(t *testing.T) {
	up := &upstreamRecorder{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	in := gatewaytest.Start(t, rest.New())
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "ci", BaseURL: srv.URL, Scope: "/", To: "company", Write: true,
		Credential: vault.NewSecret([]byte("ci-credential-0123456789")),
		Config:     []byte("operations:\n  - {name: deploy, method: POST, path: /deploy, access: write, points: [production]}\n")})
	token := in.Agent(t, "ops", "")
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/v1/proxy/ci/deploy", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var held struct {
		ID string `json:"approval_id"`
	}
	json.NewDecoder(resp.Body).Decode(&held)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d, want held", resp.StatusCode)
	}
	var a aos.Approval
	json.Unmarshal(ownerGet(t, in, "/v1/owner/approvals/"+held.ID), &a)

	deny := func(digest string) (int, string) {
		body := `{"reason": "not today", "shown_digest": "` + digest + `"}`
		req, _ := http.NewRequest(http.MethodPost, in.URL+"/v1/owner/approvals/"+held.ID+"/deny", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+in.OwnerToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := deny("sha256:" + strings.Repeat("0", 64)); status != http.StatusConflict || !strings.Contains(body, "changed since it was shown") {
		t.Fatalf("another view: %d %s", status, body)
	}
	if status, body := deny("0123"); status != http.StatusBadRequest {
		t.Fatalf("a malformed digest: %d %s", status, body)
	}
	if status, body := deny(a.View.Digest); status != http.StatusOK {
		t.Fatalf("the view's digest: %d %s", status, body)
	}
	es, err := in.Log.Tail(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	last := es[len(es)-1]
	if last.Kind != "approval.deny" || last.Attrs["shown_digest"] != a.View.Digest {
		t.Fatalf("last entry %s %v, want approval.deny with shown_digest %s", last.Kind, last.Attrs, a.View.Digest)
	}
}
