package connector_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aos-dev/aos/connector"
)

// vendor is a connector that asks for its vendor's headers, some of which
// must never pass whatever it asks.
type vendor struct {
	connector.Connector
	names []string
}

func (v vendor) AnswerHeaderNames() []string { return v.names }

func TestPassAnswerHeaders(t *testing.T) {
	const base, request = "https://api.example.com/v2", "https://api.example.com/v2/items?page=1"
	tests := []struct {
		name   string
		names  []string
		header http.Header
		want   http.Header
	}{
		{"common headers pass, others stay", nil,
			http.Header{"Content-Type": {"text/csv"}, "Content-Disposition": {"attachment"}, "Retry-After": {"5"},
				"Link": {`</v2/items?page=2>; rel="next"`}, "X-Powered-By": {"php"}, "Server": {"nginx"}},
			http.Header{"Content-Type": {"text/csv"}, "Content-Disposition": {"attachment"}, "Retry-After": {"5"},
				"Link": {`</v2/items?page=2>; rel="next"`}}},
		{"headers the Connection header names stay", nil,
			http.Header{"Connection": {"Etag, X-Internal"}, "X-Internal": {"1"}, "Keep-Alive": {"timeout=5"}, "Etag": {`"a"`}},
			http.Header{"Etag": {`"a"`}}},
		{"vendor headers pass with every value", []string{"Request-Id", "X-Vendor-Limit"},
			http.Header{"Request-Id": {"req_1"}, "X-Vendor-Limit": {"1", "2"}, "X-Other": {"x"}},
			http.Header{"Request-Id": {"req_1"}, "X-Vendor-Limit": {"1", "2"}}},
		{"a vendor cannot let credentials or sessions through",
			[]string{"set-cookie", "X-Api-Key", "X-Auth-Token", "Www-Authenticate", "Proxy-Authorization", "X-Session-Id",
				"Transfer-Encoding", "Content-Length", "Content-Encoding", "Idempotency-Key"},
			http.Header{"Set-Cookie": {"s=1"}, "X-Api-Key": {"k"}, "X-Auth-Token": {"t"}, "Www-Authenticate": {"Basic"},
				"Proxy-Authorization": {"p"}, "X-Session-Id": {"s"}, "Transfer-Encoding": {"chunked"},
				"Content-Length": {"9"}, "Content-Encoding": {"gzip"}, "Idempotency-Key": {"ik_1"}},
			http.Header{"Idempotency-Key": {"ik_1"}}},
		{"Location under the base URL", nil,
			http.Header{"Location": {"https://API.example.com/v2/items/7#frag"}},
			http.Header{"Location": {"/items/7"}}},
		{"relative Location", nil,
			http.Header{"Location": {"7?x=1"}},
			http.Header{"Location": {"/7?x=1"}}},
		{"Location on another host", nil, http.Header{"Location": {"https://evil.example/v2/items"}}, http.Header{}},
		{"Location over http", nil, http.Header{"Location": {"http://api.example.com/v2/items"}}, http.Header{}},
		{"Location above the base path", nil, http.Header{"Location": {"/v1/items"}}, http.Header{}},
		{"Location with user info", nil, http.Header{"Location": {"https://u:p@api.example.com/v2/x"}}, http.Header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var k connector.Connector = vendor{names: tt.names}
			got := connector.PassAnswerHeaders(k, tt.header, base, request)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for name, vs := range tt.want {
				if !slices.Equal(got[name], vs) {
					t.Errorf("%s = %q, want %q (all: %v)", name, got[name], vs, got)
				}
			}
		})
	}
}

// FuzzPassAnswerHeaders checks that whatever an upstream sends, only
// allow-listed headers pass, none that carry a credential or a session,
// and a Location only as a path that stays under the base URL.
func FuzzPassAnswerHeaders(f *testing.F) {
	for _, s := range [][3]string{
		{"Set-Cookie", "s=1", "https://api.example.com/v2/x"}, {"X-Api-Key", "k", "/v2/../v1/x"},
		{"Etag", `"a"`, "//evil.example/v2/x"}, {"Connection", "Etag", "https://api.example.com/v2"},
		{"Link", "<https://x>", "%2e%2e/x"}, {"Request-Id", "r", "https://api.example.com:443/v2/y?q=1#f"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	const base, request = "https://api.example.com/v2", "https://api.example.com/v2/items"
	k := vendor{names: []string{"Request-Id", "Set-Cookie", "X-Api-Key"}}
	allowed := append(append([]string(nil), connector.AnswerHeaders...), "Request-Id")
	f.Fuzz(func(t *testing.T, name, value, location string) {
		h := http.Header{}
		h.Add(name, value)
		h.Add("Location", location)
		got := connector.PassAnswerHeaders(k, h, base, request)
		for n := range got {
			if !slices.Contains(allowed, n) {
				t.Fatalf("%q passed: %v", n, got)
			}
		}
		loc := got.Get("Location")
		if loc == "" {
			return
		}
		u, err := url.Parse(base + loc)
		if !strings.HasPrefix(loc, "/") || err != nil || u.Host != "api.example.com" || !strings.HasPrefix(u.EscapedPath(), "/v2/") ||
			strings.Contains("/"+u.EscapedPath()+"/", "/../") || strings.Contains(u.EscapedPath(), "/./") {
			t.Fatalf("Location %q became %q, not a path under the base URL", location, loc)
		}
	})
}
