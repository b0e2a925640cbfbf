package stripe_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/stripe"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// world is an aos instance with three Stripe connections in front of
// stripe-mock (through a recorder), and one agent:
//
//	pay    refunds, write
//	payro  refunds, read
//	acct   *, write
type world struct {
	in       *gatewaytest.Instance
	upstream *recorder
	token    string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{upstream: newRecorder(t), in: gatewaytest.Start(t, stripe.New())}
	w.token = w.in.Agent(t, "fin", "finance")
	for _, c := range []struct {
		name, scope string
		write       bool
	}{{"pay", "refunds", true}, {"payro", "refunds", false}, {"acct", "*", true}, {"payx", "refunds", false}} {
		w.in.Connect(t, owner.ConnectRequest{Type: stripe.Type, Name: c.name, Scope: c.scope, To: "company", Write: c.write,
			BaseURL: w.upstream.URL, Credential: vault.NewSecret([]byte(ownerKey))})
	}
	// payx's refunds grant and this charges grant together cover a refund
	// that expands its charge.
	w.in.Grant(t, owner.GrantRequest{Connection: "payx", Scope: "charges", To: "company"})
	// Connecting inspects the key (one GET /v1/balance each); the tests
	// count what agents' calls send.
	w.upstream.take()
	return w
}

// reply is an answer from the gateway.
type reply struct {
	Status int
	Body   map[string]any
}

