package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// payOps is the operation file of the "pay" connection in these tests.
const payOps = `# payments
operations:
  - name: charges.list
    method: GET
    path: /v1/charges
    access: read
  - name: charges.create
    method: POST
    path: /v1/charges
    access: write
    points: [money]
    facts: {amount: form:amount, currency: form:currency}
  - name: refunds.create
    method: POST
    path: /v1/refunds
    access: write
    points: [money]
    facts:
      amount: /amount
      currency: /currency
  - name: refunds.cancel
    method: POST
    path: /v1/refunds/{id}/cancel
    access: write
  - name: refunds.cancel-all
    method: POST
    path: /v1/refunds/all/cancel
    access: write
    points: [production]
  - name: emails.send
    method: POST
    path: /v1/emails
    access: write
    points: [public-claim]
    facts: {recipients: /to, public: query:public}
  - name: search
    method: POST
    path: /v1/search
    access: read
`

// pay returns the configured "pay" connection with base URL base.
func pay(t *testing.T, base string) *aos.Connection {
	t.Helper()
	c := &aos.Connection{ID: 2, Name: "pay", Type: Type, BaseURL: base, Config: []byte(payOps)}
	if err := New().Configure(c); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return c
}

func TestConnector_Configure_operations(t *testing.T) {
	normal := pay(t, "https://x.com").Config
	if !json.Valid(normal) || !strings.HasPrefix(string(normal), `{"operations":[{"name":"charges.list"`) {
		t.Fatalf("Config = %s; want the normal form", normal)
	}
	asString, _ := json.Marshal(payOps)
	var asJSON bytes.Buffer
	json.Indent(&asJSON, normal, "", "  ")
	for name, config := range map[string]string{
		"YAML": payOps, "JSON string": string(asString), "indented JSON": asJSON.String(), "normal form": string(normal),
	} {
		t.Run(name, func(t *testing.T) {
			c := &aos.Connection{Name: "pay", BaseURL: "https://x.com", Config: []byte(config)}
			if err := New().Configure(c); err != nil {
				t.Fatal(err)
			}
			if string(c.Config) != string(normal) {
				t.Fatalf("Config = %s\nwant %s", c.Config, normal)
			}
		})
	}

	for _, none := range []string{"", " \n", "null"} {
		c := &aos.Connection{Name: "pay", BaseURL: "https://x.com", Config: []byte(none)}
		if err := New().Configure(c); err != nil || c.Config != nil {
			t.Errorf("Configure with config %q: %v, config %q; want no declared operations", none, err, c.Config)
		}
	}

	tests := []struct {
		name, base, config string
		msg                string
	}{
		{"bad point", "https://x.com", strings.Replace(payOps, "[money]", "[mony]", 1),
			`operations:11: operation "charges.create": unknown point "mony"`},
		{"bad YAML", "https://x.com", "operations:\n\t- x\n", "operations:2: not valid YAML"},
		{"bad JSON string", "https://x.com", `"operations: \x"`, "does not decode"},
		{"JSON string of nothing", "https://x.com", `""`, "operations: the file is empty"},
		{"no operations", "https://x.com", `{"operations": []}`, "operations is empty"},
		{"bad base URL", "ftp://x.com", payOps, "base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &aos.Connection{Name: "pay", BaseURL: tt.base, Config: []byte(tt.config)}
			err := New().Configure(c)
			if aos.ErrorCode(err) != aos.EBadRequest || !strings.Contains(aos.ErrorMessage(err), tt.msg) {
				t.Fatalf("Configure: %v; want bad_request with %q", err, tt.msg)
			}
			if string(c.Config) != tt.config || c.BaseURL != tt.base {
				t.Errorf("a failed Configure changed the connection")
			}
		})
	}
}

