package mcp

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
)

func TestSplitCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"npx -y @modelcontextprotocol/server-filesystem /tmp", []string{"npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"}},
		{`server --name "two words" 'single $HOME' a\ b`, []string{"server", "--name", "two words", "single $HOME", "a b"}},
		{`x "" ''`, []string{"x", "", ""}},
		{`x "say \"hi\""`, []string{"x", `say "hi"`}},
	} {
		got, err := SplitCommand(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "   ", `x "open`, "x 'open"} {
		if _, err := SplitCommand(bad); aos.ErrorCode(err) != aos.EBadRequest {
			t.Errorf("SplitCommand(%q): %v, want bad_request", bad, err)
		}
	}
}

func FuzzSplitCommand_join(f *testing.F) {
	f.Add("a", "b c", `d'e"f`)
	f.Add("", "$x", `\`)
	f.Fuzz(func(t *testing.T, a, b, c string) {
		argv := []string{a, b, c}
		for _, s := range argv {
			if !utf8Printable(s) || strings.ContainsAny(s, "\x00") {
				return
			}
		}
		got, err := SplitCommand(joinCommand(argv))
		if err != nil || !slices.Equal(got, argv) {
			t.Fatalf("split(join(%q)) = %q, %v", argv, got, err)
		}
	})
}

func TestConnector_CheckScopeCovers(t *testing.T) {
	k := New()
	for in, want := range map[string]string{"*": "*", "tool:*": "tool:*", "tool:b,a,b": "tool:a,b", "tool:read_text_file": "tool:read_text_file"} {
		if got, err := k.CheckScope(in); err != nil || got != want {
			t.Errorf("CheckScope(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "tool:", "tool:a,,b", "echo", "tool:a b", "resource:*"} {
		if _, err := k.CheckScope(bad); aos.ErrorCode(err) != aos.EBadRequest {
			t.Errorf("CheckScope(%q): %v, want bad_request", bad, err)
		}
	}
	for _, tc := range []struct {
		scope, resource string
		want            bool
	}{
		{"*", "tool:x", true}, {"tool:*", "tool:x", true}, {"tool:a,x", "tool:x", true},
		{"tool:a,b", "tool:x", false}, {"tool:x", "tool:xy", false}, {"tool:*", "x", false}, {"*", "tool:", false},
	} {
		if got := k.Covers(tc.scope, tc.resource); got != tc.want {
			t.Errorf("Covers(%q, %q) = %v", tc.scope, tc.resource, got)
		}
	}
}

func TestConnector_Configure(t *testing.T) {
	k := New()
	c := &aos.Connection{Name: "fs", Type: Type, Config: []byte(`{"command": "npx -y 'server x' /tmp", "read_tools": ["annotated","a"], "tool_points": {"b": ["public-claim"]}}`)}
	if err := k.Configure(c); err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "stdio:npx -y 'server x' /tmp" {
		t.Errorf("base URL %q", c.BaseURL)
	}
	var cfg config
	json.Unmarshal(c.Config, &cfg)
	if !slices.Equal(cfg.Argv, []string{"npx", "-y", "server x", "/tmp"}) || cfg.Command != "" {
		t.Errorf("settings %s", c.Config)
	}
	if err := k.Configure(c); err != nil { // configuring twice changes nothing
		t.Fatalf("again: %v", err)
	}
	h := &aos.Connection{Name: "web", Type: Type, BaseURL: "https://mcp.example.com/mcp/"}
	if err := k.Configure(h); err != nil || h.BaseURL != "https://mcp.example.com/mcp" {
		t.Fatalf("http: %q %v", h.BaseURL, err)
	}
	for name, bad := range map[string]*aos.Connection{
		"nothing":        {},
		"both":           {BaseURL: "https://x.example", Config: []byte(`{"command":"x"}`)},
		"plain http":     {BaseURL: "http://x.example"},
		"auth":           {BaseURL: "https://x.example", Auth: "bearer"},
		"unknown key":    {Config: []byte(`{"command":"x","env":{}}`)},
		"read and write": {Config: []byte(`{"command":"x","read_tools":["a"],"write_tools":["a"]}`)},
		"audit-edit":     {Config: []byte(`{"command":"x","tool_points":{"a":["audit-edit"]}}`)},
		"bad tool name":  {Config: []byte(`{"command":"x","read_tools":["a b"]}`)},
		"control":        {Config: []byte(`{"command":"x\u0007"}`)},
	} {
		if err := k.Configure(bad); aos.ErrorCode(err) != aos.EBadRequest {
			t.Errorf("%s: %v, want bad_request", name, err)
		}
	}
}

func TestParseCredential(t *testing.T) {
	cred, err := parseCredential(vault.NewSecret([]byte("A=1\nB_2=x=y\n")), true)
	if err != nil || !slices.Equal(cred.env, []string{"A=1", "B_2=x=y"}) {
		t.Fatalf("env: %+v %v", cred, err)
	}
	cred, err = parseCredential(vault.NewSecret([]byte("tok123")), false)
	if err != nil || cred.header.Get("Authorization") != "Bearer tok123" {
		t.Fatalf("token: %+v %v", cred, err)
	}
	cred, err = parseCredential(vault.NewSecret([]byte("X-Api-Key: k1\nX-Org: o")), false)
	if err != nil || cred.header.Get("X-Api-Key") != "k1" || cred.header.Get("X-Org") != "o" {
		t.Fatalf("headers: %+v %v", cred, err)
	}
	for _, none := range []bool{true, false} {
		if cred, err := parseCredential(vault.NewSecret([]byte("none")), none); err != nil || len(cred.env) > 0 || len(cred.header) > 0 {
			t.Fatalf("none: %+v %v", cred, err)
		}
	}
	for _, bad := range []struct {
		s     string
		stdio bool
	}{{"secretvalue", true}, {"1A=x", true}, {"two words", false}, {"Mcp-Session-Id: x", false}, {"Host: evil", false}, {"X: ", false}} {
		_, err := parseCredential(vault.NewSecret([]byte(bad.s)), bad.stdio)
		if aos.ErrorCode(err) != aos.EBadRequest || strings.Contains(aos.ErrorMessage(err), bad.s) && len(bad.s) > 4 {
			t.Errorf("%q: %v", bad.s, err)
		}
	}
}