func (r reply) code() string {
	e, _ := r.Body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// send sends a Stripe request for connection conn, by host (NAME.localhost)
// or through the path proxy (/v1/proxy/NAME/), as the agent.
func (w *world) send(t *testing.T, byHost bool, conn, method, target, form string, header http.Header) reply {
	t.Helper()
	url := w.in.URL + "/v1/proxy/" + conn + target
	if byHost {
		url = w.in.HostURL(conn) + target
	}
	var body io.Reader
	if form != "" {
		body = strings.NewReader(form)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	if method == http.MethodPost && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := localhostClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := reply{Status: resp.StatusCode}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &r.Body); err != nil {
		t.Fatalf("%s %s: status %d, body is not JSON: %.200s", method, target, resp.StatusCode, raw)
	}
	return r
}

// TestGateway_stripe drives real requests through the gateway to
// stripe-mock, by host and by path, and checks what the agent got and what
// Stripe received.
func TestGateway_stripe(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name, conn, method, target, form string
		header                           http.Header
		status                           int
		object                           string // the Stripe object of an allowed call
		code                             string // the error code of a denial
		point                            aos.ApprovalPoint
	}{
		{"list granted", "pay", "GET", "/v1/refunds?limit=3", "", nil, 200, "list", "", ""},
		{"retrieve granted", "payro", "GET", "/v1/refunds/re_123", "", nil, 200, "refund", "", ""},
		{"refund under cap", "pay", "POST", "/v1/refunds", "charge=ch_1&amount=500&currency=usd", nil, 200, "refund", "", ""},
		{"refund over cap", "pay", "POST", "/v1/refunds", "charge=ch_1&amount=250000&currency=usd", nil, 202, "", "", aos.PointMoney},
		// A refund without currency or amount is decided on what its
		// charge says: TestGateway_stripeRefundLookup.
		{"refund in a currency without rate", "pay", "POST", "/v1/refunds", "charge=ch_1&amount=500&currency=eur", nil, 202, "", "", aos.PointMoney},
		{"customers out of scope", "pay", "GET", "/v1/customers", "", nil, 403, "", aos.EOutOfScope, ""},
		{"expansion out of scope", "pay", "GET", "/v1/refunds/re_123?expand[]=charge", "", nil, 403, "", aos.EOutOfScope, ""},
		{"expansion covered by a second grant", "payx", "GET", "/v1/refunds/re_123?expand[]=charge", "", nil, 200, "refund", "", ""},
		{"connected account", "pay", "GET", "/v1/refunds", "", http.Header{"Stripe-Account": {"acct_1"}}, 403, "", aos.EOutOfScope, ""},
		{"read-only grant", "payro", "POST", "/v1/refunds", "charge=ch_1&amount=500&currency=usd", nil, 403, "", aos.EReadOnly, ""},
		{"unknown operation", "acct", "GET", "/v1/accounts", "", nil, 403, "", aos.EUnknownOperation, ""},
		{"climbing path", "acct", "GET", "/v1/refunds/%2e%2e/customers", "", nil, 403, "", aos.EOutOfScope, ""},
		{"JSON body", "acct", "POST", "/v1/customers", `{"name":"Ada"}`, http.Header{"Content-Type": {"application/json"}}, 400, "", aos.EBadRequest, ""},
		{"account-wide customers", "acct", "GET", "/v1/customers?limit=1", "", nil, 200, "list", "", ""},
		{"account-wide expansion", "acct", "GET", "/v1/refunds/re_123?expand[]=charge", "", nil, 200, "refund", "", ""},
		{"events", "acct", "GET", "/v1/events?limit=1", "", nil, 200, "list", "", ""},
		{"customer create", "acct", "POST", "/v1/customers", "name=Ada", nil, 200, "customer", "", ""},
		{"payment intent under cap", "acct", "POST", "/v1/payment_intents", "amount=1999&currency=usd", nil, 200, "payment_intent", "", ""},
		{"payment intent confirm", "acct", "POST", "/v1/payment_intents/pi_1/confirm", "", nil, 202, "", "", aos.PointMoney},
		{"payout over cap", "acct", "POST", "/v1/payouts", "amount=500000&currency=usd", nil, 202, "", "", aos.PointMoney},
		{"percent coupon", "acct", "POST", "/v1/coupons", "percent_off=25&duration=once", nil, 202, "", "", aos.PointMoney},
		{"invoice pay", "acct", "POST", "/v1/invoices/in_1/pay", "", nil, 202, "", "", aos.PointMoney},
		{"report run", "acct", "POST", "/v1/reporting/report_runs", "report_type=balance.summary.1", nil, 202, "", "", aos.PointCustomerData},
		{"price", "acct", "POST", "/v1/prices", "currency=usd&unit_amount=500&product=prod_1", nil, 202, "", "", aos.PointProduction},
		{"customer credit by balance", "acct", "POST", "/v1/customers/cus_123", "balance=-5000000", nil, 202, "", "", aos.PointMoney},
		{"customer update", "acct", "POST", "/v1/customers/cus_123", "name=Ada&metadata[balance]=1", nil, 200, "customer", "", ""},
		{"subscription item discount", "acct", "POST", "/v1/subscriptions", "customer=cus_1&items[0][price]=price_1&discounts[0][coupon]=FREE", nil, 202, "", "", aos.PointMoney},
		{"invoice void", "acct", "POST", "/v1/invoices/in_1/void", "", nil, 202, "", "", aos.PointMoney},
	}
	for _, route := range []struct {
		name   string
		byHost bool
	}{{"host", true}, {"path", false}} {
		for _, tt := range tests {
			t.Run(route.name+"/"+tt.name, func(t *testing.T) {
				w.upstream.take()
				r := w.send(t, route.byHost, tt.conn, tt.method, tt.target, tt.form, tt.header)
				if r.Status != tt.status {
					t.Fatalf("status %d, body %v; want %d", r.Status, r.Body, tt.status)
				}
				got := w.upstream.take()
				switch {
				case tt.object != "":
					if r.Body["object"] != tt.object {
						t.Fatalf("object %v; want %s", r.Body["object"], tt.object)
					}
					if len(got) != 1 || got[0].Authorization != "Bearer "+ownerKey || got[0].Method != tt.method {
						t.Fatalf("upstream received %+v; want one request with the owner's key", got)
					}
					if strings.Contains(got[0].URI+got[0].Body+strings.Join(got[0].Header.Values("Authorization"), ""), w.token) {
						t.Fatalf("upstream received the agent's token: %+v", got[0])
					}
					if tt.form != "" && got[0].Body != tt.form {
						t.Fatalf("upstream body %q; want %q", got[0].Body, tt.form)
					}
				case tt.code != "":
					if r.code() != tt.code {
						t.Fatalf("code %q, body %v; want %s", r.code(), r.Body, tt.code)
					}
				default:
					if r.Body["approval_point"] != string(tt.point) || r.Body["status"] != "pending" {
						t.Fatalf("held body %v; want pending at %s", r.Body, tt.point)
					}
				}
				if tt.object == "" && len(got) != 0 {
					t.Fatalf("upstream received %+v; want nothing", got)
				}
			})
		}
	}
	w.in.Verify(t)
}

