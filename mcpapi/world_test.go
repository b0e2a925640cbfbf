package mcpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

const (
	crmKey    = "crm-owner-key-1234567890"
	ledgerKey = "ledger-owner-key-1234567890"
	contact   = `{"id":7,"name":"Ada Lovelace"}`
	paid      = `{"payout":"po_1","paid":true}`
)

// ledgerOps declares a ledger API: a read, and a payout that moves money.
const ledgerOps = `operations:
  - name: balance.get
    method: GET
    path: /v1/balance
    access: read
  - name: payouts.create
    method: POST
    path: /v1/payouts
    access: write
    points: [money]
    facts:
      amount: /amount
      currency: /currency
`

// upstream is a plain HTTP API that records what reaches it.
type upstream struct {
	mu   sync.Mutex
	seen []string // "METHOD URI AUTHORIZATION"
	srv  *httptest.Server
}

func newUpstream(t testing.TB, answer func(r *http.Request) (int, string)) *upstream {
	u := &upstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		u.mu.Lock()
		u.seen = append(u.seen, r.Method+" "+r.RequestURI+" "+r.Header.Get("Authorization"))
		u.mu.Unlock()
		status, body := answer(r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) requests() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.seen...)
}

// world is an instance where agent alice may read a CRM's /contacts and
// use a ledger API (read and write; a large payout is held at the money
// point), and agent bob alone may read a vault API.
type world struct {
	in                  *gatewaytest.Instance
	crm, ledger, secret *upstream
	alice, bob          string // agent tokens
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{in: gatewaytest.Start(t, rest.New())}
	w.crm = newUpstream(t, func(r *http.Request) (int, string) {
		if r.Method == http.MethodGet && r.URL.Path == "/contacts/7" {
			return 200, contact
		}
		return 404, `{"error":"no such contact"}`
	})
	w.ledger = newUpstream(t, func(r *http.Request) (int, string) {
		if r.URL.Path == "/v1/payouts" {
			return 200, paid
		}
		return 200, `{"balance":120000,"currency":"usd"}`
	})
	w.secret = newUpstream(t, func(*http.Request) (int, string) { return 200, `{"secret":"plans"}` })
	w.alice = w.in.Agent(t, "alice", "sales")
	w.bob = w.in.Agent(t, "bob", "finance")
	w.in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", Scope: "/contacts", To: "alice", BaseURL: w.crm.srv.URL,
		Credential: vault.NewSecret([]byte(crmKey))})
	w.in.Connect(t, owner.ConnectRequest{Type: "http", Name: "ledger", Scope: "/v1", Write: true, To: "alice", BaseURL: w.ledger.srv.URL,
		Config: []byte(ledgerOps), Credential: vault.NewSecret([]byte(ledgerKey))})
	w.in.Connect(t, owner.ConnectRequest{Type: "http", Name: "vault-api", Scope: "/", To: "bob", BaseURL: w.secret.srv.URL,
		Credential: vault.NewSecret([]byte("vault-key-1234567890"))})
	return w
}

func (w *world) mcpURL() string { return w.in.URL + "/mcp" }

// aliceTools are exactly the tools alice's grants allow, with whether
// each is read-only.
var aliceTools = map[string]bool{
	"crm.GET": true, "crm.HEAD": true, "crm.OPTIONS": true,
	"ledger.balance.get": true, "ledger.payouts.create": false,
	"aos_wait_approval": true, "aos_whoami": true,
}