func TestConnector_FromHTTP_declared(t *testing.T) {
	tests := []struct {
		name     string
		req      connector.HTTPRequest
		wantOp   string
		wantAcc  aos.Access
		facts    aos.Facts
		wantCode string
		wantMsg  string
	}{
		{name: "read", req: connector.HTTPRequest{Method: "GET", RawPath: "/v1/charges"},
			wantOp: "charges.list", wantAcc: aos.Read},
		{name: "read by POST", req: connector.HTTPRequest{Method: "post", RawPath: "/v1/search", Body: []byte(`{"q": 1}`)},
			wantOp: "search", wantAcc: aos.Read},
		{name: "form amount", req: connector.HTTPRequest{Method: "POST", RawPath: "/v1/charges",
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte("amount=150000&currency=usd")},
			wantOp: "charges.create", wantAcc: aos.Write, facts: aos.Facts{Amount: 150000, Currency: "USD"}},
		{name: "json amount", req: connector.HTTPRequest{Method: "POST", RawPath: "/v1/refunds",
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"amount": 1250, "currency": "eur"}`)},
			wantOp: "refunds.create", wantAcc: aos.Write, facts: aos.Facts{Amount: 1250, Currency: "EUR"}},
		{name: "amount unreadable without type", req: connector.HTTPRequest{Method: "POST", RawPath: "/v1/refunds",
			Body: []byte(`{"amount": 1250, "currency": "eur"}`)},
			wantOp: "refunds.create", wantAcc: aos.Write, facts: aos.Facts{AmountUnknown: true}},
		{name: "amount unreadable with two types", req: connector.HTTPRequest{Method: "POST", RawPath: "/v1/refunds",
			Header: http.Header{"Content-Type": {"application/json"}, "content-type": {"text/plain"}},
			Body:   []byte(`{"amount": 1250, "currency": "eur"}`)},
			wantOp: "refunds.create", wantAcc: aos.Write, facts: aos.Facts{AmountUnknown: true}},
		{name: "recipients and query", req: connector.HTTPRequest{Method: "POST", RawPath: "/v1/emails", RawQuery: "public=true",
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"to": ["a@x", "b@x"]}`)},
			wantOp: "emails.send", wantAcc: aos.Write, facts: aos.Facts{Recipients: 2, Public: true}},
		{name: "param", req: connector.HTTPRequest{Method: "POST", RawPath: "/v1/refunds/re_1/cancel"},
			wantOp: "refunds.cancel", wantAcc: aos.Write},
		{name: "escaped param", req: connector.HTTPRequest{Method: "POST", RawPath: "/v1/refunds/re%201/cancel"},
			wantOp: "refunds.cancel", wantAcc: aos.Write},
		{name: "literal beats param", req: connector.HTTPRequest{Method: "POST", RawPath: "/v1/refunds/all/cancel"},
			wantOp: "refunds.cancel-all", wantAcc: aos.Write, facts: aos.Facts{Production: true}},

		{name: "undeclared path", req: connector.HTTPRequest{Method: "POST", RawPath: "/v1/x"},
			wantCode: aos.EUnknownOperation, wantMsg: "POST /v1/x is not a declared operation of connection pay"},
		{name: "undeclared method", req: connector.HTTPRequest{Method: "DELETE", RawPath: "/v1/charges"},
			wantCode: aos.EUnknownOperation},
		{name: "HEAD is not GET", req: connector.HTTPRequest{Method: "HEAD", RawPath: "/v1/charges"},
			wantCode: aos.EUnknownOperation},
		{name: "trailing slash", req: connector.HTTPRequest{Method: "GET", RawPath: "/v1/charges/"},
			wantCode: aos.EUnknownOperation},
		{name: "encoded slash in param", req: connector.HTTPRequest{Method: "POST", RawPath: "/v1/refunds/a%2Fb/cancel"},
			wantCode: aos.EBadRequest},
		{name: "trace", req: connector.HTTPRequest{Method: "TRACE", RawPath: "/v1/charges"},
			wantCode: aos.EUnknownOperation},
	}
	c := pay(t, "https://api.example.com/base")
	k := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call, err := k.FromHTTP(c, &tt.req)
			if tt.wantCode != "" {
				if aos.ErrorCode(err) != tt.wantCode || !strings.Contains(aos.ErrorMessage(err), tt.wantMsg) {
					t.Fatalf("FromHTTP: %v; want %s with %q", err, tt.wantCode, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if call.Operation.Name != tt.wantOp || call.Operation.Access != tt.wantAcc {
				t.Errorf("operation %+v, want %s (%s)", call.Operation, tt.wantOp, tt.wantAcc)
			}
			if !connector.SameFacts(call.Facts, tt.facts) {
				t.Errorf("facts %+v, want %+v", call.Facts, tt.facts)
			}
			if call.Upstream.Method != strings.ToUpper(tt.req.Method) || !strings.HasPrefix(call.Upstream.URL, "https://api.example.com/base/v1/") {
				t.Errorf("upstream %s %s", call.Upstream.Method, call.Upstream.URL)
			}
		})
	}
}

