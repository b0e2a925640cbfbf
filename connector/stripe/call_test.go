package stripe

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// conn returns a configured connection to base.
func conn(t testing.TB, base string) *aos.Connection {
	t.Helper()
	c := &aos.Connection{ID: 1, Name: "pay", Type: Type, BaseURL: base}
	if err := New().Configure(c); err != nil {
		t.Fatalf("Configure(%q): %v", base, err)
	}
	return c
}

// formHeader is what Stripe's SDKs send with a POST.
func formHeader() http.Header {
	return http.Header{"Content-Type": {formType}}
}

func TestConnector_FromHTTP(t *testing.T) {
	usd := func(n int64) aos.Facts { return aos.Facts{Amount: n, Currency: "USD"} }
	unknown := aos.Facts{AmountUnknown: true}
	unknownUSD := aos.Facts{AmountUnknown: true, Currency: "USD"} // opdef keeps a currency it read
	tests := []struct {
		name, method, path, query, body string
		op, resource                    string
		access                          aos.Access
		facts                           aos.Facts
	}{
		{"list refunds", "GET", "/v1/refunds", "limit=3", "", "refunds.list", "refunds", aos.Read, aos.Facts{}},
		{"retrieve refund", "GET", "/v1/refunds/re_123", "", "", "refunds.retrieve", "refunds", aos.Read, aos.Facts{}},
		{"lower-case method", "get", "/v1/refunds/re_123", "", "", "refunds.retrieve", "refunds", aos.Read, aos.Facts{}},
		{"refund with amount", "POST", "/v1/refunds", "", "charge=ch_1&amount=500&currency=usd", "refunds.create", "refunds", aos.Write, usd(500)},
		{"refund without amount", "POST", "/v1/refunds", "", "charge=ch_1", "refunds.create", "refunds", aos.Write, unknown},
		{"refund without currency", "POST", "/v1/refunds", "", "charge=ch_1&amount=500", "refunds.create", "refunds", aos.Write, unknown},
		{"refund amount twice", "POST", "/v1/refunds", "", "amount=5&amount=500000&currency=usd", "refunds.create", "refunds", aos.Write, unknownUSD},
		{"refund negative", "POST", "/v1/refunds", "", "amount=-5&currency=usd", "refunds.create", "refunds", aos.Write, unknownUSD},
		{"refund expands", "POST", "/v1/refunds", "", "amount=5&currency=usd&expand[0]=charge", "refunds.create", "refunds,charges", aos.Write, usd(5)},
		{"charge", "POST", "/v1/charges", "", "amount=2000&currency=eur&source=tok_visa", "charges.create", "charges", aos.Write, aos.Facts{Amount: 2000, Currency: "EUR"}},
		{"charge capture", "POST", "/v1/charges/ch_1/capture", "", "amount=100", "charges.capture", "charges", aos.Write, unknown},
		{"search", "GET", "/v1/charges/search", "query=amount>100", "", "charges.search", "charges", aos.Read, aos.Facts{}},
		{"intent create", "POST", "/v1/payment_intents", "", "amount=1999&currency=usd&confirm=true", "payment_intents.create", "payment_intents", aos.Write, usd(1999)},
		{"intent confirm", "POST", "/v1/payment_intents/pi_1/confirm", "", "", "payment_intents.confirm", "payment_intents", aos.Write, unknown},
		{"intent capture", "POST", "/v1/payment_intents/pi_1/capture", "", "amount_to_capture=10", "payment_intents.capture", "payment_intents", aos.Write, unknown},
		{"intent update", "POST", "/v1/payment_intents/pi_1", "", "metadata[k]=v", "payment_intents.update", "payment_intents", aos.Write, aos.Facts{}},
		{"payout", "POST", "/v1/payouts", "", "amount=100000&currency=usd", "payouts.create", "payouts", aos.Write, usd(100000)},
		{"transfer", "POST", "/v1/transfers", "", "amount=100&currency=usd&destination=acct_1", "transfers.create", "transfers", aos.Write, usd(100)},
		{"coupon amount off", "POST", "/v1/coupons", "", "amount_off=500&currency=usd&duration=once", "coupons.create", "coupons", aos.Write, usd(500)},
		{"coupon in other currencies", "POST", "/v1/coupons", "", "amount_off=1&currency=usd&currency_options[eur][amount_off]=9999999&duration=once", "coupons.create", "coupons", aos.Write, unknown},
		{"invoice item", "POST", "/v1/invoiceitems", "", "customer=cus_1&amount=500&currency=usd", "invoiceitems.create", "invoiceitems", aos.Write, usd(500)},
		{"invoice item by quantity", "POST", "/v1/invoiceitems", "", "customer=cus_1&amount=500&currency=usd&quantity=1000", "invoiceitems.create", "invoiceitems", aos.Write, unknown},
		{"coupon percent off", "POST", "/v1/coupons", "", "percent_off=25&duration=once", "coupons.create", "coupons", aos.Write, unknown},
		{"invoice pay", "POST", "/v1/invoices/in_1/pay", "", "", "invoices.pay", "invoices", aos.Write, unknown},
		{"invoice finalize", "POST", "/v1/invoices/in_1/finalize", "", "", "invoices.finalize", "invoices", aos.Write, unknown},
		{"invoice draft", "POST", "/v1/invoices", "", "customer=cus_1", "invoices.create", "invoices", aos.Write, aos.Facts{}},
		{"invoice auto advance", "POST", "/v1/invoices", "", "customer=cus_1&auto_advance=true", "invoices.create", "invoices", aos.Write, unknown},
		{"invoice no auto advance", "POST", "/v1/invoices/in_1", "", "auto_advance=false", "invoices.update", "invoices", aos.Write, aos.Facts{}},
		{"invoice preview", "POST", "/v1/invoices/create_preview", "", "customer=cus_1", "invoices.create_preview", "invoices", aos.Read, aos.Facts{}},
		{"credit note", "POST", "/v1/credit_notes", "", "invoice=in_1&amount=100", "credit_notes.create", "credit_notes", aos.Write, unknown},
		{"customer credit", "POST", "/v1/customers/cus_1/balance_transactions", "", "amount=-500&currency=usd", "customers.balance_transactions.create", "customers", aos.Write, unknownUSD},
		{"customer debit", "POST", "/v1/customers/cus_1/balance_transactions", "", "amount=500&currency=usd", "customers.balance_transactions.create", "customers", aos.Write, usd(500)},
		{"customers", "GET", "/v1/customers", "email=a%40b.c", "", "customers.list", "customers", aos.Read, aos.Facts{}},
		{"customer search", "GET", "/v1/customers/search", "query=email:'a'", "", "customers.search", "customers", aos.Read, aos.Facts{}},
		{"customer delete", "DELETE", "/v1/customers/cus_1", "", "", "customers.delete", "customers", aos.Write, aos.Facts{}},
		{"subscription metadata", "POST", "/v1/subscriptions/sub_1", "", "metadata[k]=v&description=x", "subscriptions.update", "subscriptions", aos.Write, aos.Facts{}},
		{"subscription items", "POST", "/v1/subscriptions/sub_1", "", "items[0][price]=price_1", "subscriptions.update", "subscriptions", aos.Write, unknown},
		{"subscription create", "POST", "/v1/subscriptions", "", "customer=cus_1&items[0][price]=price_1", "subscriptions.create", "subscriptions", aos.Write, unknown},
		{"subscription cancel", "DELETE", "/v1/subscriptions/sub_1", "", "", "subscriptions.cancel", "subscriptions", aos.Write, aos.Facts{}},
		{"subscription cancel invoicing", "DELETE", "/v1/subscriptions/sub_1", "invoice_now=true", "", "subscriptions.cancel", "subscriptions", aos.Write, unknown},
		{"dispute close", "POST", "/v1/disputes/dp_1/close", "", "", "disputes.close", "disputes", aos.Write, unknown},
		{"price", "POST", "/v1/prices", "", "unit_amount=500&currency=usd&product=prod_1", "prices.create", "prices", aos.Write, aos.Facts{Production: true, Amount: 500, Currency: "USD"}},
		{"tiered price", "POST", "/v1/prices", "", "currency=usd&product=prod_1&billing_scheme=tiered&tiers_mode=graduated&tiers[0][up_to]=inf&tiers[0][unit_amount]=99999999", "prices.create", "prices", aos.Write, aos.Facts{Production: true, AmountUnknown: true}},
		{"customer credit by balance", "POST", "/v1/customers/cus_1", "", "balance=-5000000", "customers.update", "customers", aos.Write, unknown},
		{"customer create with balance", "POST", "/v1/customers", "", "email=a%40b.c&balance=100", "customers.create", "customers", aos.Write, unknown},
		{"customer update plain", "POST", "/v1/customers/cus_1", "", "name=n&metadata[balance]=1", "customers.update", "customers", aos.Write, aos.Facts{}},
		{"invoice discount", "POST", "/v1/invoices/in_1", "", "discounts[0][coupon]=FREE100", "invoices.update", "invoices", aos.Write, unknown},
		{"invoice void", "POST", "/v1/invoices/in_1/void", "", "", "invoices.void", "invoices", aos.Write, unknown},
		{"invoice uncollectible", "POST", "/v1/invoices/in_1/mark_uncollectible", "", "", "invoices.mark_uncollectible", "invoices", aos.Write, unknown},
		{"invoice item delete", "DELETE", "/v1/invoiceitems/ii_1", "", "", "invoiceitems.delete", "invoiceitems", aos.Write, unknown},
		{"intent amount change", "POST", "/v1/payment_intents/pi_1", "", "amount=100&currency=usd", "payment_intents.update", "payment_intents", aos.Write, usd(100)},
		{"intent amount without currency", "POST", "/v1/payment_intents/pi_1", "", "amount=100", "payment_intents.update", "payment_intents", aos.Write, unknown},
		{"charge with fee", "POST", "/v1/charges", "", "amount=2000&currency=usd&application_fee_amount=100&source=tok_visa", "charges.create", "charges", aos.Write, usd(2000)},
		{"intent with mandate", "POST", "/v1/payment_intents", "", "amount=100&currency=usd&payment_method_options[card][mandate_options][amount]=999999", "payment_intents.create", "payment_intents", aos.Write, unknown},
		{"subscription cancel prorated", "DELETE", "/v1/subscriptions/sub_1", "prorate=true", "", "subscriptions.cancel", "subscriptions", aos.Write, unknown},
		{"subscription cancel not invoicing", "DELETE", "/v1/subscriptions/sub_1", "invoice_now=false", "", "subscriptions.cancel", "subscriptions", aos.Write, aos.Facts{}},
		{"transfer reversal", "POST", "/v1/transfers/tr_1/reversals", "", "amount=100", "transfers.reversals.create", "transfers", aos.Write, unknown},
		{"product with price", "POST", "/v1/products", "", "name=p&default_price_data[unit_amount]=1&default_price_data[currency]=usd", "products.create", "products", aos.Write, unknown},
		{"report run", "POST", "/v1/reporting/report_runs", "", "report_type=balance.summary.1", "reporting.report_runs.create", "reporting.report_runs", aos.Write, aos.Facts{Export: true}},
		{"sigma", "GET", "/v1/sigma/scheduled_query_runs", "", "", "sigma.scheduled_query_runs.list", "sigma.scheduled_query_runs", aos.Read, aos.Facts{Export: true}},
		{"events", "GET", "/v1/events", "", "", "events.list", "events,*", aos.Read, aos.Facts{}},
		{"nested", "GET", "/v1/transfers/tr_1/reversals/trr_1", "", "", "transfers.reversals.retrieve", "transfers", aos.Read, aos.Facts{}},
		{"expanded list", "GET", "/v1/refunds", "expand[]=data.charge.customer", "", "refunds.list", "refunds,charges,customers", aos.Read, aos.Facts{}},
		{"escaped id", "GET", "/v1/coupons/SUMMER%2025", "", "", "coupons.retrieve", "coupons", aos.Read, aos.Facts{}},
	}
	c := conn(t, "https://api.stripe.com")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Authorization": {"Bearer aos_agent_x"}, "Stripe-Version": {"2026-08-26"}}
			if tt.method == "POST" {
				h.Set("Content-Type", formType)
			}
			call, err := New().FromHTTP(c, &connector.HTTPRequest{Method: tt.method, RawPath: tt.path, RawQuery: tt.query, Header: h, Body: []byte(tt.body)})
			if err != nil {
				t.Fatalf("FromHTTP: %v", err)
			}
			if call.Operation.Name != tt.op || call.Operation.Access != tt.access || call.Resource != tt.resource {
				t.Fatalf("got %s (%s) on %q; want %s (%s) on %q", call.Operation.Name, call.Operation.Access, call.Resource, tt.op, tt.access, tt.resource)
			}
			if !connector.SameFacts(call.Facts, tt.facts) {
				t.Fatalf("facts = %+v; want %+v", call.Facts, tt.facts)
			}
			if (call.Facts.Amount > 0 || call.Facts.AmountUnknown) && !containsPoint(call.Operation.Points, aos.PointMoney) {
				t.Fatalf("a money fact on %s, whose points %v lack money", tt.op, call.Operation.Points)
			}
			up := call.Upstream
			if up.Method != strings.ToUpper(tt.method) || string(up.Body) != tt.body || up.Header.Get("Authorization") != "" {
				t.Fatalf("upstream = %+v", up)
			}
			wantURL := "https://api.stripe.com" + tt.path
			if tt.query != "" {
				wantURL += "?" + tt.query
			}
			if up.URL != wantURL {
				t.Fatalf("upstream URL = %q; want %q", up.URL, wantURL)
			}
		})
	}
}

