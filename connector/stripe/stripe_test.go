package stripe

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

func TestConnector_Configure(t *testing.T) {
	tests := []struct {
		name, base, auth, config string
		want                     string // "" means EBadRequest
	}{
		{"default", "", "", "", "https://api.stripe.com"},
		{"explicit", "https://api.stripe.com/", "bearer", "", "https://api.stripe.com"},
		{"case", "HTTPS://API.Stripe.COM", "Bearer", "", "https://api.stripe.com"},
		{"stripe-mock", "http://127.0.0.1:12111", "", "", "http://127.0.0.1:12111"},
		{"localhost", "http://localhost:12111", "", "", "http://localhost:12111"},
		{"ipv6 loopback", "http://[::1]:12111", "", "", "http://[::1]:12111"},
		{"https proxy", "https://stripe-proxy.internal:8443", "", "", "https://stripe-proxy.internal:8443"},

		{"http remote", "http://api.stripe.com", "", "", ""},
		{"path", "https://api.stripe.com/v1", "", "", ""},
		{"query", "https://api.stripe.com?x=1", "", "", ""},
		{"fragment", "https://api.stripe.com#x", "", "", ""},
		{"user info", "https://sk_test_x@api.stripe.com", "", "", ""},
		{"ftp", "ftp://api.stripe.com", "", "", ""},
		{"no host", "https://", "", "", ""},
		{"basic auth", "", "basic", "", ""},
		{"header auth", "", "header:X-Key", "", ""},
		{"config", "", "", `{"operations":[]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &aos.Connection{Name: "pay", Type: Type, BaseURL: tt.base, Auth: tt.auth, Config: []byte(tt.config)}
			err := New().Configure(c)
			if tt.want == "" {
				if aos.ErrorCode(err) != aos.EBadRequest {
					t.Fatalf("Configure(%q, %q) = %v; want bad_request", tt.base, tt.auth, err)
				}
				return
			}
			if err != nil || c.BaseURL != tt.want || c.Auth != "bearer" || !c.HoldsCustomerData {
				t.Fatalf("Configure(%q, %q) = %v: %q %q holds=%v", tt.base, tt.auth, err, c.BaseURL, c.Auth, c.HoldsCustomerData)
			}
			again := *c
			if err := New().Configure(&again); err != nil || again.BaseURL != c.BaseURL {
				t.Fatalf("Configure is not idempotent: %q, %v", again.BaseURL, err)
			}
		})
	}
}

func TestConnector_Describe(t *testing.T) {
	d := New().Describe()
	if d.Type != Type || New().Type() != Type || len(d.ScopeSyntax) != 2 {
		t.Fatalf("description = %+v", d)
	}
	byName := map[string]aos.Operation{}
	for _, op := range d.Operations {
		if _, dup := byName[op.Name]; dup {
			t.Fatalf("operation %s listed twice", op.Name)
		}
		byName[op.Name] = op
	}
	tests := []struct {
		name   string
		access aos.Access
		point  aos.ApprovalPoint // "" for none
	}{
		{"refunds.list", aos.Read, ""},
		{"refunds.create", aos.Write, aos.PointMoney},
		{"refunds.cancel", aos.Write, ""},
		{"charges.create", aos.Write, aos.PointMoney},
		{"charges.capture", aos.Write, aos.PointMoney},
		{"payment_intents.create", aos.Write, aos.PointMoney},
		{"payment_intents.confirm", aos.Write, aos.PointMoney},
		{"payment_intents.capture", aos.Write, aos.PointMoney},
		{"payouts.create", aos.Write, aos.PointMoney},
		{"transfers.create", aos.Write, aos.PointMoney},
		{"coupons.create", aos.Write, aos.PointMoney},
		{"invoices.finalize", aos.Write, aos.PointMoney},
		{"invoices.pay", aos.Write, aos.PointMoney},
		{"credit_notes.create", aos.Write, aos.PointMoney},
		{"customers.list", aos.Read, ""},
		{"customers.delete", aos.Write, ""},
		{"customers.update", aos.Write, aos.PointMoney},
		{"customers.create", aos.Write, aos.PointMoney},
		{"invoices.void", aos.Write, aos.PointMoney},
		{"invoices.update", aos.Write, aos.PointMoney},
		{"products.create", aos.Write, aos.PointMoney},
		{"refunds.update", aos.Write, ""},
		{"reporting.report_runs.create", aos.Write, aos.PointCustomerData},
		{"sigma.scheduled_query_runs.list", aos.Read, aos.PointCustomerData},
		{"prices.update", aos.Write, aos.PointProduction},
		{"invoices.create_preview", aos.Read, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, ok := byName[tt.name]
			if !ok || op.Access != tt.access {
				t.Fatalf("operation %s = %+v, %v; want access %s", tt.name, op, ok, tt.access)
			}
			if tt.point == "" && len(op.Points) != 0 || tt.point != "" && !containsPoint(op.Points, tt.point) {
				t.Fatalf("operation %s points %v; want %q", tt.name, op.Points, tt.point)
			}
		})
	}
}

// Every money rule names an operation, and operations whose facts read no
// money do not silently carry the point without a rule.
func TestLoadTable(t *testing.T) {
	for name := range moneyRules {
		if _, ok := operations.table.Lookup(name); !ok {
			t.Errorf("money rule for unknown operation %s", name)
		}
	}
	for name, typ := range operations.typeOf {
		if !strings.HasPrefix(name, typ+".") {
			t.Errorf("operation %s is on type %s: names start with their type", name, typ)
		}
	}
	if _, err := loadTable([]byte("operations:\n  - {name: x, method: GET, path: /v2/x, access: read}\n")); err == nil {
		t.Error("a path outside /v1 loaded")
	}
}

// FuzzAnalyze checks, for any request, that analyze never panics, that a
// request it accepts has a resource the connector covers with "*" and with
// its own types, and that reading the upstream request again (as Do does)
// gives the same operation, resource and facts.
func FuzzAnalyze(f *testing.F) {
	seeds := [][4]string{
		{"GET", "/v1/refunds", "limit=3&expand[]=data.charge", ""},
		{"POST", "/v1/refunds", "", "charge=ch_1&amount=500&currency=usd"},
		{"POST", "/v1/subscriptions/sub_1", "", "items[0][price]=p&metadata[a]=b"},
		{"DELETE", "/v1/subscriptions/sub_1", "invoice_now=true", ""},
		{"GET", "/v1/refunds/%2e%2e/customers", "", ""},
		{"GET", "/v1/coupons/SUMMER%2025", "", ""},
		{"POST", "/v1/coupons", "", "percent_off=5&duration=once"},
		{"GET", "/v1/events", "", ""},
		{"POST", "/v1/customers/cus_1", "", "balance=-5000000&metadata[amount]=1&discounts[0][coupon]=C"},
		{"POST", "/v1/payment_intents/pi_1", "", "amount=100&currency=usd"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3])
	}
	base, _ := url.Parse("https://api.stripe.com")
	k := New()
	conn := &aos.Connection{ID: 1, Name: "pay", Type: "stripe", BaseURL: base.String()}
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		h := http.Header{"Content-Type": {formType}}
		req, err := analyze(method, path, query, h, []byte(body))
		if err != nil {
			if aos.ErrorCode(err) == aos.EInternal {
				t.Fatalf("analyze returned an internal error: %v", err)
			}
			return
		}
		if !k.Covers(AccountWide, req.resource) {
			t.Fatalf("* does not cover %q", req.resource)
		}
		if types := strings.Split(req.resource, ","); types[len(types)-1] != everyType {
			if scope, err := k.CheckScope(req.resource); !strings.HasPrefix(req.op.Name, "events.") && (err != nil || !k.Covers(scope, req.resource)) {
				t.Fatalf("the scope of its own types does not cover %q: %v", req.resource, err)
			}
		}
		call := req.call(base)
		if err := connector.Recheck(k, conn, call); err != nil {
			t.Fatalf("the upstream request reads differently: %v", err)
		}
	})
}