func TestConnector_FromCall_declared(t *testing.T) {
	tests := []struct {
		name, op, args string
		wantURL        string
		facts          aos.Facts
		wantCode       string
		wantMsg        string
	}{
		{name: "default path", op: "charges.list", args: `{}`, wantURL: "https://x.com/v1/charges"},
		{name: "default path with query", op: "charges.list", args: `{"query": "limit=3"}`, wantURL: "https://x.com/v1/charges?limit=3"},
		{name: "json body", op: "refunds.create", args: `{"body": {"amount": 500, "currency": "usd"}}`,
			wantURL: "https://x.com/v1/refunds", facts: aos.Facts{Amount: 500, Currency: "USD"}},
		{name: "json body as text", op: "refunds.create", args: `{"body_text": "{\"amount\": 500, \"currency\": \"usd\"}"}`,
			wantURL: "https://x.com/v1/refunds", facts: aos.Facts{AmountUnknown: true}},
		{name: "form body", op: "charges.create",
			args:    `{"body_text": "amount=99&currency=usd", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}`,
			wantURL: "https://x.com/v1/charges", facts: aos.Facts{Amount: 99, Currency: "USD"}},
		{name: "no body", op: "refunds.create", args: `{"path": "/v1/refunds"}`,
			wantURL: "https://x.com/v1/refunds", facts: aos.Facts{AmountUnknown: true}},
		{name: "path with param", op: "refunds.cancel", args: `{"path": "/v1/refunds/re_1/cancel"}`,
			wantURL: "https://x.com/v1/refunds/re_1/cancel"},
		{name: "query facts", op: "emails.send", args: `{"query": "public=false", "body": {"to": "a@x,b@x,c@x"}}`,
			wantURL: "https://x.com/v1/emails?public=false", facts: aos.Facts{Recipients: 3}},

		{name: "param path required", op: "refunds.cancel", args: `{}`,
			wantCode: aos.EBadRequest, wantMsg: "args.path is required: operation refunds.cancel has the path pattern /v1/refunds/{id}/cancel"},
		{name: "path of another operation", op: "refunds.cancel", args: `{"path": "/v1/refunds/all/cancel"}`,
			wantCode: aos.EBadRequest, wantMsg: "args.path /v1/refunds/all/cancel is not a path of operation refunds.cancel (POST /v1/refunds/{id}/cancel)"},
		{name: "path of no operation", op: "charges.list", args: `{"path": "/v1/other"}`,
			wantCode: aos.EBadRequest, wantMsg: "not a path of operation charges.list"},
		{name: "traversal", op: "refunds.cancel", args: `{"path": "/v1/refunds/../cancel"}`, wantCode: aos.EOutOfScope},
		{name: "unknown name", op: "refunds.delete", args: `{}`,
			wantCode: aos.EUnknownOperation, wantMsg: `operation "refunds.delete" is not declared by connection pay (its operations: charges.list, charges.create`},
		{name: "method name", op: "GET", args: `{"path": "/v1/charges"}`, wantCode: aos.EUnknownOperation},
		{name: "bad args", op: "charges.list", args: `{"url": "x"}`, wantCode: aos.EBadRequest, wantMsg: `"url"`},
	}
	c := pay(t, "https://x.com")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call, err := New().FromCall(c, tt.op, json.RawMessage(tt.args))
			if tt.wantCode != "" {
				if aos.ErrorCode(err) != tt.wantCode || !strings.Contains(aos.ErrorMessage(err), tt.wantMsg) {
					t.Fatalf("FromCall: %v; want %s with %q", err, tt.wantCode, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if call.Operation.Name != tt.op || call.Upstream.URL != tt.wantURL {
				t.Errorf("call %s to %s; want %s to %s", call.Operation.Name, call.Upstream.URL, tt.op, tt.wantURL)
			}
			if !connector.SameFacts(call.Facts, tt.facts) {
				t.Errorf("facts %+v, want %+v", call.Facts, tt.facts)
			}
		})
	}
}

