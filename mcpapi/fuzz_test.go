package mcpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// FuzzToolName: every name is a valid MCP tool name (1 to 128 of
// A-Z a-z 0-9 _ - .) whose connection part is the connection's.
func FuzzToolName(f *testing.F) {
	for _, s := range [][2]string{{"crm", "GET"}, {"gh", "repos/get"}, {"x", strings.Repeat("é", 200)}, {"a-b", "tool with spaces"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, conn, op string) {
		name := toolName(conn, op)
		if len(name) == 0 || len(name) > maxToolName {
			t.Fatalf("toolName(%q, %q) = %q: length %d", conn, op, name, len(name))
		}
		for _, r := range name {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
				t.Fatalf("toolName(%q, %q) = %q holds %q", conn, op, name, r)
			}
		}
	})
}

// FuzzStateless26: any first request is classified without a panic, and
// its body is left to the go-sdk byte for byte.
func FuzzStateless26(f *testing.F) {
	f.Add(`{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{}}`, "")
	f.Add(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`, "")
	f.Add(`[{"jsonrpc":"2.0","method":"initialize"}]`, "2025-11-25")
	f.Add(`{"params":{"_meta":{"io.modelcontextprotocol/protocolVersion":7}}}`, "")
	s := &Server{maxRequest: 1 << 20}
	f.Fuzz(func(t *testing.T, body, version string) {
		r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/mcp", strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		if version != "" {
			r.Header.Set("Mcp-Protocol-Version", version)
		}
		if _, err := s.stateless26(r); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(r.Body)
		if string(rest) != body {
			t.Fatalf("the body became %q", rest)
		}
	})
}

// FuzzMetaOf: any _meta gives meta or a bad_request, never a panic.
func FuzzMetaOf(f *testing.F) {
	f.Add(`{"aos/purpose":"pay","aos/alternatives":["wait","ask"]}`)
	f.Add(`{"aos/alternatives":"a, b,,c"}`)
	f.Add(`{"aos/recommendation":3,"aos/alternatives":[1]}`)
	f.Fuzz(func(t *testing.T, raw string) {
		var m mcp.Meta
		if json.Unmarshal([]byte(raw), &m) != nil {
			t.Skip()
		}
		if _, err := metaOf(m); err != nil && !strings.Contains(err.Error(), "_meta") {
			t.Fatalf("metaOf(%s): %v does not name _meta", raw, err)
		}
	})
}

// FuzzDecodeCursor: a cursor decodes to a position of 0 or more, or is
// refused.
func FuzzDecodeCursor(f *testing.F) {
	f.Add("YW9zOjUwMA")
	f.Add("YW9zOi0x")
	f.Add("!!")
	f.Fuzz(func(t *testing.T, c string) {
		if n, err := decodeCursor(c); err == nil && n < 0 {
			t.Fatalf("decodeCursor(%q) = %d", c, n)
		}
	})
}

// FuzzUpstreamNames: what is served as an upstream names it or prefixed
// resolves back to the same connection and upstream name, whichever
// connection serves its resources and prompts bare; a tool name served
// bare is a valid MCP tool name without a dot, outside aos's own names.
func FuzzUpstreamNames(f *testing.F) {
	f.Add("conf", "test://static/text", "greet", true)
	f.Add("conf", "aos://odd", "a.b", true)
	f.Add("fs", "file:///x", "aos_x", false)
	f.Add("fs", "", "", true)
	f.Fuzz(func(t *testing.T, conn, uri, prompt string, bare bool) {
		if conn == "" || strings.ContainsAny(conn, "./") {
			return // connection names hold neither
		}
		b := &bareNames{}
		if bare {
			b.resources, b.prompts = conn, conn
		}
		if uri != "" {
			served := b.resourceURI(conn, uri)
			c, u, ok := b.resourceRef(served)
			if !ok || c != conn || u != uri {
				t.Fatalf("resource %q of %s served as %q resolves to %q %q %v", uri, conn, served, c, u, ok)
			}
		}
		if prompt != "" {
			served := b.promptName(conn, prompt)
			c, n, ok := b.promptRef(served)
			if !ok || c != conn || n != prompt {
				t.Fatalf("prompt %q of %s served as %q resolves to %q %q %v", prompt, conn, served, c, n, ok)
			}
		}
		if bareToolName(prompt) {
			if strings.Contains(prompt, ".") || strings.HasPrefix(prompt, ownPrefix) || toolName("x", prompt) != "x."+prompt {
				t.Fatalf("%q is served bare as a tool name", prompt)
			}
		}
	})
}
