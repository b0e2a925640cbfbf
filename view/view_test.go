package view_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/email"
	"github.com/aos-dev/aos/connector/ga4"
	"github.com/aos-dev/aos/connector/github"
	"github.com/aos-dev/aos/connector/hubspot"
	"github.com/aos-dev/aos/connector/postgres"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/connector/slack"
	"github.com/aos-dev/aos/connector/stripe"
	"github.com/aos-dev/aos/view"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// held builds the approval a gateway would hold for call, as the
// connector mapped it, and the request it would seal.
func held(t *testing.T, conn *aos.Connection, call *connector.Call, points []aos.ApprovalPoint, reasons ...string) (*aos.Approval, []byte) {
	t.Helper()
	req, err := json.Marshal(call.Upstream)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(req)
	return &aos.Approval{
		ID: "ap_test0000001", Kind: aos.ApprovalCall, Points: points, Status: aos.ApprovalPending,
		Requester: "agent:finn", RequesterID: 7, Connection: conn.Name, ConnectionID: 3,
		Operation: call.Operation.Name, Access: call.Operation.Access, Resource: call.Resource,
		Facts: call.Facts, Reasons: reasons, Digest: hex.EncodeToString(sum[:]),
		Purpose: "Refund the customer charged twice.", Recommendation: "Approve: the duplicate is confirmed.",
		Alternatives: []string{"Issue a credit note instead", "Wait for the customer to dispute"},
		CreatedAt:    time.Now(),
	}, req
}

func configure(t *testing.T, k connector.Connector, c *aos.Connection) *aos.Connection {
	t.Helper()
	c.Type = k.Type()
	if err := k.Configure(c); err != nil {
		t.Fatalf("configure %s: %v", c.Type, err)
	}
	return c
}

func fromHTTP(t *testing.T, k connector.Connector, c *aos.Connection, method, path, query string, h http.Header, body string) *connector.Call {
	t.Helper()
	if h == nil {
		h = http.Header{}
	}
	call, err := k.(connector.HTTPMapper).FromHTTP(c, &connector.HTTPRequest{Method: method, RawPath: path, RawQuery: query, Header: h, Body: []byte(body)})
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return call
}

func fromCall(t *testing.T, k connector.Connector, c *aos.Connection, op, args string) *connector.Call {
	t.Helper()
	call, err := k.FromCall(c, op, json.RawMessage(args))
	if err != nil {
		t.Fatalf("%s %s: %v", c.Type, op, err)
	}
	return call
}

func golden(t *testing.T, name string, in view.Input) string {
	t.Helper()
	v := view.Render(in)
	sum := sha256.Sum256([]byte(v.Text))
	if v.Digest != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("digest %s is not the text's", v.Digest)
	}
	if again := view.Render(in); again != v {
		t.Errorf("two renderings differ")
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(v.Text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./view -update)", err)
	}
	if v.Text != string(want) {
		t.Errorf("%s: view differs from %s:\n%s", name, path, v.Text)
	}
	return v.Text
}

const opsYAML = `operations:
  - name: orders.create
    method: POST
    path: /v1/orders
    access: write
    points: [money]
    facts: {amount: /amount, currency: /currency}
  - name: fees.pay
    method: POST
    path: /v1/fees
    access: write
    points: [money]
    facts: {amount: /total, amount_unit: major, currency: /currency}
`

