package mcpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/mcprelay"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// namer's operations have names MCP does not allow as they are (as an
// upstream MCP server's tools may), one of which sanitises to another's.
type namer struct{}

var namerOps = []string{"files/read", "files_read", "héllo wörld"}

func (namer) Type() string { return "namer" }
func (namer) Describe() connector.Description {
	var ops []aos.Operation
	for _, n := range namerOps {
		ops = append(ops, aos.Operation{Name: n, Access: aos.Read})
	}
	return connector.Description{Type: "namer", Operations: ops}
}
func (namer) Configure(*aos.Connection) error         { return nil }
func (namer) CheckScope(scope string) (string, error) { return scope, nil }
func (namer) Covers(scope, resource string) bool      { return scope == "*" }
func (namer) FromHTTP(*aos.Connection, *connector.HTTPRequest) (*connector.Call, error) {
	return nil, aos.Errorf(aos.EUnknownOperation, "no proxy")
}
func (namer) FromCall(c *aos.Connection, op string, _ json.RawMessage) (*connector.Call, error) {
	for _, n := range namerOps {
		if n == op {
			return &connector.Call{Operation: aos.Operation{Name: op, Access: aos.Read}, Resource: "x",
				Upstream: &connector.Outbound{Method: http.MethodPost, URL: c.BaseURL}}, nil
		}
	}
	return nil, aos.Errorf(aos.EUnknownOperation, "no %q", op)
}
func (namer) Do(_ context.Context, _ *aos.Connection, _ vault.Secret, call *connector.Call) (*connector.Response, error) {
	body, _ := json.Marshal(&mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: call.Operation.Name}}})
	return &connector.Response{Status: 200, Header: http.Header{"Content-Type": {mcprelay.ToolResultType}}, Body: body}, nil
}

// TestMCP_ToolNames: names MCP does not allow are sanitised, a plain name
// keeps its operation even when another sanitises to it, and each listed
// name calls its own operation.
func TestMCP_ToolNames(t *testing.T) {
	in := gatewaytest.Start(t, namer{})
	token := in.Agent(t, "alice", "sales")
	in.Connect(t, owner.ConnectRequest{Type: "namer", Name: "fs", Scope: "*", To: "alice", BaseURL: "https://fs.example/mcp",
		Credential: vault.NewSecret([]byte("fs-key-1234567890"))})
	cs := connect(t, &world{in: in}, token, "2025-11-25", nil)
	ctx := context.Background()
	list, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range list.Tools {
		if !strings.HasPrefix(tool.Name, "aos_") {
			names = append(names, tool.Name)
		}
	}
	sort.Strings(names)
	if got := strings.Join(names, " "); got != "fs.files_read fs.files_read_2 fs.h_llo_w_rld" {
		t.Fatalf("tools = %s", got)
	}
	for name, op := range map[string]string{"fs.files_read": "files_read", "fs.files_read_2": "files/read", "fs.h_llo_w_rld": "héllo wörld"} {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: map[string]any{}})
		if err != nil || res.IsError || res.Content[0].(*mcp.TextContent).Text != op {
			t.Errorf("%s: %v %+v; want operation %q", name, err, res, op)
		}
	}
}