func containsPoint(ps []aos.ApprovalPoint, p aos.ApprovalPoint) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

func TestConnector_FromHTTP_errors(t *testing.T) {
	form := formHeader()
	tests := []struct {
		name, method, path, query, body string
		header                          http.Header
		code                            string
	}{
		{"unknown path", "GET", "/v1/accounts", "", "", nil, aos.EUnknownOperation},
		{"unknown method", "PUT", "/v1/refunds", "", "", nil, aos.EUnknownOperation},
		{"head", "HEAD", "/v1/refunds", "", "", nil, aos.EUnknownOperation},
		{"v2", "GET", "/v2/core/events", "", "", nil, aos.EUnknownOperation},
		{"trailing slash", "GET", "/v1/refunds/", "", "", nil, aos.EUnknownOperation},
		{"too deep", "GET", "/v1/refunds/re_1/x", "", "", nil, aos.EUnknownOperation},
		{"root", "GET", "/", "", "", nil, aos.EUnknownOperation},
		{"dot-dot", "GET", "/v1/refunds/../customers", "", "", nil, aos.EOutOfScope},
		{"encoded dot-dot", "GET", "/v1/refunds/%2e%2e/customers", "", "", nil, aos.EOutOfScope},
		{"absolute", "GET", "https://evil.example/v1/refunds", "", "", nil, aos.EOutOfScope},
		{"network path", "GET", "//evil.example/v1/refunds", "", "", nil, aos.EOutOfScope},
		{"encoded slash", "GET", "/v1/refunds/re_1%2Fcancel", "", "", nil, aos.EBadRequest},
		{"double encoded", "GET", "/v1/refunds/%252e", "", "", nil, aos.EBadRequest},
		{"bad method", "GE T", "/v1/refunds", "", "", nil, aos.EBadRequest},
		{"unicode method", "poſt", "/v1/refunds", "", "", nil, aos.EBadRequest},
		{"query on POST", "POST", "/v1/refunds", "amount=1", "amount=1&currency=usd", form, aos.EBadRequest},
		{"body on GET", "GET", "/v1/refunds", "", "limit=1", nil, aos.EBadRequest},
		{"body on DELETE", "DELETE", "/v1/customers/cus_1", "", "x=1", nil, aos.EBadRequest},
		{"JSON body", "POST", "/v1/refunds", "", `{"amount":1}`, http.Header{"Content-Type": {"application/json"}}, aos.EBadRequest},
		{"no content type", "POST", "/v1/refunds", "", "amount=1&currency=usd", nil, aos.EBadRequest},
		{"bad form", "POST", "/v1/refunds", "", "amount=%zz", form, aos.EBadRequest},
		{"bad query", "GET", "/v1/refunds", "a=%zz", "", nil, aos.EBadRequest},
		{"query space", "GET", "/v1/refunds", "a=b c", "", nil, aos.EBadRequest},
		{"connected account", "GET", "/v1/refunds", "", "", http.Header{"Stripe-Account": {"acct_1"}}, aos.EOutOfScope},
		{"connected account underscore", "GET", "/v1/refunds", "", "", http.Header{"stripe_account": {"acct_1"}}, aos.EOutOfScope},
		{"stripe context", "GET", "/v1/refunds", "", "", http.Header{"Stripe-Context": {"ctx"}}, aos.EOutOfScope},
		{"header twice", "POST", "/v1/refunds", "", "", http.Header{"Idempotency-Key": {"a", "b"}}, aos.EBadRequest},
		{"header control", "GET", "/v1/refunds", "", "", http.Header{"Stripe-Version": {"a\r\nX: y"}}, aos.EBadRequest},
		{"deep expansion", "GET", "/v1/refunds", "expand[]=a.b.c.d.e.f.g.h.i", "", nil, aos.EBadRequest},
	}
	c := conn(t, "https://api.stripe.com")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New().FromHTTP(c, &connector.HTTPRequest{Method: tt.method, RawPath: tt.path, RawQuery: tt.query, Header: tt.header, Body: []byte(tt.body)})
			if aos.ErrorCode(err) != tt.code {
				t.Fatalf("FromHTTP = %v; want %s", err, tt.code)
			}
		})
	}
}

