package hubspot_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/hubspot"
	"github.com/aos-dev/aos/connector/hubspot/hubspottest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/internal/testenv"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

const ownerToken = "pat-na1-0a1b2c3d-4e5f-6789-abcd-ef0123456789"

// world is an aos instance with a hubspot connection "crm" to a fake:
// every agent may read contacts; "sales" may write them.
type world struct {
	in            *gatewaytest.Instance
	hub           *hubspottest.Server
	sales, reader string // agent tokens
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{hub: hubspottest.New(t, ownerToken), in: gatewaytest.Start(t, hubspot.New())}
	w.hub.Add("contacts", map[string]string{"email": "ada@customer.example", "firstname": "Ada"})
	w.hub.Add("contacts", map[string]string{"email": "alan@customer.example", "firstname": "Alan"})
	w.hub.Add("companies", map[string]string{"name": "Analytical Engines"})
	w.sales = w.in.Agent(t, "sales", "growth")
	w.reader = w.in.Agent(t, "reader", "research")
	w.in.Connect(t, owner.ConnectRequest{Type: "hubspot", Name: "crm", Scope: "object:contacts", To: "company", BaseURL: w.hub.URL,
		Credential: vault.NewSecret([]byte(ownerToken))})
	w.in.Grant(t, owner.GrantRequest{Connection: "crm", Scope: "object:contact", Write: true, To: "sales"})
	return w
}

// call sends a proxied request as an agent and returns the status and body.
func (w *world) call(t *testing.T, token, method, path, body string) (int, []byte) {
	t.Helper()
	var header http.Header
	if body != "" {
		header = http.Header{"Content-Type": {"application/json"}}
	}
	return w.in.Do(t, token, method, "/v1/proxy/crm"+path, header, body)
}

func errorCode(b []byte) string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.Unmarshal(b, &e)
	return e.Error.Code
}

// checkUpstream fails unless every request HubSpot saw carried the owner's
// token and nothing of the agents'.
func (w *world) checkUpstream(t *testing.T) {
	t.Helper()
	for _, r := range w.hub.Requests() {
		all := r.Authorization + r.Path + r.RawQuery + string(r.Body)
		if r.Authorization != "Bearer "+ownerToken || strings.Contains(all, w.sales) || strings.Contains(all, w.reader) {
			t.Fatalf("HubSpot received %s %s with Authorization %q", r.Method, r.Path, r.Authorization)
		}
	}
}

