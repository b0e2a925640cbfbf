package mcpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// post sends one JSON-RPC message to /mcp with headers, and returns the
// status and body.
func post(t *testing.T, w *world, body string, header map[string]string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.mcpURL(), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// TestMCP_Authentication: only an agent's token opens /mcp.
func TestMCP_Authentication(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct {
		name, auth string
		status     int
		code       string
	}{
		{"no token", "", 401, "unauthenticated"},
		{"unknown token", "Bearer aos_agent_0000000000000000000000000000000000000000", 401, "unauthenticated"},
		{"owner token", "Bearer " + w.in.OwnerToken, 403, "forbidden"},
		{"agent token", "Bearer " + w.alice, 200, ""},
		{"agent token, token form", "token " + w.alice, 200, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body, h := post(t, w, initialize, map[string]string{"Authorization": c.auth})
			if status != c.status {
				t.Fatalf("status %d %s; want %d", status, body, c.status)
			}
			if c.code != "" {
				var e struct{ Error struct{ Code string } }
				if json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != c.code {
					t.Errorf("body %s; want code %s", body, c.code)
				}
				if c.status == 401 && h.Get("WWW-Authenticate") == "" {
					t.Error("a 401 without WWW-Authenticate")
				}
			} else if h.Get("Mcp-Session-Id") == "" {
				t.Error("initialize opened no session")
			}
		})
	}
}

// TestMCP_SessionBoundToAgent: a session ID is the agent's; another
// agent that learns it cannot use it.
func TestMCP_SessionBoundToAgent(t *testing.T) {
	w := newWorld(t)
	status, _, h := post(t, w, initialize, map[string]string{"Authorization": "Bearer " + w.alice})
	if status != 200 {
		t.Fatalf("initialize: %d", status)
	}
	status, body, _ := post(t, w, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, map[string]string{
		"Authorization": "Bearer " + w.bob, "Mcp-Session-Id": h.Get("Mcp-Session-Id"), "Mcp-Protocol-Version": "2025-11-25"})
	if status != http.StatusForbidden {
		t.Errorf("bob on alice's session: %d %s; want 403", status, body)
	}
}

// TestMCP_DNSRebinding: Host and Origin must name this server.
func TestMCP_DNSRebinding(t *testing.T) {
	w := newWorld(t)
	w.in.MCP.Hosts = []string{"aos.example.com"}
	port := w.in.URL[strings.LastIndex(w.in.URL, ":"):]
	for _, c := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{"loopback", map[string]string{}, 200},
		{"localhost", map[string]string{"Host": "localhost" + port}, 200},
		{"configured name", map[string]string{"Host": "aos.example.com" + port, "Origin": "https://aos.example.com"}, 200},
		{"same origin", map[string]string{"Origin": w.in.URL}, 200},
		{"rebound host", map[string]string{"Host": "evil.example" + port}, 403},
		{"foreign origin", map[string]string{"Origin": "http://evil.example" + port}, 403},
		{"null origin", map[string]string{"Origin": "null"}, 403},
		{"origin with another scheme", map[string]string{"Origin": "file://localhost"}, 403},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.header["Authorization"] = "Bearer " + w.alice
			status, body, _ := post(t, w, initialize, c.header)
			if status != c.status {
				t.Errorf("status %d %s; want %d", status, body, c.status)
			}
		})
	}
}

// TestMCP_Stateless2026 speaks 2026-07-28 by hand: server/discover
// answers without a session, tools/list is private to the agent, and the
// Mcp-Method and Mcp-Name headers must mirror the body.
func TestMCP_Stateless2026(t *testing.T) {
	w := newWorld(t)
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`
	h := func(method, name string) map[string]string {
		m := map[string]string{"Authorization": "Bearer " + w.alice, "Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": method}
		if name != "" {
			m["Mcp-Name"] = name
		}
		return m
	}
	status, body, hdr := post(t, w, `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{`+meta+`}}`, h("server/discover", ""))
	if status != 200 || !strings.Contains(body, "2026-07-28") || hdr.Get("Mcp-Session-Id") != "" {
		t.Fatalf("server/discover: %d %s (session %q)", status, body, hdr.Get("Mcp-Session-Id"))
	}
	status, body, _ = post(t, w, `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{`+meta+`}}`, h("tools/list", ""))
	if status != 200 || !strings.Contains(body, `"cacheScope":"private"`) || !strings.Contains(body, "crm.GET") {
		t.Errorf("tools/list: %d %s; want alice's tools, cacheScope private", status, body)
	}
	call := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"crm.GET","arguments":{"path":"/contacts/7"},` + meta + `}}`
	status, body, _ = post(t, w, call, h("tools/call", "crm.GET"))
	if status != 200 || !strings.Contains(body, "Ada Lovelace") || !strings.Contains(body, `"resultType":"complete"`) {
		t.Errorf("tools/call: %d %s", status, body)
	}
	for _, c := range []struct {
		name   string
		header map[string]string
	}{
		{"Mcp-Name names another tool", h("tools/call", "crm.POST")},
		{"Mcp-Method names another method", h("tools/list", "crm.GET")},
		{"no Mcp-Name", h("tools/call", "")},
	} {
		status, body, _ := post(t, w, call, c.header)
		if status != 400 || !strings.Contains(body, "-32020") {
			t.Errorf("%s: %d %s; want 400 with error -32020", c.name, status, body)
		}
	}
	if n := len(w.crm.requests()); n != 1 {
		t.Errorf("the CRM received %d requests; want 1 (mismatched headers send nothing)", n)
	}
}
