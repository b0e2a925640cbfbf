package email

import (
	"testing"

	"github.com/aos-dev/aos"
)

func TestCheckScope(t *testing.T) {
	tests := []struct {
		scope, want string // want "" means EBadRequest
	}{
		{"*", "*"},
		{"from:ada@example.com", "from:ada@example.com"},
		{"FROM:Ada@Example.COM", "from:ada@example.com"},
		{"from:*@example.com", "from:*@example.com"},
		{"from:*@Mail.Example.com", "from:*@mail.example.com"},
		{"from:a.b+tag@x-y.example", "from:a.b+tag@x-y.example"},

		{"", ""},
		{"ada@example.com", ""},
		{"to:ada@example.com", ""},
		{"from:", ""},
		{"from:*", ""},
		{"from:*@", ""},
		{"from:a*@example.com", ""},
		{"from:*@*.example.com", ""},
		{"from:ada@", ""},
		{"from:@example.com", ""},
		{"from:ada@-x.com", ""},
		{"from:ada@x..com", ""},
		{"from:.ada@x.com", ""},
		{"from:\"a b\"@x.com", ""},
		{"from:ada@[127.0.0.1]", ""},
		{"from:Ada <ada@x.com>", ""},
		{"from:ada@x.com\r\n", ""},
		{"from:ädä@x.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			got, err := CheckScope(tt.scope)
			if tt.want == "" {
				if aos.ErrorCode(err) != aos.EBadRequest {
					t.Fatalf("CheckScope(%q) = %q, %v; want bad_request", tt.scope, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CheckScope(%q) = %q, %v; want %q", tt.scope, got, err, tt.want)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		name, scope, resource string
		want                  bool
	}{
		{"exact", "from:ada@example.com", "from:ada@example.com", true},
		{"scope case", "from:ADA@example.com", "from:ada@example.com", true},
		{"other sender", "from:ada@example.com", "from:bob@example.com", false},
		{"domain", "from:*@example.com", "from:bob@example.com", true},
		{"subdomain is another domain", "from:*@example.com", "from:bob@mail.example.com", false},
		{"suffix is another domain", "from:*@example.com", "from:bob@badexample.com", false},
		{"account-wide", "*", "from:bob@example.org", true},
		{"resource not lower case", "*", "from:Bob@example.org", false},
		{"resource without prefix", "*", "bob@example.org", false},
		{"malformed resource", "*", "from:bob", false},
		{"malformed scope", "from:", "from:bob@example.org", false},
		{"a sender named * is in the domain", "from:*@example.com", "from:*@example.com", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Covers(tt.scope, tt.resource); got != tt.want {
				t.Fatalf("Covers(%q, %q) = %v, want %v", tt.scope, tt.resource, got, tt.want)
			}
		})
	}
}

func TestConnector_Configure(t *testing.T) {
	tests := []struct {
		name, base, auth, config string
		want                     string // "" means EBadRequest
	}{
		{"starttls default port", "smtp://Mail.Example.com", "", "", "smtp://mail.example.com:587"},
		{"implicit default port", "smtps://mail.example.com", "", "", "smtps://mail.example.com:465"},
		{"port and slash", "smtp://mail.example.com:2525/", "", "", "smtp://mail.example.com:2525"},
		{"internal sorted", "smtp://mail.example.com?internal=Example.org,example.com,example.org", "", "",
			"smtp://mail.example.com:587?internal=example.com,example.org"},
		{"tls none loopback", "smtp://127.0.0.1:1025?tls=none", "", "", "smtp://127.0.0.1:1025?tls=none"},
		{"tls none localhost", "smtp://localhost:1025?tls=NONE&internal=x.com", "", "", "smtp://localhost:1025?internal=x.com&tls=none"},
		{"ipv6 loopback", "smtp://[::1]:1025?tls=none", "", "", "smtp://[::1]:1025?tls=none"},

		{"empty", "", "", "", ""},
		{"https", "https://mail.example.com", "", "", ""},
		{"no host", "smtp://", "", "", ""},
		{"user info", "smtp://u:p@mail.example.com", "", "", ""},
		{"path", "smtp://mail.example.com/x", "", "", ""},
		{"fragment", "smtp://mail.example.com#x", "", "", ""},
		{"tls none remote", "smtp://mail.example.com?tls=none", "", "", ""},
		{"tls none smtps", "smtps://127.0.0.1?tls=none", "", "", ""},
		{"tls other", "smtp://127.0.0.1?tls=starttls", "", "", ""},
		{"bad internal", "smtp://mail.example.com?internal=exa_mple.com", "", "", ""},
		{"repeated option", "smtp://mail.example.com?internal=a.com&internal=b.com", "", "", ""},
		{"unknown option", "smtp://mail.example.com?from=a", "", "", ""},
		{"auth mode", "smtp://mail.example.com", "basic", "", ""},
		{"config", "smtp://mail.example.com", "", "{}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &aos.Connection{Name: "mail", Type: Type, BaseURL: tt.base, Auth: tt.auth, Config: []byte(tt.config)}
			err := New().Configure(c)
			if tt.want == "" {
				if aos.ErrorCode(err) != aos.EBadRequest {
					t.Fatalf("Configure(%q) = %q, %v; want bad_request", tt.base, c.BaseURL, err)
				}
				return
			}
			if err != nil || c.BaseURL != tt.want {
				t.Fatalf("Configure(%q) = %q, %v; want %q", tt.base, c.BaseURL, err, tt.want)
			}
			// The normal form is a fixed point.
			again := &aos.Connection{Name: "mail", BaseURL: c.BaseURL}
			if err := New().Configure(again); err != nil || again.BaseURL != c.BaseURL {
				t.Fatalf("Configure(%q) = %q, %v; not a fixed point", c.BaseURL, again.BaseURL, err)
			}
		})
	}
}
