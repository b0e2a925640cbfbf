package mcpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// library is a connector fronting an upstream with resources and prompts
// (connector.MCPFeatures), as the mcp connector does: its operations are
// reads whose resource is "public", or "secret" for file:///secret, and
// its answers are the MCP results an upstream would give.
type library struct{}

var libraryOps = connector.MCPOperations{ListResources: "resources.list", ListResourceTemplates: "resources.templates",
	ReadResource: "resources.read", ListPrompts: "prompts.list", GetPrompt: "prompts.get", Complete: "complete"}

func (library) Type() string { return "library" }
func (library) Describe() connector.Description {
	var ops []aos.Operation
	for _, n := range []string{"resources.list", "resources.templates", "resources.read", "prompts.list", "prompts.get", "complete"} {
		ops = append(ops, aos.Operation{Name: n, Access: aos.Read})
	}
	return connector.Description{Type: "library", Operations: ops}
}
func (library) MCPOperations(*aos.Connection) connector.MCPOperations { return libraryOps }
func (library) Configure(*aos.Connection) error                       { return nil }
func (library) CheckScope(scope string) (string, error)               { return scope, nil }
func (library) Covers(scope, resource string) bool                    { return scope == "*" || scope == resource }
func (library) FromHTTP(*aos.Connection, *connector.HTTPRequest) (*connector.Call, error) {
	return nil, aos.Errorf(aos.EUnknownOperation, "no proxy")
}
func (library) FromCall(c *aos.Connection, op string, args json.RawMessage) (*connector.Call, error) {
	var a struct{ URI string }
	json.Unmarshal(args, &a)
	resource := "public"
	if strings.Contains(a.URI, "secret") {
		resource = "secret"
	}
	return &connector.Call{Operation: aos.Operation{Name: op, Access: aos.Read}, Resource: resource,
		Upstream: &connector.Outbound{Method: http.MethodPost, URL: c.BaseURL, Body: args}}, nil
}
func (library) Do(_ context.Context, _ *aos.Connection, _ vault.Secret, call *connector.Call) (*connector.Response, error) {
	var a struct {
		Cursor, URI, Name string
		Arguments         map[string]string
		Ref               *mcp.CompleteReference
		Argument          mcp.CompleteParamsArgument
	}
	json.Unmarshal(call.Upstream.Body, &a)
	var res any
	switch call.Operation.Name {
	case "resources.list":
		if a.Cursor == "" {
			res = mcp.ListResourcesResult{Resources: []*mcp.Resource{{URI: "file:///readme", Name: "readme"}}, NextCursor: "2"}
		} else {
			res = mcp.ListResourcesResult{Resources: []*mcp.Resource{{URI: "file:///secret", Name: "secret"}}}
		}
	case "resources.templates":
		res = mcp.ListResourceTemplatesResult{ResourceTemplates: []*mcp.ResourceTemplate{{URITemplate: "file:///{path}", Name: "files"}}}
	case "resources.read":
		res = mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: a.URI, MIMEType: "text/plain", Text: "hello from " + a.URI}}}
	case "prompts.list":
		res = mcp.ListPromptsResult{Prompts: []*mcp.Prompt{{Name: "greet", Arguments: []*mcp.PromptArgument{{Name: "who"}}}}}
	case "prompts.get":
		if a.Name != "greet" {
			return &connector.Response{Status: 404, Body: []byte(`{}`)}, nil
		}
		res = mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "Hello " + a.Arguments["who"]}}}}
	case "complete":
		// Completions of the upstream's own names: the ref as it knows it.
		var values []string
		if a.Ref != nil && (a.Ref.Type == "ref/prompt" && a.Ref.Name == "greet" || a.Ref.Type == "ref/resource" && a.Ref.URI == "file:///{path}") {
			for _, v := range []string{"Ada", "Alan", "Grace"} {
				if strings.HasPrefix(v, a.Argument.Value) {
					values = append(values, v)
				}
			}
		}
		res = mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: values, Total: len(values)}}
	default:
		return nil, aos.Errorf(aos.EUnknownOperation, "no %s", call.Operation.Name)
	}
	body, _ := json.Marshal(res)
	return &connector.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}, nil
}

