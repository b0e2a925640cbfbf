package rest

import (
	"strings"
	"testing"

	"github.com/aos-dev/aos"
)

// configured returns a connection with base URL and auth mode, configured.
func configured(t *testing.T, base, auth string) *aos.Connection {
	t.Helper()
	c := &aos.Connection{ID: 1, Name: "crm", Type: Type, BaseURL: base, Auth: auth}
	if err := New().Configure(c); err != nil {
		t.Fatalf("Configure(%q, %q): %v", base, auth, err)
	}
	return c
}

func TestConnector_Configure(t *testing.T) {
	tests := []struct {
		name, base, auth string
		config           string
		wantBase         string // "" means EBadRequest
		wantAuth         string
	}{
		{"host only", "https://api.example.com", "", "", "https://api.example.com", "bearer"},
		{"trailing slash", "https://api.example.com/", "bearer", "", "https://api.example.com", "bearer"},
		{"path", "https://api.example.com/v2/", "", "", "https://api.example.com/v2", "bearer"},
		{"case", "HTTPS://API.Example.COM/V2", "", "", "https://api.example.com/V2", "bearer"},
		{"port", "http://127.0.0.1:8080/api/v1", "", "", "http://127.0.0.1:8080/api/v1", "bearer"},
		{"ipv6", "http://[::1]:8080", "", "", "http://[::1]:8080", "bearer"},
		{"escaped path", "https://x.com/a%20b/", "", "", "https://x.com/a%20b", "bearer"},
		{"surrounding space", " https://x.com ", "", "", "https://x.com", "bearer"},
		{"basic", "https://x.com", "basic", "", "https://x.com", "basic"},
		{"bearer any case", "https://x.com", "Bearer", "", "https://x.com", "bearer"},
		{"header", "https://x.com", "header:x-api-key", "", "https://x.com", "header:X-Api-Key"},
		{"header authorization", "https://x.com", "header:Authorization", "", "https://x.com", "header:Authorization"},
		{"query", "https://x.com", "query:api_key", "", "https://x.com", "query:api_key"},
		{"query brackets", "https://x.com", "QUERY:auth[token]", "", "https://x.com", "query:auth[token]"},

		{"no base URL", "", "", "", "", ""},
		{"no scheme", "api.example.com", "", "", "", ""},
		{"scheme-relative", "//api.example.com", "", "", "", ""},
		{"ftp", "ftp://x.com", "", "", "", ""},
		{"opaque", "mailto:a@x.com", "", "", "", ""},
		{"no host", "https://", "", "", "", ""},
		{"port only", "https://:80", "", "", "", ""},
		{"user info", "https://user:pw@x.com", "", "", "", ""},
		{"query", "https://x.com?a=1", "", "", "", ""},
		{"empty query", "https://x.com/?", "", "", "", ""},
		{"fragment", "https://x.com#f", "", "", "", ""},
		{"dot-dot path", "https://x.com/a/../b", "", "", "", ""},
		{"encoded slash path", "https://x.com/a%2fb", "", "", "", ""},
		{"semicolon path", "https://x.com/a;b", "", "", "", ""},
		{"empty segment path", "https://x.com/a//b", "", "", "", ""},
		{"bad port", "https://x.com:port", "", "", "", ""},

		{"unknown auth", "https://x.com", "token", "", "", ""},
		{"bearer with name", "https://x.com", "bearer:x", "", "", ""},
		{"basic with name", "https://x.com", "basic:x", "", "", ""},
		{"header without name", "https://x.com", "header:", "", "", ""},
		{"header Host", "https://x.com", "header:Host", "", "", ""},
		{"header Content-Length", "https://x.com", "header:content-length", "", "", ""},
		{"header Transfer-Encoding", "https://x.com", "header:Transfer-Encoding", "", "", ""},
		{"header Connection", "https://x.com", "header:Connection", "", "", ""},
		{"header Proxy-Authorization", "https://x.com", "header:Proxy-Authorization", "", "", ""},
		{"header AOS", "https://x.com", "header:AOS-Token", "", "", ""},
		{"header with space", "https://x.com", "header:X Key", "", "", ""},
		{"header with colon", "https://x.com", "header:X:Key", "", "", ""},
		{"query without name", "https://x.com", "query:", "", "", ""},
		{"query with equals", "https://x.com", "query:a=b", "", "", ""},
		{"query with ampersand", "https://x.com", "query:a&b", "", "", ""},
		{"declared operations", "https://x.com", "", `{"operations":[]}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &aos.Connection{Name: "crm", Type: Type, BaseURL: tt.base, Auth: tt.auth}
			if tt.config != "" {
				c.Config = []byte(tt.config)
			}
			err := New().Configure(c)
			if tt.wantBase == "" {
				if aos.ErrorCode(err) != aos.EBadRequest {
					t.Fatalf("Configure(%q, %q) = %v; want bad_request", tt.base, tt.auth, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Configure(%q, %q): %v", tt.base, tt.auth, err)
			}
			if c.BaseURL != tt.wantBase || c.Auth != tt.wantAuth {
				t.Fatalf("Configure(%q, %q) set %q, %q; want %q, %q", tt.base, tt.auth, c.BaseURL, c.Auth, tt.wantBase, tt.wantAuth)
			}
			// Configure is idempotent on its own output.
			again := *c
			if err := New().Configure(&again); err != nil || again.BaseURL != c.BaseURL || again.Auth != c.Auth {
				t.Fatalf("Configure again: %q, %q, %v", again.BaseURL, again.Auth, err)
			}
		})
	}
}

func TestConnector_Configure_authMessage(t *testing.T) {
	err := New().Configure(&aos.Connection{BaseURL: "https://x.com", Auth: "token"})
	for _, form := range []string{"bearer", "basic", "header:NAME", "query:NAME"} {
		if !strings.Contains(aos.ErrorMessage(err), form) {
			t.Errorf("message %q does not name %s", aos.ErrorMessage(err), form)
		}
	}
}

func TestConnector_Describe(t *testing.T) {
	d := New().Describe()
	if d.Type != "http" || New().Type() != "http" {
		t.Fatalf("type = %q", d.Type)
	}
	access := map[string]aos.Access{}
	for _, op := range d.Operations {
		access[op.Name] = op.Access
	}
	for m, want := range map[string]aos.Access{"GET": aos.Read, "HEAD": aos.Read, "OPTIONS": aos.Read, "POST": aos.Write, "DELETE": aos.Write} {
		if access[m] != want {
			t.Errorf("operation %s: access %q, want %q", m, access[m], want)
		}
	}
	if len(d.ScopeSyntax) != 2 || d.ScopeSyntax[1] != "* (account-wide)" {
		t.Errorf("scope syntax = %q", d.ScopeSyntax)
	}
}

func TestMethodOperation(t *testing.T) {
	tests := []struct {
		method string
		want   aos.Access
		code   string
	}{
		{"GET", aos.Read, ""},
		{"HEAD", aos.Read, ""},
		{"OPTIONS", aos.Read, ""},
		{"POST", aos.Write, ""},
		{"PUT", aos.Write, ""},
		{"PATCH", aos.Write, ""},
		{"DELETE", aos.Write, ""},
		{"PROPFIND", aos.Write, ""},
		{"TRACE", "", aos.EUnknownOperation},
		{"TRACK", "", aos.EUnknownOperation},
		{"CONNECT", "", aos.EUnknownOperation},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			op, err := MethodOperation(tt.method, "/x")
			if aos.ErrorCode(err) != tt.code || op.Access != tt.want || tt.code == "" && op.Name != tt.method {
				t.Fatalf("MethodOperation(%s) = %+v, %v", tt.method, op, err)
			}
		})
	}
}

func TestNormalizeMethod(t *testing.T) {
	for in, want := range map[string]string{"get": "GET", "Post": "POST", "M-SEARCH": "M-SEARCH"} {
		if got, err := normalizeMethod(in); err != nil || got != want {
			t.Errorf("normalizeMethod(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "GE T", "GET\r\n", "G(ET)", "GÉT", strings.Repeat("A", 33)} {
		if _, err := normalizeMethod(bad); aos.ErrorCode(err) != aos.EBadRequest {
			t.Errorf("normalizeMethod(%q) = %v; want bad_request", bad, err)
		}
	}
}
