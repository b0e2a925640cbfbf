package stripe

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

const testKey = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"

// seen is what a fake Stripe received.
type seen struct {
	method, uri, auth, body string
	header                  http.Header
}

// fakeStripe records requests and answers with status and body.
type fakeStripe struct {
	mu     sync.Mutex
	got    []seen
	status int
	body   string
}

func (f *fakeStripe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.got = append(f.got, seen{r.Method, r.RequestURI, r.Header.Get("Authorization"), string(b), r.Header.Clone()})
	status, body := f.status, f.body
	f.mu.Unlock()
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func (f *fakeStripe) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.got...)
}

func startFake(t *testing.T, status int, body string) (*fakeStripe, *aos.Connection) {
	t.Helper()
	f := &fakeStripe{status: status, body: body}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, conn(t, srv.URL)
}

func mustCall(t *testing.T, c *aos.Connection, method, path, query, body string) *connector.Call {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer aos_agent_abc"}, "Idempotency-Key": {"k1"}}
	if method == "POST" {
		h.Set("Content-Type", formType)
	}
	call, err := New().FromHTTP(c, &connector.HTTPRequest{Method: method, RawPath: path, RawQuery: query, Header: h, Body: []byte(body)})
	if err != nil {
		t.Fatalf("FromHTTP: %v", err)
	}
	return call
}

func TestConnector_Do(t *testing.T) {
	f, c := startFake(t, 200, `{"id":"re_1","object":"refund"}`)
	call := mustCall(t, c, "POST", "/v1/refunds", "", "charge=ch_1&amount=500&currency=usd")
	resp, err := New().Do(context.Background(), c, vault.NewSecret([]byte(testKey+"\n")), call)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || string(resp.Body) != `{"id":"re_1","object":"refund"}` {
		t.Fatalf("response = %d %s", resp.Status, resp.Body)
	}
	got := f.requests()
	if len(got) != 1 {
		t.Fatalf("upstream saw %d requests", len(got))
	}
	r := got[0]
	if r.method != "POST" || r.uri != "/v1/refunds" || r.body != "charge=ch_1&amount=500&currency=usd" {
		t.Fatalf("upstream saw %s %s %q", r.method, r.uri, r.body)
	}
	if r.auth != "Bearer "+testKey {
		t.Fatalf("upstream Authorization = %q; want the connection's key", r.auth)
	}
	if r.header.Get("Idempotency-Key") != "k1" || r.header.Get("Content-Type") != formType {
		t.Fatalf("upstream headers = %v", r.header)
	}
}

// recheckAndDo sends a call as the gateway sends an approved one: read
// again by connector.Recheck, then sent by Do as decided.
func recheckAndDo(c *aos.Connection, call *connector.Call) (*connector.Response, error) {
	k := New()
	if err := connector.Recheck(k, c, call); err != nil {
		return nil, err
	}
	return k.Do(context.Background(), c, vault.NewSecret([]byte(testKey)), call)
}

// TestConnector_Do_refuses checks what a call sealed for an approval may
// not become before it is sent.
func TestConnector_Do_refuses(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(c *aos.Connection, call *connector.Call)
		code   string
	}{
		{"other host", func(_ *aos.Connection, call *connector.Call) {
			call.Upstream.URL = strings.Replace(call.Upstream.URL, "127.0.0.1", "localhost", 1)
		}, aos.EOutOfScope},
		{"other operation", func(_ *aos.Connection, call *connector.Call) {
			call.Upstream.URL = strings.Replace(call.Upstream.URL, "/v1/refunds", "/v1/customers", 1)
		}, aos.EUnknownOperation},
		{"other method", func(_ *aos.Connection, call *connector.Call) { call.Upstream.Method = "DELETE" }, aos.EUnknownOperation},
		{"expanded", func(_ *aos.Connection, call *connector.Call) { call.Upstream.URL += "?expand[]=data.customer" }, aos.EOutOfScope},
		{"unknown path", func(_ *aos.Connection, call *connector.Call) {
			call.Upstream.URL = strings.Replace(call.Upstream.URL, "/v1/refunds", "/v1/accounts", 1)
		}, aos.EUnknownOperation},
		{"connected account", func(_ *aos.Connection, call *connector.Call) {
			call.Upstream.Header = http.Header{"Stripe-Account": {"acct_1"}}
		}, aos.EOutOfScope},
		{"user info", func(_ *aos.Connection, call *connector.Call) {
			call.Upstream.URL = strings.Replace(call.Upstream.URL, "http://", "http://u:p@", 1)
		}, aos.EOutOfScope},
		{"no upstream", func(_ *aos.Connection, call *connector.Call) { call.Upstream = nil }, aos.EBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := startFake(t, 200, `{}`)
			call := mustCall(t, c, "GET", "/v1/refunds", "", "")
			tt.tamper(c, call)
			_, err := recheckAndDo(c, call)
			if aos.ErrorCode(err) != tt.code {
				t.Fatalf("Do = %v; want %s", err, tt.code)
			}
			if n := len(f.requests()); n != 0 {
				t.Fatalf("upstream saw %d requests", n)
			}
		})
	}
}