func TestConnector_FromHTTP_headers(t *testing.T) {
	h := http.Header{
		"Authorization":              {"Bearer aos_agent_secret"},
		"Cookie":                     {"s=1"},
		"Content-Type":               {formType},
		"Accept":                     {"application/json"},
		"Idempotency-Key":            {"k1"},
		"Stripe-Version":             {"2026-08-26"},
		"User-Agent":                 {"Stripe/v1 NodeBindings/23.1.0"},
		"X-Stripe-Client-User-Agent": {`{"lang":"node"}`},
		"X-Stripe-Client-Telemetry":  {`{"last_request_metrics":{}}`},
		"Aos-Purpose":                {"refund a duplicate"},
		"X-Custom":                   {"10.0.0.1"},
		"Connection":                 {"close"},
		"Host":                       {"pay.localhost"},
	}
	call, err := New().FromHTTP(conn(t, ""), &connector.HTTPRequest{Method: "POST", RawPath: "/v1/customers", Header: h, Body: []byte("name=A")})
	if err != nil {
		t.Fatal(err)
	}
	got := call.Upstream.Header
	want := []string{"Accept", "Content-Type", "Idempotency-Key", "Stripe-Version", "User-Agent", "X-Stripe-Client-User-Agent"}
	if len(got) != len(want) {
		t.Fatalf("forwarded %v; want only %v", got, want)
	}
	for _, k := range want {
		if got.Get(k) != h.Get(k) {
			t.Errorf("%s = %q; want %q", k, got.Get(k), h.Get(k))
		}
	}
	if call.Upstream.URL != DefaultBaseURL+"/v1/customers" {
		t.Errorf("URL = %q", call.Upstream.URL)
	}
}

