package mcpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// bearerTransport adds an agent's token to every request.
type bearerTransport struct {
	token string
	base  http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

// connect opens an MCP session to /mcp as the agent with token, asking for
// protocol version (the go-sdk client negotiates it with server/discover
// for 2026-07-28, initialize before).
func connect(t testing.TB, w *world, token, version string, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "aos-test", Version: "1"}, opts)
	tr := &mcp.StreamableClientTransport{Endpoint: w.mcpURL(),
		HTTPClient: &http.Client{Transport: bearerTransport{token, http.DefaultTransport}}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect at %s: %v", version, err)
	}
	t.Cleanup(func() { cs.Close() })
	if got := cs.InitializeResult().ProtocolVersion; got != version {
		t.Fatalf("negotiated %s, want %s", got, version)
	}
	return cs
}

func structured(t *testing.T, res *mcp.CallToolResult, v any) {
	t.Helper()
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("structuredContent %s: %v", b, err)
	}
}

// toolErrorCode is the contract's code of a tool error, or "".
func toolErrorCode(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	if !res.IsError {
		return ""
	}
	var te struct {
		Error struct{ Code, Message string }
	}
	structured(t, res, &te)
	text := res.Content[0].(*mcp.TextContent).Text
	if !strings.Contains(text, te.Error.Code) {
		t.Errorf("the tool error's text %q does not say its code %s", text, te.Error.Code)
	}
	return te.Error.Code
}