func TestConnector_Do_refusesOtherFacts(t *testing.T) {
	f, c := startFake(t, 200, `{}`)
	call := mustCall(t, c, "POST", "/v1/refunds", "", "charge=ch_1&amount=500&currency=usd")
	call.Upstream.Body = []byte("charge=ch_1&amount=500000&currency=usd")
	if _, err := recheckAndDo(c, call); aos.ErrorCode(err) != aos.EUnknownOperation {
		t.Fatalf("Do with a larger amount = %v; want unknown_operation", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("upstream saw %d requests", n)
	}
}

func TestConnector_Do_agentHeaders(t *testing.T) {
	f, c := startFake(t, 200, `{}`)
	call, err := New().FromHTTP(c, &connector.HTTPRequest{Method: "GET", RawPath: "/v1/refunds", RawQuery: "limit=1",
		Header: http.Header{"Authorization": {"Basic YWdlbnQ6"}, "Cookie": {"a=b"}, "Stripe-Version": {"2026-08-26"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New().Do(context.Background(), c, vault.NewSecret([]byte(testKey)), call); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.auth != "Bearer "+testKey || r.header.Get("Cookie") != "" || r.header.Get("Stripe-Version") != "2026-08-26" {
		t.Fatalf("upstream headers = %v", r.header)
	}
}

func TestConnector_Do_scrubsKey(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"whole", `{"error":{"message":"Invalid API Key provided: ` + testKey + `"}}`, `{"error":{"message":"Invalid API Key provided: [redacted]"}}`},
		{"masked", `{"error":{"message":"Invalid API Key provided: sk_test_************p7dc"}}`, `{"error":{"message":"Invalid API Key provided: [redacted]"}}`},
		{"masked restricted", `{"error":{"message":"The provided key 'rk_live_*****abcd' does not have access"}}`, `{"error":{"message":"The provided key '[redacted]' does not have access"}}`},
		{"plain", `{"object":"refund","id":"re_1"}`, `{"object":"refund","id":"re_1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startFake(t, 401, tt.body)
			resp, err := New().Do(context.Background(), c, vault.NewSecret([]byte(testKey)), mustCall(t, c, "GET", "/v1/refunds", "", ""))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != 401 || string(resp.Body) != tt.want {
				t.Fatalf("response = %d %s; want %s", resp.Status, resp.Body, tt.want)
			}
		})
	}
}

func TestConnector_Do_badKey(t *testing.T) {
	for _, key := range []string{"", "pk_test_abcdefghijkl", "sk_test_abc\r\ndef12345", "not a key at all"} {
		f, c := startFake(t, 200, `{}`)
		_, err := New().Do(context.Background(), c, vault.NewSecret([]byte(key)), mustCall(t, c, "GET", "/v1/refunds", "", ""))
		if aos.ErrorCode(err) != aos.EUpstream || key != "" && strings.Contains(aos.ErrorMessage(err), key) {
			t.Fatalf("Do with key %q = %v; want upstream_error without the key", key, err)
		}
		if n := len(f.requests()); n != 0 {
			t.Fatalf("upstream saw %d requests", n)
		}
	}
}

func TestConnector_Do_unreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	c := conn(t, srv.URL)
	srv.Close()
	_, err := New().Do(context.Background(), c, vault.NewSecret([]byte(testKey)), mustCall(t, c, "GET", "/v1/refunds", "", ""))
	if aos.ErrorCode(err) != aos.EUpstream || strings.Contains(aos.ErrorMessage(err), testKey) {
		t.Fatalf("Do = %v; want upstream_error without the key", err)
	}
}
