package mcpapi_test

//lint:file-ignore SA1019 sampling and logging are deprecated in MCP 2026-07-28 but still served under 2025-11-25, and issue 14 relays them

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/mcprelay"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// asker is a connector whose one operation, "ask", does what an upstream
// MCP server may do mid-call: it reports progress, logs, asks the agent's
// user (elicitation) and the agent's model (sampling) through the relay
// in its context, and answers an MCP tool result saying what it got.
type asker struct{}

func (asker) Type() string { return "asker" }
func (asker) Describe() connector.Description {
	return connector.Description{Type: "asker", Operations: []aos.Operation{{Name: "ask", Access: aos.Read}}}
}
func (asker) Configure(*aos.Connection) error         { return nil }
func (asker) CheckScope(scope string) (string, error) { return scope, nil }
func (asker) Covers(scope, resource string) bool      { return scope == "*" || scope == resource }
func (asker) FromHTTP(*aos.Connection, *connector.HTTPRequest) (*connector.Call, error) {
	return nil, aos.Errorf(aos.EUnknownOperation, "no proxy")
}
func (asker) FromCall(c *aos.Connection, op string, _ json.RawMessage) (*connector.Call, error) {
	if op != "ask" {
		return nil, aos.Errorf(aos.EUnknownOperation, "no operation %q", op)
	}
	return &connector.Call{Operation: aos.Operation{Name: "ask", Access: aos.Read}, Resource: "questions",
		Upstream: &connector.Outbound{Method: http.MethodPost, URL: c.BaseURL}}, nil
}
func (asker) Do(ctx context.Context, _ *aos.Connection, _ vault.Secret, _ *connector.Call) (*connector.Response, error) {
	r := mcprelay.RelayFrom(ctx)
	if r == nil {
		return nil, aos.Errorf(aos.EUpstream, "no relay in the call's context")
	}
	var got []string
	if err := r.Progress(ctx, &mcp.ProgressNotificationParams{ProgressToken: "upstream-token", Progress: 1, Total: 2}); err != nil {
		got = append(got, "progress failed: "+err.Error())
	}
	if err := r.Log(ctx, &mcp.LoggingMessageParams{Level: "info", Logger: "upstream", Data: "halfway"}); err != nil {
		got = append(got, "log failed: "+err.Error())
	}
	el, err := r.Elicit(ctx, &mcp.ElicitParams{Message: "Which customer?",
		RequestedSchema: json.RawMessage(`{"type":"object","properties":{"name":{"type":"string"}}}`)})
	if err != nil {
		got = append(got, "elicitation: "+aos.ErrorCode(err))
	} else {
		got = append(got, fmt.Sprintf("elicitation: %s %v", el.Action, el.Content["name"]))
	}
	cm, err := r.CreateMessage(ctx, &mcp.CreateMessageParams{MaxTokens: 10,
		Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: "Summarise"}}}})
	if err != nil {
		got = append(got, "sampling: "+aos.ErrorCode(err))
	} else {
		got = append(got, "sampling: "+cm.Content.(*mcp.TextContent).Text)
	}
	body, _ := json.Marshal(&mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: strings.Join(got, "; ")}}})
	return &connector.Response{Status: 200, Header: http.Header{"Content-Type": {mcprelay.ToolResultType}}, Body: body}, nil
}

// TestMCP_Relay: what an upstream asks of its client and tells it during a
// call reaches the calling agent's session, and the agent's answers come
// back (2025-11-25, with a session); under 2026-07-28 (stateless) the
// server cannot ask the client, and the connector is told so.
func TestMCP_Relay(t *testing.T) {
	in := gatewaytest.Start(t, asker{})
	token := in.Agent(t, "alice", "sales")
	in.Connect(t, owner.ConnectRequest{Type: "asker", Name: "oracle", Scope: "*", To: "alice", BaseURL: "https://oracle.example/mcp",
		Credential: vault.NewSecret([]byte("oracle-key-1234567890"))})
	w := &world{in: in}

	var mu sync.Mutex
	var progress []any
	var logs []string
	opts := &mcp.ClientOptions{
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "Ada"}}, nil
		},
		CreateMessageHandler: func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			return &mcp.CreateMessageResult{Model: "m", Role: "assistant", Content: &mcp.TextContent{Text: "sampled"}}, nil
		},
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			progress = append(progress, req.Params.ProgressToken)
			mu.Unlock()
		},
		LoggingMessageHandler: func(_ context.Context, req *mcp.LoggingMessageRequest) {
			mu.Lock()
			logs = append(logs, fmt.Sprint(req.Params.Data))
			mu.Unlock()
		},
	}
	ctx := context.Background()

	cs := connect(t, w, token, "2025-11-25", opts)
	if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
		t.Fatal(err)
	}
	params := &mcp.CallToolParams{Name: "oracle.ask", Arguments: map[string]any{}}
	params.SetProgressToken("agent-token")
	res, err := cs.CallTool(ctx, params)
	if err != nil || res.IsError {
		t.Fatalf("oracle.ask: %v %+v", err, res)
	}
	if got := res.Content[0].(*mcp.TextContent).Text; got != "elicitation: accept Ada; sampling: sampled" {
		t.Errorf("the upstream got %q from the agent", got)
	}
	mu.Lock()
	if len(progress) != 1 || progress[0] != "agent-token" {
		t.Errorf("progress reached the agent as %v; want once, under the agent's own token", progress)
	}
	if len(logs) != 1 || logs[0] != "halfway" {
		t.Errorf("logs reached the agent as %v", logs)
	}
	mu.Unlock()

	cs26 := connect(t, w, token, "2026-07-28", opts)
	res, err = cs26.CallTool(ctx, &mcp.CallToolParams{Name: "oracle.ask", Arguments: map[string]any{}})
	if err != nil || res.IsError {
		t.Fatalf("oracle.ask at 2026-07-28: %v %+v", err, res)
	}
	got := res.Content[0].(*mcp.TextContent).Text
	if got != "elicitation: unknown_operation; sampling: unknown_operation" {
		t.Errorf("at 2026-07-28 the upstream got %q; want the relay's refusal", got)
	}
}
