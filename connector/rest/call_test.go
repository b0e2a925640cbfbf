package rest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// agentHeader is a proxied request's headers with everything the gateway
// must not forward (but need not refuse), plus a few it must forward.
func agentHeader() http.Header {
	return http.Header{
		"Accept":              {"application/json"},
		"Content-Type":        {"application/json"},
		"User-Agent":          {"sdk/1.0"},
		"X-Request-Id":        {"r-1"},
		"Authorization":       {"Bearer aos_agent_token"},
		"Cookie":              {"session=agent"},
		"Host":                {"evil.example"},
		"Connection":          {"keep-alive, X-Hop"},
		"X-Hop":               {"named by Connection"},
		"Keep-Alive":          {"timeout=5"},
		"Proxy-Authorization": {"Basic eA=="},
		"Proxy-Connection":    {"keep-alive"},
		"Te":                  {"trailers"},
		"Trailer":             {"X-T"},
		"Transfer-Encoding":   {"chunked"},
		"Upgrade":             {"websocket"},
		"Aos-Purpose":         {"find leads"},
		"Aos-Recommendation":  {"approve"},
		"Content-Length":      {"999"},
		"Content-Encoding":    {"gzip"},
		"X-Custom":            {"not on the allow-list"},
		"Accept-Encoding":     {"br"},
		"X-Api-Key":           {"agent-key"},
		"X_api_key":           {"agent-key-2"},
	}
}

