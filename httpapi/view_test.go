package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
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

func ownerGet(t *testing.T, in *gatewaytest.Instance, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, in.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+in.OwnerToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

// TestApprovalView_NoSecret holds a call that carries, every way an agent
// could put them there, the agent's own token and the connection's
// credential (as if the agent had learnt it), in headers, the query and
// the body, and checks that the owner API's view of it (listing and
// single approval) shows what would be sent, with none of them.
func TestApprovalView_NoSecret(t *testing.T) {
	up := &upstreamRecorder{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	in := gatewaytest.Start(t, rest.New())
	const credential = "sk_live_upstream-Cr3dential-51"
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "pay", BaseURL: srv.URL, Scope: "/", To: "company", Write: true,
		Credential: vault.NewSecret([]byte(credential)), Auth: "query:api_key",
		Config: []byte(`operations:
  - {name: refunds.create, method: POST, path: /v1/refunds, access: write, points: [money], facts: {amount: /amount, currency: /currency}}
`)})
	token := in.Agent(t, "finn", "finance")

	body := `{"amount": 150000, "currency": "usd", "charge": "ch_1", "note": "agent token ` + token +
		` and key ` + credential + `", "password": "hunter2-hunter2", "nested": {"client_secret": "pi_secret_abc"}}`
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/v1/proxy/pay/v1/refunds?api_key="+credential+"&access_token=tok-from-agent&ref="+token, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", "session=cookie-from-agent")
	req.Header.Set("AOS-Purpose", "refund the double charge")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d %s, want 202 (held at money)", resp.StatusCode, raw)
	}
	var held struct {
		ApprovalID string `json:"approval_id"`
	}
	json.Unmarshal(raw, &held)

	list := ownerGet(t, in, "/v1/owner/approvals")
	one := ownerGet(t, in, "/v1/owner/approvals/"+held.ApprovalID)
	for name, b := range map[string][]byte{"listing": list, "approval": one} {
		for _, secret := range []string{token, credential, "hunter2", "pi_secret_abc", "tok-from-agent", "cookie-from-agent", "Bearer"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("the %s shows %q:\n%s", name, secret, b)
			}
		}
	}
	var a aos.Approval
	if err := json.Unmarshal(one, &a); err != nil || a.View == nil {
		t.Fatalf("no view in %s (%v)", one, err)
	}
	sum := sha256.Sum256([]byte(a.View.Text))
	if a.View.Digest != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("view digest %s is not the text's", a.View.Digest)
	}
	for _, want := range []string{"requested by: agent:finn (department finance)", "amount:       $1,500.00 USD",
		"POST " + srv.URL + "/v1/refunds", `"charge": "ch_1"`, `"password": "[redacted]"`, "access_token = [redacted]",
		"refund the double charge"} {
		if !strings.Contains(a.View.Text, want) {
			t.Errorf("the view lacks %q:\n%s", want, a.View.Text)
		}
	}
	var as []aos.Approval
	if err := json.Unmarshal(list, &as); err != nil || len(as) != 1 || as[0].View == nil || *as[0].View != *a.View {
		t.Errorf("the listing's view differs from the approval's: %s", list)
	}
	if n := len(up.requests()); n != 0 {
		t.Fatalf("the upstream received %d requests", n)
	}
}