// TestMCP_GoClient runs an agent's session through both revisions with
// the go-sdk's client: the list is exactly its grants, a read runs, a
// write on a read grant and a connection granted to someone else are
// refused with their codes, an unknown tool is a protocol error, and a
// held payout runs once the owner approves and aos_wait_approval returns
// its answer.
func TestMCP_GoClient(t *testing.T) {
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(version, func(t *testing.T) {
			w := newWorld(t)
			cs := connect(t, w, w.alice, version, nil)
			ctx := context.Background()

			list, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tool := range list.Tools {
				names = append(names, tool.Name)
				readOnly, ok := aliceTools[tool.Name]
				if !ok {
					t.Errorf("tools/list shows %s, which alice's grants do not allow", tool.Name)
					continue
				}
				a := tool.Annotations
				if a == nil || a.ReadOnlyHint != readOnly || a.DestructiveHint == nil || *a.DestructiveHint == readOnly {
					t.Errorf("%s: annotations %+v; want readOnlyHint %v and destructiveHint %v", tool.Name, a, readOnly, !readOnly)
				}
				if a != nil && !strings.HasPrefix(tool.Name, "aos_") && (a.OpenWorldHint == nil || !*a.OpenWorldHint) {
					t.Errorf("%s: openWorldHint should be true", tool.Name)
				}
				schema, _ := json.Marshal(tool.InputSchema)
				if !strings.Contains(string(schema), `"type":"object"`) {
					t.Errorf("%s: input schema %s is not an object schema", tool.Name, schema)
				}
				// The http connector describes its args (connector.Schemer):
				// a path, required unless the declared operation has one path.
				switch tool.Name {
				case "crm.GET":
					if !strings.Contains(string(schema), `"path":{`) || !strings.Contains(string(schema), `"required":["path"]`) {
						t.Errorf("%s: input schema %s; want the http connector's args, path required", tool.Name, schema)
					}
				case "ledger.balance.get", "ledger.payouts.create":
					if !strings.Contains(string(schema), `"path":{`) || strings.Contains(string(schema), `"required"`) {
						t.Errorf("%s: input schema %s; want the http connector's args, path optional", tool.Name, schema)
					}
					if !strings.Contains(tool.Description, " /v1/") {
						t.Errorf("%s: description %q does not say what it calls", tool.Name, tool.Description)
					}
				}
			}
			sort.Strings(names)
			if len(names) != len(aliceTools) {
				t.Errorf("tools/list = %v; want exactly %d tools", names, len(aliceTools))
			}
			if version >= "2026-07-28" && list.CacheScope != "private" {
				t.Errorf("tools/list cacheScope = %q; want private", list.CacheScope)
			}

			// An allowed read: the upstream's answer.
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "crm.GET", Arguments: map[string]any{"path": "/contacts/7"}})
			if err != nil || res.IsError {
				t.Fatalf("crm.GET: %v %+v", err, res)
			}
			var got struct {
				Status int
				Body   json.RawMessage
			}
			structured(t, res, &got)
			if got.Status != 200 || string(got.Body) != contact {
				t.Errorf("crm.GET answered %d %s; the upstream said 200 %s", got.Status, got.Body, contact)
			}

			// Denied, with the contract's codes.
			for _, c := range []struct {
				name string
				args map[string]any
				code string
			}{
				{"crm.POST", map[string]any{"path": "/contacts", "body": map[string]any{"name": "Eve"}}, aos.EReadOnly},
				{"crm.GET", map[string]any{"path": "/invoices/1"}, aos.EOutOfScope}, // outside /contacts
				{"vault-api.GET", map[string]any{"path": "/plans"}, aos.ENotGranted},
			} {
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: c.name, Arguments: c.args})
				if err != nil {
					t.Errorf("%s: a protocol error (%v); want a tool error with code %s", c.name, err, c.code)
					continue
				}
				if code := toolErrorCode(t, res); code != c.code {
					t.Errorf("%s %v: code %q; want %s", c.name, c.args, code, c.code)
				}
			}

			// Unknown tools are protocol errors (invalid params).
			for _, name := range []string{"nosuch.GET", "crm.", "whatever", "crm.FROB"} {
				_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: map[string]any{"path": "/contacts/7"}})
				var rpc *jsonrpc.Error
				if !errors.As(err, &rpc) || rpc.Code != jsonrpc.CodeInvalidParams || !strings.Contains(rpc.Message, "unknown tool") {
					t.Errorf("%s: %v; want an invalid-params protocol error naming the unknown tool", name, err)
				}
			}

			// A payout over the cap is held, at once, with its approval.
			res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "ledger.payouts.create",
				Arguments: map[string]any{"path": "/v1/payouts", "body": map[string]any{"amount": 500000, "currency": "usd"}},
				Meta:      mcp.Meta{"aos/purpose": "pay the March invoice", "aos/alternatives": []any{"wait for April"}}})
			if err != nil || res.IsError {
				t.Fatalf("held payout: %v %+v", err, res)
			}
			var held struct {
				ApprovalID    string `json:"approval_id"`
				ApprovalPoint string `json:"approval_point"`
				Status        string
				Wait          string
			}
			structured(t, res, &held)
			if held.ApprovalID == "" || held.ApprovalPoint != "money" || held.Status != "pending" || held.Wait != "aos_wait_approval" {
				t.Fatalf("held payout answered %+v", held)
			}
			if n := countPayouts(w); n != 0 {
				t.Fatalf("the ledger received %d payouts before the owner decided", n)
			}
			a, err := w.in.Gateway.Approvals.Get(ctx, held.ApprovalID)
			if err != nil || !strings.Contains(a.Purpose, "March invoice") || len(a.Alternatives) != 1 {
				t.Errorf("the approval %+v (%v) does not carry the agent's purpose and alternatives from _meta", a, err)
			}

			// Not decided yet: pending.
			res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "aos_wait_approval",
				Arguments: map[string]any{"approval_id": held.ApprovalID, "wait_seconds": 0}})
			if err != nil || res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "pending") {
				t.Fatalf("waiting before the decision: %v %+v", err, res)
			}
			if _, err := w.in.Gateway.Approve(ctx, w.in.Boss, held.ApprovalID, "fine"); err != nil {
				t.Fatal(err)
			}
			res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "aos_wait_approval",
				Arguments: map[string]any{"approval_id": held.ApprovalID, "wait_seconds": 10}})
			if err != nil || res.IsError {
				t.Fatalf("waiting after approval: %v %+v", err, res)
			}
			structured(t, res, &got)
			if got.Status != 200 || !sameJSON(got.Body, paid) {
				t.Errorf("the approved payout answered %d %s; the upstream said 200 %s", got.Status, got.Body, paid)
			}
			if n := countPayouts(w); n != 1 {
				t.Errorf("the ledger received %d payouts; want exactly 1", n)
			}
			for _, r := range w.crm.requests() {
				if !strings.HasSuffix(r, "Bearer "+crmKey) || strings.Contains(r, w.alice) {
					t.Errorf("the CRM received %q: not the owner's key alone", r)
				}
			}
			if len(w.crm.requests()) != 1 || len(w.secret.requests()) != 0 {
				t.Errorf("upstreams received crm %v, vault-api %v; want only the allowed read", w.crm.requests(), w.secret.requests())
			}
			w.in.Verify(t)
		})
	}
}

func countPayouts(w *world) int {
	n := 0
	for _, r := range w.ledger.requests() {
		if strings.HasPrefix(r, "POST /v1/payouts") {
			n++
		}
	}
	return n
}

func sameJSON(a json.RawMessage, b string) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}