func TestConnector_FromHTTP_header(t *testing.T) {
	kept := []string{"Accept", "Content-Type", "User-Agent", "X-Request-Id"}
	tests := []struct {
		auth   string
		config string   // an operation file
		also   []string // kept besides the always-kept headers
	}{
		{auth: "bearer"},
		{auth: "basic"},
		{auth: "header:X-Api-Key"},
		{auth: "query:api_key"},
		{auth: "bearer", config: "headers: [x-custom]", also: []string{"X-Custom"}},
		{auth: "header:X-Request-Id", also: nil},
	}
	for _, tt := range tests {
		t.Run(tt.auth+" "+tt.config, func(t *testing.T) {
			c := &aos.Connection{ID: 1, Name: "crm", Type: Type, BaseURL: "https://api.example.com/base", Auth: tt.auth, Config: []byte(tt.config)}
			if err := New().Configure(c); err != nil {
				t.Fatal(err)
			}
			call, err := New().FromHTTP(c, &connector.HTTPRequest{
				Method: "GET", RawPath: "/v1/contacts", Header: agentHeader(),
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for name := range call.Upstream.Header {
				got = append(got, name)
			}
			want := append(slices.Clone(kept), tt.also...)
			if tt.auth == "header:X-Request-Id" { // the credential's header is never the agent's
				want = slices.DeleteFunc(want, func(h string) bool { return h == "X-Request-Id" })
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("forwarded headers %q, want %q", got, want)
			}
		})
	}
}

func TestConnector_FromHTTP(t *testing.T) {
	tests := []struct {
		name     string
		auth     string
		req      connector.HTTPRequest
		wantOp   aos.Operation
		wantRes  string
		wantURL  string
		wantCode string
	}{
		{name: "get", req: connector.HTTPRequest{Method: "GET", RawPath: "/v1/contacts/42"},
			wantOp: aos.Operation{Name: "GET", Access: aos.Read}, wantRes: "/v1/contacts/42",
			wantURL: "https://api.example.com/base/v1/contacts/42"},
		{name: "lower-case method", req: connector.HTTPRequest{Method: "head", RawPath: "/v1"},
			wantOp: aos.Operation{Name: "HEAD", Access: aos.Read}, wantRes: "/v1",
			wantURL: "https://api.example.com/base/v1"},
		{name: "post", req: connector.HTTPRequest{Method: "POST", RawPath: "/v1/contacts", Body: []byte(`{}`)},
			wantOp: aos.Operation{Name: "POST", Access: aos.Write}, wantRes: "/v1/contacts",
			wantURL: "https://api.example.com/base/v1/contacts"},
		{name: "root", req: connector.HTTPRequest{Method: "GET", RawPath: "/"},
			wantOp: aos.Operation{Name: "GET", Access: aos.Read}, wantRes: "/",
			wantURL: "https://api.example.com/base/"},
		{name: "re-escaped path and query as sent",
			req:    connector.HTTPRequest{Method: "GET", RawPath: "/v1/a%20b/caf%c3%a9/%3F", RawQuery: "q=a+b&x=%2F&filter[name]=x"},
			wantOp: aos.Operation{Name: "GET", Access: aos.Read}, wantRes: "/v1/a b/café/?",
			wantURL: "https://api.example.com/base/v1/a%20b/caf%C3%A9/%3F?q=a+b&x=%2F&filter[name]=x"},
		{name: "query credential removed", auth: "query:api_key",
			req:    connector.HTTPRequest{Method: "GET", RawPath: "/v1", RawQuery: "a=1&api_key=agent&API_KEY=x&api.key=y&api%5Fkey=z&b=2"},
			wantOp: aos.Operation{Name: "GET", Access: aos.Read}, wantRes: "/v1",
			wantURL: "https://api.example.com/base/v1?a=1&b=2"},
		{name: "only the query credential", auth: "query:api_key",
			req:    connector.HTTPRequest{Method: "GET", RawPath: "/v1", RawQuery: "api_key=agent"},
			wantOp: aos.Operation{Name: "GET", Access: aos.Read}, wantRes: "/v1",
			wantURL: "https://api.example.com/base/v1"},

		{name: "traversal", req: connector.HTTPRequest{Method: "GET", RawPath: "/v1/contacts/../admin"}, wantCode: aos.EOutOfScope},
		{name: "other host", req: connector.HTTPRequest{Method: "GET", RawPath: "//evil.com/x"}, wantCode: aos.EOutOfScope},
		{name: "empty path", req: connector.HTTPRequest{Method: "GET", RawPath: ""}, wantCode: aos.EBadRequest},
		{name: "trace", req: connector.HTTPRequest{Method: "TRACE", RawPath: "/v1"}, wantCode: aos.EUnknownOperation},
		{name: "garbage method", req: connector.HTTPRequest{Method: "GET /x HTTP/1.1\r\n", RawPath: "/v1"}, wantCode: aos.EBadRequest},
		{name: "bad escape in query", req: connector.HTTPRequest{Method: "GET", RawPath: "/v1", RawQuery: "a=%zz"}, wantCode: aos.EBadRequest},
		{name: "semicolon query", req: connector.HTTPRequest{Method: "GET", RawPath: "/v1", RawQuery: "a=1;b=2"}, wantCode: aos.EBadRequest},
		{name: "space in query", req: connector.HTTPRequest{Method: "GET", RawPath: "/v1", RawQuery: "a=1 HTTP/1.1"}, wantCode: aos.EBadRequest},
		{name: "fragment in query", req: connector.HTTPRequest{Method: "GET", RawPath: "/v1", RawQuery: "a=1#x"}, wantCode: aos.EBadRequest},
		{name: "CRLF header", req: connector.HTTPRequest{Method: "GET", RawPath: "/v1",
			Header: http.Header{"X-Request-Id": {"a\r\nHost: evil"}}}, wantCode: aos.EBadRequest},
		{name: "bad header name", req: connector.HTTPRequest{Method: "GET", RawPath: "/v1",
			Header: http.Header{"X A": {"a"}}}, wantCode: aos.EBadRequest},
		{name: "body too large", req: connector.HTTPRequest{Method: "POST", RawPath: "/v1",
			Body: make([]byte, connector.MaxBody+1)}, wantCode: aos.ETooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := configured(t, "https://api.example.com/base/", tt.auth)
			call, err := New().FromHTTP(c, &tt.req)
			if tt.wantCode != "" {
				if aos.ErrorCode(err) != tt.wantCode {
					t.Fatalf("FromHTTP: %v; want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if call.Operation.Name != tt.wantOp.Name || call.Operation.Access != tt.wantOp.Access {
				t.Errorf("operation %+v, want %+v", call.Operation, tt.wantOp)
			}
			if call.Resource != tt.wantRes {
				t.Errorf("resource %q, want %q", call.Resource, tt.wantRes)
			}
			if call.Upstream.URL != tt.wantURL {
				t.Errorf("upstream URL %q, want %q", call.Upstream.URL, tt.wantURL)
			}
			if call.Upstream.Method != tt.wantOp.Name || string(call.Upstream.Body) != string(tt.req.Body) {
				t.Errorf("upstream %s with body %q", call.Upstream.Method, call.Upstream.Body)
			}
		})
	}
}

func TestConnector_FromCall(t *testing.T) {
	tests := []struct {
		name, op, args string
		wantURL        string
		wantBody       string
		wantType       string // Content-Type sent
		wantCode       string
		wantMsg        string // in the error message
	}{
		{name: "get", op: "GET", args: `{"path": "/v1/contacts", "query": "?a=1", "headers": {"accept": "application/json", "Authorization": "x", "AOS-Purpose": "p"}}`,
			wantURL: "https://x.com/v1/contacts?a=1"},
		{name: "json body", op: "post", args: `{"path": "/v1/contacts", "body": {"name": "Ada", "tags": [1, 2]}}`,
			wantURL: "https://x.com/v1/contacts", wantBody: `{"name": "Ada", "tags": [1, 2]}`, wantType: "application/json"},
		{name: "json body own type", op: "POST", args: `{"path": "/v1", "body": [], "headers": {"content-type": "application/vnd.api+json"}}`,
			wantURL: "https://x.com/v1", wantBody: `[]`, wantType: "application/vnd.api+json"},
		{name: "null body", op: "POST", args: `{"path": "/v1", "body": null}`, wantURL: "https://x.com/v1"},
		{name: "text body", op: "PUT", args: `{"path": "/v1/notes/1", "body_text": "hello\n"}`,
			wantURL: "https://x.com/v1/notes/1", wantBody: "hello\n", wantType: "text/plain; charset=utf-8"},
		{name: "query credential removed", op: "GET", args: `{"path": "/v1", "query": "api_key=agent&b=2"}`,
			wantURL: "https://x.com/v1?b=2"},

		{name: "bad operation", op: "GET ME", args: `{"path": "/v1"}`, wantCode: aos.EBadRequest, wantMsg: "operation"},
		{name: "trace", op: "TRACE", args: `{"path": "/v1"}`, wantCode: aos.EUnknownOperation},
		{name: "no args", op: "GET", args: ``, wantCode: aos.EBadRequest, wantMsg: "path"},
		{name: "null args", op: "GET", args: `null`, wantCode: aos.EBadRequest, wantMsg: "args.path"},
		{name: "no path", op: "GET", args: `{"query": "a=1"}`, wantCode: aos.EBadRequest, wantMsg: "args.path"},
		{name: "path not a string", op: "GET", args: `{"path": 1}`, wantCode: aos.EBadRequest, wantMsg: "args.path"},
		{name: "headers not strings", op: "GET", args: `{"path": "/v1", "headers": {"A": 1}}`, wantCode: aos.EBadRequest, wantMsg: "args.headers"},
		{name: "body_text not a string", op: "GET", args: `{"path": "/v1", "body_text": {}}`, wantCode: aos.EBadRequest, wantMsg: "args.body_text"},
		{name: "unknown field", op: "GET", args: `{"path": "/v1", "url": "http://evil/"}`, wantCode: aos.EBadRequest, wantMsg: `"url"`},
		{name: "both bodies", op: "POST", args: `{"path": "/v1", "body": 1, "body_text": "1"}`, wantCode: aos.EBadRequest, wantMsg: "body_text"},
		{name: "not an object", op: "GET", args: `["/v1"]`, wantCode: aos.EBadRequest, wantMsg: "object"},
		{name: "invalid JSON", op: "GET", args: `{"path": `, wantCode: aos.EBadRequest, wantMsg: "JSON"},
		{name: "trailing data", op: "GET", args: `{"path": "/v1"} {}`, wantCode: aos.EBadRequest, wantMsg: "single"},
		{name: "traversal", op: "GET", args: `{"path": "/v1/%2e%2e/admin"}`, wantCode: aos.EOutOfScope, wantMsg: "args.path"},
		{name: "query in path", op: "GET", args: `{"path": "/v1?a=1"}`, wantCode: aos.EBadRequest, wantMsg: "args.path"},
		{name: "absolute URL", op: "GET", args: `{"path": "https://evil.com/v1"}`, wantCode: aos.EOutOfScope, wantMsg: "args.path"},
		{name: "bad query", op: "GET", args: `{"path": "/v1", "query": "a=%"}`, wantCode: aos.EBadRequest, wantMsg: "args.query"},
		{name: "CRLF header", op: "GET", args: `{"path": "/v1", "headers": {"X-Request-Id": "a\r\nB: c"}}`, wantCode: aos.EBadRequest, wantMsg: "args.headers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := configured(t, "https://x.com", "query:api_key")
			call, err := New().FromCall(c, tt.op, json.RawMessage(tt.args))
			if tt.wantCode != "" {
				if aos.ErrorCode(err) != tt.wantCode || !strings.Contains(aos.ErrorMessage(err), tt.wantMsg) {
					t.Fatalf("FromCall: %v; want %s mentioning %s", err, tt.wantCode, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			up := call.Upstream
			if up.URL != tt.wantURL || string(up.Body) != tt.wantBody || up.Header.Get("Content-Type") != tt.wantType {
				t.Fatalf("upstream %s %s, body %q, Content-Type %q; want %s, %q, %q",
					up.Method, up.URL, up.Body, up.Header.Get("Content-Type"), tt.wantURL, tt.wantBody, tt.wantType)
			}
			if up.Method != strings.ToUpper(tt.op) || call.Operation.Name != up.Method {
				t.Errorf("method %s, operation %s", up.Method, call.Operation.Name)
			}
			for _, h := range []string{"Authorization", "Aos-Purpose"} {
				if up.Header.Get(h) != "" {
					t.Errorf("header %s forwarded", h)
				}
			}
		})
	}
}