func TestRender_Connectors(t *testing.T) {
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	formHeader := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	money := []aos.ApprovalPoint{aos.PointMoney}

	t.Run("http", func(t *testing.T) {
		c := configure(t, rest.New(), &aos.Connection{Name: "crm", BaseURL: "https://api.example.com/"})
		body := `{"name":"Quarterly export","options":{"format":"csv","columns":["id","plan"]},"api_token":"tok-123-not-shown","notify":true,"limit":100,"note":"\u001b[31mred\u202e"}`
		call := fromHTTP(t, rest.New(), c, "POST", "/v1/exports", "page=2&access_token=q-secret-9", jsonHeader, body)
		a, req := held(t, c, call, []aos.ApprovalPoint{aos.PointProduction}, "production: the operation changes production")
		golden(t, "http", view.Input{Approval: a, Request: req, ConnectionType: "http", Department: "finance"})
	})

	t.Run("http_truncated", func(t *testing.T) {
		c := configure(t, rest.New(), &aos.Connection{Name: "crm", BaseURL: "https://api.example.com/"})
		var items []map[string]any
		for i := range 300 {
			items = append(items, map[string]any{"sku": "SKU-" + strings.Repeat("x", i%7), "qty": i})
		}
		body, _ := json.Marshal(map[string]any{"items": items})
		call := fromHTTP(t, rest.New(), c, "PUT", "/v1/catalog", "", jsonHeader, string(body))
		a, req := held(t, c, call, []aos.ApprovalPoint{aos.PointProduction}, "production: the operation changes production")
		text := golden(t, "http_truncated", view.Input{Approval: a, Request: req, ConnectionType: "http"})
		if !strings.Contains(text, "[cut at 2 KiB: the last ") {
			t.Errorf("a body over the bound does not say it was cut")
		}
	})

	t.Run("http_money_jpy_kwd", func(t *testing.T) {
		c := configure(t, rest.New(), &aos.Connection{Name: "pay", BaseURL: "https://pay.example.com/", Config: []byte(opsYAML)})
		call := fromHTTP(t, rest.New(), c, "POST", "/v1/orders", "", jsonHeader, `{"amount":500,"currency":"jpy"}`)
		a, req := held(t, c, call, money, "money: ¥500 JPY: JPY has no configured rate; amounts in it are held, never guessed")
		text := golden(t, "http_money_jpy", view.Input{Approval: a, Request: req, ConnectionType: "http"})
		if !strings.Contains(text, "amount:       ¥500 JPY\n") {
			t.Errorf("the yen amount is not in major units")
		}
		call = fromHTTP(t, rest.New(), c, "POST", "/v1/fees", "", jsonHeader, `{"total":"1.5","currency":"KWD"}`)
		a, req = held(t, c, call, money)
		if text := view.Render(view.Input{Approval: a, Request: req, ConnectionType: "http"}).Text; !strings.Contains(text, "amount:       1.500 KWD\n") {
			t.Errorf("a dinar amount declared in major units shows as:\n%s", text)
		}
	})

	t.Run("stripe", func(t *testing.T) {
		c := configure(t, stripe.New(), &aos.Connection{Name: "stripe", BaseURL: "https://api.stripe.com"})
		call := fromHTTP(t, stripe.New(), c, "POST", "/v1/payment_intents", "", formHeader,
			"amount=150000&currency=usd&customer=cus_123&metadata[order]=A-17&description=Annual+plan")
		a, req := held(t, c, call, money, "money: $1,500.00 USD is over the per-move cap of $1,000.00 USD")
		text := golden(t, "stripe", view.Input{Approval: a, Request: req, ConnectionType: "stripe", Department: "finance"})
		if !strings.Contains(text, "amount:       $1,500.00 USD\n") {
			t.Errorf("the amount is not in major units")
		}
	})

	t.Run("github_merge", func(t *testing.T) {
		c := configure(t, github.New(), &aos.Connection{Name: "gh", BaseURL: "https://api.github.com"})
		call := fromHTTP(t, github.New(), c, "PUT", "/repos/acme/site/pulls/42/merge", "", jsonHeader, `{"merge_method":"squash","commit_title":"Ship pricing page"}`)
		a, req := held(t, c, call, []aos.ApprovalPoint{aos.PointProduction}, "production: the operation changes production")
		golden(t, "github_merge", view.Input{Approval: a, Request: req, ConnectionType: "github", Department: "engineering"})
	})

	t.Run("github_contents", func(t *testing.T) {
		c := configure(t, github.New(), &aos.Connection{Name: "gh", BaseURL: "https://api.github.com"})
		content := base64.StdEncoding.EncodeToString([]byte("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"))
		call := fromHTTP(t, github.New(), c, "PUT", "/repos/acme/site/contents/.github/workflows/ci.yml", "", jsonHeader,
			`{"message":"Add CI","content":"`+content+`","branch":"main"}`)
		a, req := held(t, c, call, []aos.ApprovalPoint{aos.PointProduction}, "production: the operation changes production")
		golden(t, "github_contents", view.Input{Approval: a, Request: req, ConnectionType: "github"})
	})

	t.Run("hubspot_customer_data", func(t *testing.T) {
		c := configure(t, hubspot.New(), &aos.Connection{Name: "hubspot", BaseURL: "https://api.hubapi.com"})
		call := fromHTTP(t, hubspot.New(), c, "POST", "/crm/v3/objects/contacts", "", jsonHeader,
			`{"properties":{"email":"ada@customer.example","firstname":"Ada","lifecyclestage":"lead","score":42}}`)
		// What the gateway's scan adds: the email came out of another
		// connection that holds customer data.
		call.Facts.CustomerData, call.Facts.CustomerSources = []string{"email", "name"}, []string{"shop"}
		call.Facts.Flows = []aos.FlowFact{{Source: "shop", Categories: []string{"email", "name"}, Count: 2, SourceResources: []string{"/v1/customers"}}}
		a, req := held(t, c, call, []aos.ApprovalPoint{aos.PointCustomerData}, "customer-data: the payload carries customer data (email, name) from shop")
		text := golden(t, "hubspot_customer_data", view.Input{Approval: a, Request: req, ConnectionType: "hubspot", Department: "sales"})
		for _, v := range []string{"ada@customer.example", "Ada", "42"} {
			if strings.Contains(text, v) {
				t.Errorf("the view of a customer-data hold shows %q", v)
			}
		}
	})

	t.Run("slack", func(t *testing.T) {
		c := configure(t, slack.New(), &aos.Connection{Name: "slack", BaseURL: "https://slack.com"})
		call := fromHTTP(t, slack.New(), c, "POST", "/api/chat.postMessage", "", jsonHeader, `{"channel":"C0123ABCDE","text":"We are live! :rocket:"}`)
		a, req := held(t, c, call, []aos.ApprovalPoint{aos.PointPublicClaim}, "public-claim: the operation publishes under the company's name")
		golden(t, "slack", view.Input{Approval: a, Request: req, ConnectionType: "slack", Department: "marketing"})
	})

	t.Run("email", func(t *testing.T) {
		k := email.New()
		c := configure(t, k, &aos.Connection{Name: "mail", BaseURL: "smtp://mail.example.com:587?internal=acme.example"})
		call := fromCall(t, k, c, "send", `{"from":"news@acme.example","to":["bob@example.org","carol@example.net"],"bcc":["dan@example.com"],"subject":"Our spring update","text":"Hello,\nwe shipped.\n"}`)
		// The message's Date and Message-ID are the connector's; fix them
		// so that the golden file stays put.
		call.Upstream.Body = []byte(fixDate(string(call.Upstream.Body)))
		call.Facts.Recipients = 3
		a, req := held(t, c, call, []aos.ApprovalPoint{aos.PointPublicClaim}, "public-claim: 3 recipients is more than 2")
		golden(t, "email", view.Input{Approval: a, Request: req, ConnectionType: "email", Department: "marketing"})
	})

	t.Run("email_personal", func(t *testing.T) {
		k := email.New()
		c := configure(t, k, &aos.Connection{Name: "mail", BaseURL: "smtp://mail.example.com:587?internal=acme.example"})
		call := fromCall(t, k, c, "send", `{"from":"ops@acme.example","to":["partner@example.org"],"subject":"List for ada@customer.example","text":"ada@customer.example, +1 415 555 0100"}`)
		call.Upstream.Body = []byte(fixDate(string(call.Upstream.Body)))
		call.Facts.Personal = []string{"email", "phone"}
		a, req := held(t, c, call, []aos.ApprovalPoint{aos.PointCustomerData}, "customer-data: the payload carries personal data (email, phone) and strict mode is on")
		text := golden(t, "email_personal", view.Input{Approval: a, Request: req, ConnectionType: "email"})
		for _, v := range []string{"ada@customer.example", "555", "partner@"} {
			if strings.Contains(text, v) {
				t.Errorf("the view shows %q", v)
			}
		}
	})

	t.Run("ga4", func(t *testing.T) {
		k := ga4.New()
		c := configure(t, k, &aos.Connection{Name: "analytics", BaseURL: "https://analyticsdata.googleapis.com"})
		call := fromCall(t, k, c, "sendEvents", `{"property":"123","measurement_id":"G-ABC123","client_id":"555.666","events":[{"name":"signup","params":{"plan":"pro"}}]}`)
		a, req := held(t, c, call, []aos.ApprovalPoint{aos.PointCustomerData}, "customer-data: the operation shares data outside the boundary")
		golden(t, "ga4", view.Input{Approval: a, Request: req, ConnectionType: "ga4"})
	})

	t.Run("postgres", func(t *testing.T) {
		k := postgres.New()
		c := configure(t, k, &aos.Connection{Name: "db", BaseURL: "postgres://db.internal:5432/shop"})
		call := fromCall(t, k, c, "execute", `{"sql":"ALTER TABLE orders\n  ADD COLUMN refunded boolean DEFAULT $1","params":[false]}`)
		a, req := held(t, c, call, []aos.ApprovalPoint{aos.PointProduction}, "production: the operation changes production")
		golden(t, "postgres", view.Input{Approval: a, Request: req, ConnectionType: "postgres", Department: "engineering"})
	})

	t.Run("redaction", func(t *testing.T) {
		a := &aos.Approval{ID: "ap_test0000002", Kind: aos.ApprovalRedaction, Points: []aos.ApprovalPoint{aos.PointAuditEdit},
			Requester: "owner", RedactEntry: 12, Purpose: "a customer's address was logged by mistake",
			Reasons: []string{"audit-edit: removing evidence content needs the owner's approval"}}
		golden(t, "redaction", view.Input{Approval: a, Request: []byte(`{"redact_entry":12,"reason":"x"}`)})
	})

	t.Run("unopened", func(t *testing.T) {
		c := configure(t, rest.New(), &aos.Connection{Name: "crm", BaseURL: "https://api.example.com/"})
		call := fromHTTP(t, rest.New(), c, "DELETE", "/v1/contacts/9", "", nil, "")
		a, _ := held(t, c, call, []aos.ApprovalPoint{aos.PointProduction})
		text := view.Render(view.Input{Approval: a, ConnectionType: "http", RequesterGone: true}).Text
		if !strings.Contains(text, "could not be opened; it will not be sent") || !strings.Contains(text, "since removed") {
			t.Errorf("view of a request that does not open:\n%s", text)
		}
	})
}

// fixDate replaces the Date and Message-ID of a message with fixed ones.
func fixDate(msg string) string {
	lines := strings.Split(msg, "\r\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "Date: "):
			lines[i] = "Date: Fri, 04 Dec 2026 20:00:00 +0000"
		case strings.HasPrefix(l, "Message-ID: "):
			lines[i] = "Message-ID: <fixed@acme.example>"
		}
	}
	return strings.Join(lines, "\r\n")
}
