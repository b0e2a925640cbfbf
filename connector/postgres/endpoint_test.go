package postgres

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

func TestConnector_Configure(t *testing.T) {
	tests := []struct {
		name, base, auth, want, code string
		config                       string
	}{
		{name: "defaults", base: "postgres://DB.example.com/shop", want: "postgres://db.example.com:5432/shop?sslmode=require"},
		{name: "postgresql scheme", base: "postgresql://db:6543/shop?sslmode=disable", want: "postgres://db:6543/shop?sslmode=disable"},
		{name: "search path", base: "postgres://db/shop?search_path=sales&sslmode=verify-full",
			want: "postgres://db:5432/shop?search_path=sales&sslmode=verify-full"},
		{name: "IPv6", base: "postgres://[::1]:5432/shop", want: "postgres://[::1]:5432/shop?sslmode=require"},
		{name: "escaped database name", base: "postgres://db/my%20shop", want: "postgres://db:5432/my%20shop?sslmode=require"},
		{name: "password in the URL", base: "postgres://bob:secret@db/shop", code: aos.EBadRequest},
		{name: "user in the URL", base: "postgres://bob@db/shop", code: aos.EBadRequest},
		{name: "no database", base: "postgres://db", code: aos.EBadRequest},
		{name: "two path segments", base: "postgres://db/shop/x", code: aos.EBadRequest},
		{name: "several hosts", base: "postgres://a,b/shop", code: aos.EBadRequest},
		{name: "other scheme", base: "mysql://db/shop", code: aos.EBadRequest},
		{name: "unknown parameter", base: "postgres://db/shop?options=-c%20role%3Dpostgres", code: aos.EBadRequest},
		{name: "password parameter", base: "postgres://db/shop?password=x", code: aos.EBadRequest},
		{name: "bad sslmode", base: "postgres://db/shop?sslmode=maybe", code: aos.EBadRequest},
		{name: "two search paths", base: "postgres://db/shop?search_path=a,b", code: aos.EBadRequest},
		{name: "repeated parameter", base: "postgres://db/shop?sslmode=disable&sslmode=require", code: aos.EBadRequest},
		{name: "fragment", base: "postgres://db/shop#x", code: aos.EBadRequest},
		{name: "bad port", base: "postgres://db:0/shop", code: aos.EBadRequest},
		{name: "empty", base: "", code: aos.EBadRequest},
		{name: "auth mode", base: "postgres://db/shop", auth: "bearer", code: aos.EBadRequest},
		{name: "operations", base: "postgres://db/shop", config: "{}", code: aos.EBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &aos.Connection{Name: "shop", BaseURL: tt.base, Auth: tt.auth, Config: []byte(tt.config)}
			err := New().Configure(c)
			if tt.code != "" {
				if aos.ErrorCode(err) != tt.code {
					t.Fatalf("Configure(%q) = %v, want %s", tt.base, err, tt.code)
				}
				if strings.Contains(aos.ErrorMessage(err), "secret") {
					t.Fatalf("the error quotes the password: %v", err)
				}
				return
			}
			if err != nil || c.BaseURL != tt.want {
				t.Fatalf("Configure(%q) = %q, %v; want %q", tt.base, c.BaseURL, err, tt.want)
			}
			again := *c
			if err := New().Configure(&again); err != nil || again.BaseURL != c.BaseURL {
				t.Fatalf("Configure is not idempotent: %q, %v", again.BaseURL, err)
			}
		})
	}
}

func TestConnector_CheckCredential(t *testing.T) {
	tests := []struct {
		name, secret string
		ok           bool
	}{
		{name: "user and password", secret: "app:s3cret", ok: true},
		{name: "colon in the password", secret: "app:a:b", ok: true},
		{name: "trailing newline", secret: "app:s3cret\n", ok: true},
		{name: "no colon", secret: "s3cret"},
		{name: "empty password", secret: "app:"},
		{name: "empty user", secret: ":s3cret"},
		{name: "connection URL", secret: "postgres://app:s3cret@db/shop"},
		{name: "keyword string", secret: "host=db user=app password=s3cret"},
		{name: "NUL", secret: "app:s3\x00cret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := New().CheckCredential(&aos.Connection{}, vault.NewSecret([]byte(tt.secret)))
			if (err == nil) != tt.ok {
				t.Fatalf("CheckCredential = %v, want ok %v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the error quotes the secret: %v", err)
			}
		})
	}
}

func TestConnector_FromCall(t *testing.T) {
	c := &aos.Connection{Name: "shop", BaseURL: "postgres://db.example:5432/shop?sslmode=require"}
	tests := []struct {
		name, op, args string
		code           string
	}{
		{name: "query", op: "query", args: `{"sql": "SELECT 1"}`},
		{name: "params of every kind", op: "query", args: `{"sql": "SELECT $1, $2, $3, $4, $5", "params": [null, true, 1.5, "x", {"a": [1]}]}`},
		{name: "unknown operation", op: "drop", args: `{"sql": "SELECT 1"}`, code: aos.EUnknownOperation},
		{name: "no args", op: "query", args: ``, code: aos.EBadRequest},
		{name: "unknown field", op: "query", args: `{"sql": "SELECT 1", "role": "postgres"}`, code: aos.EBadRequest},
		{name: "sql not a string", op: "query", args: `{"sql": 1}`, code: aos.EBadRequest},
		{name: "params not an array", op: "query", args: `{"sql": "SELECT $1", "params": "x"}`, code: aos.EBadRequest},
		{name: "NUL in a param", op: "query", args: `{"sql": "SELECT $1", "params": ["a\u0000b"]}`, code: aos.EBadRequest},
		{name: "trailing data", op: "query", args: `{"sql": "SELECT 1"} {}`, code: aos.EBadRequest},
		{name: "empty sql", op: "query", args: `{"sql": "  "}`, code: aos.EBadRequest},
		{name: "too long", op: "query", args: `{"sql": "SELECT 1` + strings.Repeat(" ", maxSQL) + `"}`, code: aos.ETooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call, err := New().FromCall(c, tt.op, json.RawMessage(tt.args))
			if tt.code != "" {
				if aos.ErrorCode(err) != tt.code {
					t.Fatalf("FromCall = %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if call.Upstream.URL != c.BaseURL || call.Upstream.Method != tt.op || call.Upstream.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("upstream = %+v", call.Upstream)
			}
		})
	}
	t.Run("proxy", func(t *testing.T) {
		if _, ok := any(New()).(connector.HTTPMapper); ok {
			t.Fatal("the postgres connector maps HTTP requests; it is reached only through POST /v1/call")
		}
	})
}

func TestConnector_Describe(t *testing.T) {
	d := New().Describe()
	if d.Type != Type || len(d.Operations) != 3 || len(d.ScopeSyntax) == 0 {
		t.Fatalf("Describe = %+v", d)
	}
	for _, op := range d.Operations {
		if operations[op.Name].Access != op.Access {
			t.Errorf("operation %s: access %s", op.Name, op.Access)
		}
	}
}