// A held refund, once approved, reaches Stripe exactly as it was held.
func TestGateway_stripeApproval(t *testing.T) {
	w := newWorld(t)
	form := "charge=ch_1&amount=250000&currency=usd"
	r := w.send(t, true, "pay", "POST", "/v1/refunds", form, http.Header{"Idempotency-Key": {"refund-42"}})
	id, _ := r.Body["approval_id"].(string)
	if r.Status != 202 || id == "" {
		t.Fatalf("status %d, body %v; want held", r.Status, r.Body)
	}
	if got := w.upstream.take(); len(got) != 0 {
		t.Fatalf("upstream received %+v before approval", got)
	}
	a, err := w.in.Gateway.Approve(context.Background(), w.in.Boss, id, "a duplicate charge")
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != aos.ApprovalExecuted || a.ResultStatus != 200 {
		t.Fatalf("approval %s: status %s, result %d, error %q", id, a.Status, a.ResultStatus, a.Error)
	}
	got := w.upstream.take()
	if len(got) != 1 || got[0].Body != form || got[0].Authorization != "Bearer "+ownerKey ||
		got[0].Header.Get("Idempotency-Key") != "refund-42" || got[0].URI != "/v1/refunds" {
		t.Fatalf("upstream received %+v; want the held refund once", got)
	}
	w.in.Verify(t)
}

// POST /v1/call runs table operations by name.
func TestGateway_stripeCall(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name, conn, op, args string
		status               int
		code                 string
	}{
		{"list", "pay", "refunds.list", `{"params": {"limit": 2}}`, 200, ""},
		{"refund under cap", "pay", "refunds.create", `{"params": {"charge": "ch_1", "amount": 500, "currency": "usd"}}`, 200, ""},
		{"refund over cap", "pay", "refunds.create", `{"params": {"charge": "ch_1", "amount": 500000, "currency": "usd"}}`, 202, ""},
		{"out of scope", "pay", "customers.list", `{}`, 403, aos.EOutOfScope},
		{"read only", "payro", "refunds.cancel", `{"id": "re_1"}`, 403, aos.EReadOnly},
		{"unknown", "acct", "accounts.list", `{}`, 403, aos.EUnknownOperation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.upstream.take()
			body := `{"connection": "` + tt.conn + `", "operation": "` + tt.op + `", "args": ` + tt.args + `}`
			req, _ := http.NewRequest("POST", w.in.URL+"/v1/call", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+w.token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var r reply
			r.Status = resp.StatusCode
			json.NewDecoder(resp.Body).Decode(&r.Body)
			if r.Status != tt.status || r.code() != tt.code {
				t.Fatalf("status %d, body %v; want %d %q", r.Status, r.Body, tt.status, tt.code)
			}
			got := w.upstream.take()
			if want := map[bool]int{true: 1, false: 0}[tt.status == 200]; len(got) != want {
				t.Fatalf("upstream received %d requests; want %d", len(got), want)
			}
			if tt.status == 200 && r.Body["status"] != float64(200) {
				t.Fatalf("call result %v", r.Body)
			}
		})
	}
	w.in.Verify(t)
}