func TestGateway_HubSpot(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct {
		name, token, method, path, body string
		status                          int
		code                            string
		reaches                         bool
	}{
		{"read contacts", w.reader, "GET", "/crm/v3/objects/contacts?limit=10", "", 200, "", true},
		{"search is a read", w.reader, "POST", "/crm/v3/objects/0-1/search", `{"filterGroups":[]}`, 200, "", true},
		{"write with a write grant", w.sales, "POST", "/crm/v3/objects/contacts", `{"properties":{"email":"x@customer.example"}}`, 201, "", true},
		{"write with a read grant", w.reader, "POST", "/crm/v3/objects/contacts", `{"properties":{}}`, 403, aos.EReadOnly, false},
		{"another object type", w.sales, "GET", "/crm/v3/objects/companies", "", 403, aos.EOutOfScope, false},
		{"an association with another type", w.sales, "PUT", "/crm/v4/objects/contacts/1/associations/default/companies/2", "", 403, aos.EOutOfScope, false},
		{"inline associations need *", w.sales, "POST", "/crm/v3/objects/contacts", `{"properties":{},"associations":[{"to":{"id":"1"},"types":[]}]}`, 403, aos.EOutOfScope, false},
		{"an undeclared operation", w.sales, "GET", "/crm/v3/lists/12", "", 403, aos.EUnknownOperation, false},
		{"owners are account-wide", w.sales, "GET", "/crm/v3/owners/", "", 403, aos.EOutOfScope, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(w.hub.Requests())
			status, body := w.call(t, c.token, c.method, c.path, c.body)
			if status != c.status || errorCode(body) != c.code {
				t.Fatalf("%d %s, want %d %s", status, body, c.status, c.code)
			}
			if reached := len(w.hub.Requests()) > before; reached != c.reaches {
				t.Fatalf("HubSpot reached: %v, want %v", reached, c.reaches)
			}
		})
	}

	t.Run("an export is held at customer-data, runs once approved, and its status is a read of its types", func(t *testing.T) {
		status, body := w.call(t, w.sales, "POST", "/crm/v3/exports/export/async",
			`{"exportType":"VIEW","format":"CSV","exportName":"x","objectType":"CONTACT","objectProperties":["email"],"language":"EN"}`)
		var held struct {
			ID    string            `json:"approval_id"`
			Point aos.ApprovalPoint `json:"approval_point"`
		}
		json.Unmarshal(body, &held)
		if status != 202 || held.Point != aos.PointCustomerData || len(w.hub.Exports()) != 0 {
			t.Fatalf("%d %s; exports %d", status, body, len(w.hub.Exports()))
		}
		a, err := w.in.Gateway.Approve(context.Background(), w.in.Boss, held.ID, "one export for the board pack")
		if err != nil || a.Status != aos.ApprovalExecuted || a.ResultStatus != 202 {
			t.Fatalf("%v %+v", err, a)
		}
		exports := w.hub.Exports()
		if len(exports) != 1 {
			t.Fatalf("HubSpot saw %d exports", len(exports))
		}
		for task := range exports {
			for _, token := range []string{w.sales, w.reader} {
				if status, body := w.call(t, token, "GET", "/crm/v3/exports/export/async/tasks/"+task+"/status", ""); status != 200 {
					t.Fatalf("status: %d %s", status, body)
				}
			}
		}
		if status, body := w.call(t, w.sales, "GET", "/crm/v3/exports/export/async/tasks/999/status", ""); status != 403 || errorCode(body) != aos.EOutOfScope {
			t.Fatalf("an unknown task: %d %s", status, body)
		}
	})
	t.Run("POST /v1/call names a declared operation", func(t *testing.T) {
		for _, c := range []struct {
			token, body string
			status      int
			code        string
		}{
			{w.reader, `{"connection":"crm","operation":"objects.list","args":{"path":"/crm/v3/objects/contacts","query":"limit=1"}}`, 200, ""},
			{w.reader, `{"connection":"crm","operation":"objects.create","args":{"path":"/crm/v3/objects/contacts","body":{"properties":{}}}}`, 403, aos.EReadOnly},
			{w.sales, `{"connection":"crm","operation":"objects.list","args":{"path":"/crm/v3/objects/deals"}}`, 403, aos.EOutOfScope},
			{w.sales, `{"connection":"crm","operation":"lists.get","args":{"path":"/crm/v3/lists/1"}}`, 403, aos.EUnknownOperation},
		} {
			req, _ := http.NewRequest("POST", w.in.URL+"/v1/call", strings.NewReader(c.body))
			req.Header.Set("Authorization", "Bearer "+c.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || errorCode(b) != c.code {
				t.Errorf("%s: %d %s", c.body, resp.StatusCode, b)
			}
		}
	})
	w.checkUpstream(t)
	w.in.Verify(t)
}

// TestNodeSDK runs the unmodified HubSpot Node SDK
// (internal/testtools/node/hubspot-sdk.mjs) against the gateway, then
// checks what the fake received: only the allowed calls, each with the
// owner's token and never an agent's.
func TestNodeSDK(t *testing.T) {
	dir, node := testenv.NodeDir(t)
	w := newWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "hubspot-sdk.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AOS_URL="+w.in.URL, "AOS_TOKEN="+w.sales, "AOS_TOKEN_RO="+w.reader, "CONN=crm")
	out, err := cmd.CombinedOutput()
	checks := 0
	var approval string
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		var c struct {
			Check  string          `json:"check"`
			OK     bool            `json:"ok"`
			Error  string          `json:"error"`
			Detail json.RawMessage `json:"detail"`
		}
		if json.Unmarshal([]byte(line), &c) != nil || c.Check == "" {
			t.Logf("node: %s", line)
			continue
		}
		checks++
		if !c.OK {
			t.Errorf("%s: %s", c.Check, c.Error)
		}
		if c.Check == "an export is held at customer-data" {
			json.Unmarshal(c.Detail, &approval)
		}
	}
	if err != nil || checks != 9 {
		t.Fatalf("node exited with %v after %d checks (want 9)", err, checks)
	}
	// Allowed: 2 pages, search, a page and a batch read, create, update, get.
	var got []string
	for _, r := range w.hub.Requests() {
		if !strings.HasPrefix(r.Path, "/oauth/") { // the owner's connect may inspect the token
			got = append(got, r.Method+" "+r.Path)
		}
	}
	if len(got) != 8 || len(w.hub.Exports()) != 0 {
		t.Fatalf("HubSpot received %d requests, want 8: %v", len(got), got)
	}
	a, err := w.in.Gateway.Approvals.Get(context.Background(), approval)
	if err != nil || a.Status != aos.ApprovalPending || a.Resource != "object:contacts" {
		t.Fatalf("approval %q: %v %+v", approval, err, a)
	}
	w.checkUpstream(t)
	w.in.Verify(t)
}
