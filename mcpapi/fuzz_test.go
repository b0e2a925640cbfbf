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