// TestConnector_Do_declared sends declared operations end to end and
// checks that Do refuses a call whose operation or facts are not what its
// request says.
func TestConnector_Do_declared(t *testing.T) {
	up := newUpstream(t, nil)
	c := pay(t, up.URL)
	k := New()
	secret := vault.NewSecret([]byte(sealed))
	refund := func(t *testing.T) *connector.Call {
		t.Helper()
		call, err := k.FromCall(c, "refunds.create", json.RawMessage(`{"body": {"amount": 150000, "currency": "usd"}}`))
		if err != nil {
			t.Fatal(err)
		}
		call.Facts.Sensitive = []string{"payment_card"} // the gateway's scan adds to the facts
		return call
	}

	t.Run("sent", func(t *testing.T) {
		proxiedCall, err := k.FromHTTP(c, &connector.HTTPRequest{Method: "POST", RawPath: "/v1/refunds/re_1/cancel", RawQuery: "x=1"})
		if err != nil {
			t.Fatal(err)
		}
		for _, call := range []*connector.Call{refund(t), proxiedCall} {
			// As an approval seals and opens it.
			b, _ := json.Marshal(call)
			var opened connector.Call
			json.Unmarshal(b, &opened)
			if resp, err := k.Do(context.Background(), c, secret, &opened); err != nil || resp.Status != 200 {
				t.Fatalf("Do %s: %v, %v", call.Operation.Name, resp, err)
			}
		}
		got := up.seen(t)
		if len(got) != 2 || got[0].Method != "POST" || got[0].RequestURI != "/v1/refunds" ||
			got[0].Body != `{"amount": 150000, "currency": "usd"}` || got[1].RequestURI != "/v1/refunds/re_1/cancel?x=1" {
			t.Fatalf("upstream saw %+v", got)
		}
		want(t, got[0], "Authorization", "Bearer "+sealed)
	})

	refusals := map[string]func(call *connector.Call){
		"operation renamed": func(call *connector.Call) { call.Operation.Name = "charges.list" },
		"access lowered":    func(call *connector.Call) { call.Operation.Access = aos.Read },
		"method rule name":  func(call *connector.Call) { call.Operation = aos.Operation{Name: "POST", Access: aos.Write} },
		"amount lowered":    func(call *connector.Call) { call.Facts.Amount = 100 },
		"amount known": func(call *connector.Call) {
			call.Facts = aos.Facts{Amount: 150000, Currency: "USD", AmountUnknown: true}
		},
		"body changed":         func(call *connector.Call) { call.Upstream.Body = []byte(`{"amount": 9999999, "currency": "usd"}`) },
		"content type dropped": func(call *connector.Call) { call.Upstream.Header.Del("Content-Type") },
		"other operation's path": func(call *connector.Call) {
			call.Resource = "/v1/charges"
			call.Upstream.URL = up.URL + "/v1/charges"
		},
	}
	for name, change := range refusals {
		t.Run(name, func(t *testing.T) {
			before := len(up.seen(t))
			call := refund(t)
			change(call)
			_, err := recheckAndDo(k, c, secret, call)
			if code := aos.ErrorCode(err); code != aos.EUnknownOperation {
				t.Fatalf("Do: %v; want unknown_operation", err)
			}
			if len(up.seen(t)) != before {
				t.Fatal("the upstream saw the request")
			}
		})
	}

	t.Run("stored config altered", func(t *testing.T) {
		bad := *c
		bad.Config = []byte(`{"operations": "x"}`)
		before := len(up.seen(t))
		_, err := k.Do(context.Background(), &bad, secret, refund(t))
		if aos.ErrorCode(err) != aos.EInternal || len(up.seen(t)) != before {
			t.Fatalf("Do with an altered config: %v", err)
		}
		if _, err := k.FromHTTP(&bad, &connector.HTTPRequest{Method: "GET", RawPath: "/v1/charges"}); aos.ErrorCode(err) != aos.EInternal {
			t.Fatalf("FromHTTP with an altered config: %v", err)
		}
	})

	t.Run("declarations removed", func(t *testing.T) {
		// A connection reconfigured without operations no longer knows
		// the name a held call was authorised under.
		plain := *c
		plain.Config = nil
		if _, err := recheckAndDo(k, &plain, secret, refund(t)); aos.ErrorCode(err) != aos.EUnknownOperation {
			t.Fatalf("Do: %v; want unknown_operation", err)
		}
	})
}

func TestConnector_DeclaredOperations(t *testing.T) {
	k := New()
	ops, err := k.DeclaredOperations(pay(t, "https://x.com"))
	if err != nil || len(ops) != 7 || ops[1].Name != "charges.create" || ops[1].Points[0] != aos.PointMoney {
		t.Fatalf("DeclaredOperations = %+v, %v", ops, err)
	}
	if ops, err := k.DeclaredOperations(configured(t, "https://x.com", "")); ops != nil || err != nil {
		t.Fatalf("DeclaredOperations without config = %+v, %v", ops, err)
	}
}

func TestConnector_parsesOncePerVersion(t *testing.T) {
	k := New()
	c := pay(t, "https://x.com")
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call, err := k.FromHTTP(c, &connector.HTTPRequest{Method: "GET", RawPath: "/v1/charges"})
			if err != nil || call.Operation.Name != "charges.list" {
				t.Errorf("FromHTTP: %v, %v", call, err)
			}
		}()
	}
	wg.Wait()
	first, err := configs.Get(c)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := configs.Get(c); again != first {
		t.Fatal("one connection version was parsed twice")
	}
	changed := *c
	changed.Config = []byte(`{"operations":[{"name":"op","method":"GET","path":"/","access":"read"}]}`)
	other, err := configs.Get(&changed)
	if err != nil || other == first || other.ops.table.Operations()[0].Name != "op" {
		t.Fatalf("a changed connection kept its old settings: %+v, %v", other, err)
	}
}