func TestConnector_FromCall(t *testing.T) {
	tests := []struct {
		name, op, args string
		wantURL        string
		wantBody       string
		facts          aos.Facts
		code           string
	}{
		{"list", "refunds.list", `{"params": {"limit": 3}}`, "/v1/refunds?limit=3", "", aos.Facts{}, ""},
		{"no args", "balance.retrieve", ``, "/v1/balance", "", aos.Facts{}, ""},
		{"retrieve", "refunds.retrieve", `{"id": "re_1", "params": {"expand": ["charge"]}}`, "/v1/refunds/re_1?expand%5B0%5D=charge", "", aos.Facts{}, ""},
		{"create", "refunds.create", `{"params": {"charge": "ch_1", "amount": 500, "currency": "usd", "metadata": {"b": "2", "a": "x y"}}, "idempotency_key": "k"}`,
			"/v1/refunds", "amount=500&charge=ch_1&currency=usd&metadata%5Ba%5D=x+y&metadata%5Bb%5D=2", aos.Facts{Amount: 500, Currency: "USD"}, ""},
		{"nested", "customers.balance_transactions.retrieve", `{"customer": "cus_1", "id": "cbtxn_1"}`, "/v1/customers/cus_1/balance_transactions/cbtxn_1", "", aos.Facts{}, ""},
		{"null and bool", "customers.update", `{"id": "cus_1", "params": {"description": null, "name": "n", "x": true}}`, "/v1/customers/cus_1", "description=&name=n&x=true", aos.Facts{}, ""},
		{"escaped id", "coupons.retrieve", `{"id": "SUMMER 25"}`, "/v1/coupons/SUMMER%2025", "", aos.Facts{}, ""},
		{"pay", "invoices.pay", `{"id": "in_1"}`, "/v1/invoices/in_1/pay", "", aos.Facts{AmountUnknown: true}, ""},

		{"unknown op", "accounts.list", ``, "", "", aos.Facts{}, aos.EUnknownOperation},
		{"missing id", "refunds.retrieve", `{}`, "", "", aos.Facts{}, aos.EBadRequest},
		{"slash in id", "refunds.retrieve", `{"id": "re_1/cancel"}`, "", "", aos.Facts{}, aos.EBadRequest},
		{"dot-dot id", "refunds.retrieve", `{"id": ".."}`, "", "", aos.Facts{}, aos.EOutOfScope},
		{"unknown field", "refunds.list", `{"path": "/v1/customers"}`, "", "", aos.Facts{}, aos.EBadRequest},
		{"params not object", "refunds.list", `{"params": [1]}`, "", "", aos.Facts{}, aos.EBadRequest},
		{"args not object", "refunds.list", `[1]`, "", "", aos.Facts{}, aos.EBadRequest},
		{"id not string", "refunds.retrieve", `{"id": 1}`, "", "", aos.Facts{}, aos.EBadRequest},
	}
	c := conn(t, "http://127.0.0.1:12111")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call, err := New().FromCall(c, tt.op, json.RawMessage(tt.args))
			if tt.code != "" {
				if aos.ErrorCode(err) != tt.code {
					t.Fatalf("FromCall = %v; want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromCall: %v", err)
			}
			if call.Operation.Name != tt.op || call.Upstream.URL != "http://127.0.0.1:12111"+tt.wantURL || string(call.Upstream.Body) != tt.wantBody {
				t.Fatalf("got %s %s %q", call.Operation.Name, call.Upstream.URL, call.Upstream.Body)
			}
			if !connector.SameFacts(call.Facts, tt.facts) {
				t.Fatalf("facts = %+v; want %+v", call.Facts, tt.facts)
			}
		})
	}
}