// TestMCP_ResourcesAndPrompts: an upstream's resources and prompts reach
// the agents granted its connection, under aos:// URIs and CONNECTION.NAME
// prompt names, each read through the gateway and its scopes; an agent
// without a grant sees none.
func TestMCP_ResourcesAndPrompts(t *testing.T) {
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(version, func(t *testing.T) {
			in := gatewaytest.Start(t, library{})
			alice, bob := in.Agent(t, "alice", "sales"), in.Agent(t, "bob", "sales")
			in.Connect(t, owner.ConnectRequest{Type: "library", Name: "library", Scope: "public", To: "alice",
				BaseURL: "https://library.example/mcp", Credential: vault.NewSecret([]byte("library-key-1234567890"))})
			w := &world{in: in}
			ctx := context.Background()
			cs := connect(t, w, alice, version, nil)

			rs, err := cs.ListResources(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var uris []string
			for _, r := range rs.Resources {
				uris = append(uris, r.URI)
			}
			if got := strings.Join(uris, " "); got != "aos://library/file:///readme aos://library/file:///secret" {
				t.Errorf("resources/list = %s; want both pages, under aos://library/", got)
			}
			ts, err := cs.ListResourceTemplates(ctx, nil)
			if err != nil || len(ts.ResourceTemplates) != 1 || ts.ResourceTemplates[0].URITemplate != "aos://library/file:///{path}" {
				t.Errorf("resources/templates/list = %+v, %v", ts, err)
			}
			read, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "aos://library/file:///readme"})
			if err != nil || len(read.Contents) != 1 || read.Contents[0].Text != "hello from file:///readme" ||
				read.Contents[0].URI != "aos://library/file:///readme" {
				t.Errorf("resources/read: %+v, %v", read, err)
			}
			_, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "aos://library/file:///secret"})
			var rpc *jsonrpc.Error
			if !errors.As(err, &rpc) || !strings.Contains(rpc.Message, aos.EOutOfScope) {
				t.Errorf("reading outside the grant's scope: %v; want an error saying %s", err, aos.EOutOfScope)
			}
			for _, uri := range []string{"aos://nosuch/file:///readme", "file:///readme", "aos:dispatch"} {
				_, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
				if !errors.As(err, &rpc) || rpc.Code != mcp.ResourceNotFoundError("").(*jsonrpc.Error).Code {
					t.Errorf("reading %s: %v; want resource not found", uri, err)
				}
			}

			tools, err := cs.ListTools(ctx, nil)
			if err != nil || len(tools.Tools) != 2 {
				t.Errorf("tools/list = %+v, %v; want aos's own tools only (the library's operations are its resources and prompts)", tools, err)
			}

			ps, err := cs.ListPrompts(ctx, nil)
			if err != nil || len(ps.Prompts) != 1 || ps.Prompts[0].Name != "library.greet" {
				t.Errorf("prompts/list = %+v, %v", ps, err)
			}
			got, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "library.greet", Arguments: map[string]string{"who": "Ada"}})
			if err != nil || len(got.Messages) != 1 || got.Messages[0].Content.(*mcp.TextContent).Text != "Hello Ada" {
				t.Errorf("prompts/get: %+v, %v", got, err)
			}
			for _, name := range []string{"library.nosuch", "nosuch.greet", "greet", "aos_dispatch"} {
				if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: name}); err == nil {
					t.Errorf("prompts/get %s answered", name)
				}
			}

			for _, ref := range []*mcp.CompleteReference{{Type: "ref/prompt", Name: "library.greet"},
				{Type: "ref/resource", URI: "aos://library/file:///{path}"}} {
				c, err := cs.Complete(ctx, &mcp.CompleteParams{Ref: ref, Argument: mcp.CompleteParamsArgument{Name: "who", Value: "A"}})
				if err != nil || strings.Join(c.Completion.Values, ",") != "Ada,Alan" {
					t.Errorf("completion/complete of %+v: %+v, %v; want Ada,Alan", ref, c, err)
				}
			}
			c, err := cs.Complete(ctx, &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "greet"},
				Argument: mcp.CompleteParamsArgument{Name: "who", Value: "A"}})
			if err != nil || len(c.Completion.Values) != 0 {
				t.Errorf("completion of a prompt of no connection: %+v, %v; want none", c, err)
			}

			other := connect(t, w, bob, version, nil)
			if rs, err := other.ListResources(ctx, nil); err != nil || len(rs.Resources) != 0 {
				t.Errorf("bob, without a grant, lists %+v, %v", rs, err)
			}
			if ps, err := other.ListPrompts(ctx, nil); err != nil || len(ps.Prompts) != 0 {
				t.Errorf("bob, without a grant, lists prompts %+v, %v", ps, err)
			}
			if _, err := other.GetPrompt(ctx, &mcp.GetPromptParams{Name: "library.greet"}); err == nil {
				t.Error("bob, without a grant, got a prompt")
			}
			if c, err := other.Complete(ctx, &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "library.greet"},
				Argument: mcp.CompleteParamsArgument{Name: "who", Value: "A"}}); err != nil || len(c.Completion.Values) != 0 {
				t.Errorf("bob, without a grant, got completions %+v, %v", c, err)
			}
			in.Verify(t)
		})
	}
}

// TestMCP_SubscribeNeedsTheConnectorsOperation: a connector whose
// MCPOperations name no Subscribe (this one) has no resource an agent can
// subscribe to: resources/subscribe answers resource not found, and
// nothing reaches the connector.
func TestMCP_SubscribeNeedsTheConnectorsOperation(t *testing.T) {
	in := gatewaytest.Start(t, library{})
	alice := in.Agent(t, "alice", "sales")
	in.Connect(t, owner.ConnectRequest{Type: "library", Name: "library", Scope: "*", To: "alice",
		BaseURL: "https://library.example/mcp", Credential: vault.NewSecret([]byte("library-key-1234567890"))})
	cs := connect(t, &world{in: in}, alice, "2025-11-25", nil)
	if !cs.InitializeResult().Capabilities.Resources.Subscribe {
		t.Error("/mcp does not say it serves resources/subscribe")
	}
	before, err := in.Log.Tail(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	err = cs.Subscribe(context.Background(), &mcp.SubscribeParams{URI: "aos://library/file:///readme"})
	var rpc *jsonrpc.Error
	if !errors.As(err, &rpc) || rpc.Code != jsonrpc.CodeInvalidParams || rpc.Message != "Resource not found" {
		t.Fatalf("resources/subscribe: %v; want resource not found", err)
	}
	after, err := in.Log.Tail(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("the refused subscription left %d evidence entries; want none (no call was made)", len(after)-len(before))
	}
}
