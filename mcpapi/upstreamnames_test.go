package mcpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/mcprelay"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// fronted is a connector fronting an upstream MCP server as the mcp
// connector does, its settings saying which tools the upstream has,
// whether it offers resources and prompts, and whether the owner asked
// for the upstream's own names (connector.UpstreamNamer). Every answer
// names the connection that gave it.
type fronted struct{}

type frontedConfig struct {
	Tools         []string `json:"tools"`
	Features      bool     `json:"features,omitempty"`
	UpstreamNames bool     `json:"upstream_names,omitempty"`
}

var frontedFeatures = connector.MCPOperations{ListResources: "resources/list", ListResourceTemplates: "resources/templates/list",
	ReadResource: "resources/read", ListPrompts: "prompts/list", GetPrompt: "prompts/get", Complete: "completion/complete"}

func frontedCfg(c *aos.Connection) frontedConfig {
	var cfg frontedConfig
	json.Unmarshal(c.Config, &cfg)
	return cfg
}

func (fronted) Type() string { return "fronted" }
func (fronted) Describe() connector.Description {
	return connector.Description{Type: "fronted", Operations: []aos.Operation{}}
}
func (fronted) DeclaredOperations(c *aos.Connection) ([]aos.Operation, error) {
	ops := []aos.Operation{}
	for _, t := range frontedCfg(c).Tools {
		ops = append(ops, aos.Operation{Name: t, Access: aos.Read})
	}
	return ops, nil
}
func (fronted) MCPOperations(c *aos.Connection) connector.MCPOperations {
	if frontedCfg(c).Features {
		return frontedFeatures
	}
	return connector.MCPOperations{}
}
func (fronted) UpstreamNames(c *aos.Connection) ([]string, bool) {
	cfg := frontedCfg(c)
	return cfg.Tools, cfg.UpstreamNames
}
func (fronted) WithUpstreamNames(c *aos.Connection, on bool) ([]byte, error) {
	cfg := frontedCfg(c)
	cfg.UpstreamNames = on
	return json.Marshal(cfg)
}

var _ connector.UpstreamNamer = fronted{}

func (fronted) Configure(*aos.Connection) error         { return nil }
func (fronted) CheckScope(scope string) (string, error) { return scope, nil }
func (fronted) Covers(scope, resource string) bool      { return scope == "*" }
func (fronted) FromHTTP(*aos.Connection, *connector.HTTPRequest) (*connector.Call, error) {
	return nil, aos.Errorf(aos.EUnknownOperation, "no proxy")
}
func (fronted) FromCall(c *aos.Connection, op string, args json.RawMessage) (*connector.Call, error) {
	cfg := frontedCfg(c)
	feature := cfg.Features && slices.Contains([]string{frontedFeatures.ListResources, frontedFeatures.ListResourceTemplates,
		frontedFeatures.ReadResource, frontedFeatures.ListPrompts, frontedFeatures.GetPrompt, frontedFeatures.Complete}, op)
	if !feature && !slices.Contains(cfg.Tools, op) {
		return nil, aos.Errorf(aos.EUnknownOperation, "no %q", op)
	}
	return &connector.Call{Operation: aos.Operation{Name: op, Access: aos.Read}, Resource: "tool:" + op,
		Upstream: &connector.Outbound{Method: http.MethodPost, URL: c.BaseURL, Body: args}}, nil
}
func (fronted) Do(_ context.Context, c *aos.Connection, _ vault.Secret, call *connector.Call) (*connector.Response, error) {
	var a struct {
		URI, Name string
		Ref       *mcp.CompleteReference
	}
	json.Unmarshal(call.Upstream.Body, &a)
	var res any
	ct := "application/json"
	switch call.Operation.Name {
	case "resources/list":
		res = mcp.ListResourcesResult{Resources: []*mcp.Resource{{URI: "test://readme", Name: "readme"}, {URI: "aos://odd", Name: "odd"}}}
	case "resources/templates/list":
		res = mcp.ListResourceTemplatesResult{ResourceTemplates: []*mcp.ResourceTemplate{{URITemplate: "test://{path}", Name: "files"}}}
	case "resources/read":
		res = mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: a.URI, Text: c.Name + " read " + a.URI}}}
	case "prompts/list":
		res = mcp.ListPromptsResult{Prompts: []*mcp.Prompt{{Name: "greet"}, {Name: "dotted.prompt"}}}
	case "prompts/get":
		res = mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: c.Name + " prompt " + a.Name}}}}
	case "completion/complete":
		v := c.Name + " " + a.Ref.Type + " " + a.Ref.Name + a.Ref.URI
		res = mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: []string{v}}}
	default:
		res = mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: c.Name + ":" + call.Operation.Name}}}
		ct = mcprelay.ToolResultType
	}
	body, _ := json.Marshal(res)
	return &connector.Response{Status: 200, Header: http.Header{"Content-Type": {ct}}, Body: body}, nil
}

func connectFronted(t *testing.T, in *gatewaytest.Instance, name, to string, cfg frontedConfig) {
	t.Helper()
	b, _ := json.Marshal(cfg)
	req := owner.ConnectRequest{Type: "fronted", Name: name, BaseURL: "https://" + name + ".example/mcp", Config: b,
		Credential: vault.NewSecret([]byte(name + "-key-1234567890"))}
	if to != "" {
		req.Scope, req.To = "*", to
	}
	in.Connect(t, req)
}

// upstreamTools are the names of the tools an agent lists, aos's own left out.
func upstreamTools(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range list.Tools {
		if tool.Name != "aos_wait_approval" && tool.Name != "aos_whoami" {
			names = append(names, tool.Name)
		}
	}
	sort.Strings(names)
	return names
}

// callText calls a tool and returns its text, or the contract's code of
// its tool error, or "unknown" for the protocol error of an unknown tool.
func callText(t *testing.T, cs *mcp.ClientSession, name string) string {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: map[string]any{}})
	var rpc *jsonrpc.Error
	if errors.As(err, &rpc) && strings.Contains(rpc.Message, "unknown tool") {
		return "unknown"
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.IsError {
		return toolErrorCode(t, res)
	}
	return res.Content[0].(*mcp.TextContent).Text
}

// TestMCP_UpstreamNames: the tools of a connection with upstream names
// are served under the upstream's own names where no other connection
// with upstream names claims the same name, and prefixed otherwise (both
// claimants, whatever the agent can see); names that are not valid bare
// (a dot, aos_, a character MCP does not allow) stay prefixed; the
// prefixed names keep working; an upstream-named tool that is not
// granted is refused with not_granted, never unknown; a clashed name
// stands for nothing. Granting and revoking rename nothing; disconnecting
// a claimant frees the name.
func TestMCP_UpstreamNames(t *testing.T) {
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(version, func(t *testing.T) {
			ctx := context.Background()
			in := gatewaytest.Start(t, fronted{})
			alice, bob := in.Agent(t, "alice", "sales"), in.Agent(t, "bob", "ops")
			connectFronted(t, in, "one", "alice", frontedConfig{Tools: []string{"search", "fetch", "aos_x", "a.b", "files/read"}, UpstreamNames: true})
			connectFronted(t, in, "two", "bob", frontedConfig{Tools: []string{"search", "other"}, UpstreamNames: true})
			connectFronted(t, in, "three", "alice", frontedConfig{Tools: []string{"search", "list"}})
			w := &world{in: in}
			ca, cb := connect(t, w, alice, version, nil), connect(t, w, bob, version, nil)

			aliceWant := "fetch one.a.b one.aos_x one.files_read one.search three.list three.search"
			if got := strings.Join(upstreamTools(t, ca), " "); got != aliceWant {
				t.Fatalf("alice's tools = %s; want %s (search clashes with two's, which she cannot see)", got, aliceWant)
			}
			if got := strings.Join(upstreamTools(t, cb), " "); got != "other two.search" {
				t.Fatalf("bob's tools = %s", got)
			}
			for name, want := range map[string]string{
				"fetch": "one:fetch", "one.fetch": "one:fetch", "one.search": "one:search", "three.search": "three:search",
				"one.a.b": "one:a.b", "one.files_read": "one:files/read", "one.aos_x": "one:aos_x",
				"search": "unknown", "a.b": "unknown", "aos_x": "unknown", "list": "unknown", "nosuch": "unknown",
				"other": aos.ENotGranted, "two.other": aos.ENotGranted,
			} {
				if got := callText(t, ca, name); got != want {
					t.Errorf("alice calls %s: %s; want %s", name, got, want)
				}
			}
			if got := callText(t, cb, "other"); got != "two:other" {
				t.Errorf("bob calls other: %s", got)
			}
			if got := callText(t, cb, "fetch"); got != aos.ENotGranted {
				t.Errorf("bob calls one's fetch: %s; want %s", got, aos.ENotGranted)
			}

			// A grant on two gives alice its tools, and renames none of hers.
			g := in.Grant(t, owner.GrantRequest{Connection: "two", Scope: "*", To: "alice"})
			if got := strings.Join(upstreamTools(t, ca), " "); got != "fetch one.a.b one.aos_x one.files_read one.search other three.list three.search two.search" {
				t.Errorf("alice's tools with a grant on two = %s", got)
			}
			if got := callText(t, ca, "other"); got != "two:other" {
				t.Errorf("alice calls other once granted: %s", got)
			}
			if _, err := in.Owner.Revoke(ctx, in.Boss, g.ID); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(upstreamTools(t, ca), " "); got != aliceWant {
				t.Errorf("alice's tools after the revocation = %s; want %s", got, aliceWant)
			}

			// Disconnecting two frees search: one's is served bare.
			if err := in.Owner.Disconnect(ctx, in.Boss, "two"); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(upstreamTools(t, ca), " "); got != "fetch one.a.b one.aos_x one.files_read search three.list three.search" {
				t.Errorf("alice's tools once two is disconnected = %s", got)
			}
			for name, want := range map[string]string{"search": "one:search", "one.search": "one:search", "other": "unknown"} {
				if got := callText(t, ca, name); got != want {
					t.Errorf("alice calls %s once two is disconnected: %s; want %s", name, got, want)
				}
			}

			// The owner switches three to upstream names later: list is
			// served bare, search clashes with one's again.
			changed, err := in.Owner.SetUpstreamNames(ctx, in.Boss, "three", true)
			if err != nil || !changed {
				t.Fatalf("SetUpstreamNames(three, true) = %v, %v", changed, err)
			}
			if got := strings.Join(upstreamTools(t, ca), " "); got != "fetch list one.a.b one.aos_x one.files_read one.search three.search" {
				t.Errorf("alice's tools once three has upstream names = %s", got)
			}
			if got := callText(t, ca, "list"); got != "three:list" {
				t.Errorf("alice calls list: %s", got)
			}
			if changed, err := in.Owner.SetUpstreamNames(ctx, in.Boss, "three", true); err != nil || changed {
				t.Errorf("setting the same choice again = %v, %v; want no change", changed, err)
			}
			if _, err := in.Owner.SetUpstreamNames(ctx, in.Boss, "two", true); aos.ErrorCode(err) != aos.EConflict {
				t.Errorf("SetUpstreamNames on a disconnected connection: %v; want conflict", err)
			}
			if _, err := in.Owner.SetUpstreamNames(ctx, in.Boss, "three", false); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(upstreamTools(t, ca), " "); got != "fetch one.a.b one.aos_x one.files_read search three.list three.search" {
				t.Errorf("alice's tools once three is prefixed again = %s", got)
			}
			in.Verify(t)
		})
	}
}

// TestMCP_UpstreamNames_features: the resources, templates and prompts of
// the one connection with upstream names whose upstream offers them are
// served under their own URIs and names (those of aos's scheme, and
// dotted prompt names, prefixed), read and got by them and by the
// prefixed forms, completions too; once a second such connection is
// connected, both are served prefixed, and a bare URI or name stands for
// neither.
func TestMCP_UpstreamNames_features(t *testing.T) {
	ctx := context.Background()
	in := gatewaytest.Start(t, fronted{})
	alice, bob := in.Agent(t, "alice", "sales"), in.Agent(t, "bob", "ops")
	connectFronted(t, in, "one", "alice", frontedConfig{Features: true, UpstreamNames: true})
	connectFronted(t, in, "plain", "alice", frontedConfig{Features: true})
	w := &world{in: in}
	cs := connect(t, w, alice, "2025-11-25", nil)

	resources := func() string {
		rs, err := cs.ListResources(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var uris []string
		for _, r := range rs.Resources {
			uris = append(uris, r.URI)
		}
		ts, err := cs.ListResourceTemplates(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ts.ResourceTemplates {
			uris = append(uris, r.URITemplate)
		}
		ps, err := cs.ListPrompts(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps.Prompts {
			uris = append(uris, p.Name)
		}
		sort.Strings(uris)
		return strings.Join(uris, " ")
	}
	read := func(uri string) string {
		res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
		if err != nil {
			return "error"
		}
		return res.Contents[0].URI + " " + res.Contents[0].Text
	}
	prompt := func(name string) string {
		res, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: name})
		if err != nil {
			return "error"
		}
		return res.Messages[0].Content.(*mcp.TextContent).Text
	}
	complete := func(ref *mcp.CompleteReference) string {
		res, err := cs.Complete(ctx, &mcp.CompleteParams{Ref: ref, Argument: mcp.CompleteParamsArgument{Name: "x", Value: "a"}})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(res.Completion.Values, ",")
	}

	want := "aos://one/aos://odd aos://plain/aos://odd aos://plain/test://readme aos://plain/test://{path} " +
		"greet one.dotted.prompt plain.dotted.prompt plain.greet test://readme test://{path}"
	if got := resources(); got != want {
		t.Errorf("resources, templates and prompts = %s\nwant %s", got, want)
	}
	for uri, want := range map[string]string{
		"test://readme":              "test://readme one read test://readme",
		"test://a/b":                 "test://a/b one read test://a/b",
		"aos://one/test://readme":    "aos://one/test://readme one read test://readme",
		"aos://plain/test://readme":  "aos://plain/test://readme plain read test://readme",
		"aos://one/aos://odd":        "aos://one/aos://odd one read aos://odd",
		"aos://odd":                  "error",
		"aos:dispatch":               "error",
		"aos://nosuch/test://readme": "error",
		"aos://one/":                 "error",
	} {
		if got := read(uri); got != want {
			t.Errorf("read %s: %s; want %s", uri, got, want)
		}
	}
	for name, want := range map[string]string{
		"greet": "one prompt greet", "one.greet": "one prompt greet", "plain.greet": "plain prompt greet",
		"one.dotted.prompt": "one prompt dotted.prompt", "dotted.prompt": "error", "nosuch": "one prompt nosuch",
	} {
		if got := prompt(name); got != want {
			t.Errorf("get prompt %s: %s; want %s", name, got, want)
		}
	}
	for _, tc := range []struct {
		ref  mcp.CompleteReference
		want string
	}{
		{mcp.CompleteReference{Type: "ref/prompt", Name: "greet"}, "one ref/prompt greet"},
		{mcp.CompleteReference{Type: "ref/resource", URI: "test://{path}"}, "one ref/resource test://{path}"},
		{mcp.CompleteReference{Type: "ref/prompt", Name: "plain.greet"}, "plain ref/prompt greet"},
		{mcp.CompleteReference{Type: "ref/resource", URI: "aos://one/test://{path}"}, "one ref/resource test://{path}"},
	} {
		if got := complete(&tc.ref); got != tc.want {
			t.Errorf("complete %+v: %s; want %s", tc.ref, got, tc.want)
		}
	}
	// bob has no grant on one: its bare URIs are as unknown to him as its prefixed ones.
	other := connect(t, w, bob, "2025-11-25", nil)
	if _, err := other.ReadResource(ctx, &mcp.ReadResourceParams{URI: "test://readme"}); err == nil {
		t.Error("bob, without a grant, read one's resource by its own URI")
	}

	// A second connection with upstream names offering resources and
	// prompts: neither serves them bare any more.
	connectFronted(t, in, "two", "alice", frontedConfig{Features: true, UpstreamNames: true})
	want = "aos://one/aos://odd aos://one/test://readme aos://one/test://{path} aos://plain/aos://odd aos://plain/test://readme aos://plain/test://{path} " +
		"aos://two/aos://odd aos://two/test://readme aos://two/test://{path} one.dotted.prompt one.greet plain.dotted.prompt plain.greet two.dotted.prompt two.greet"
	if got := resources(); got != want {
		t.Errorf("with two connections with upstream names = %s\nwant %s", got, want)
	}
	if got := read("test://readme"); got != "error" {
		t.Errorf("read test://readme with two claimants: %s; want an error", got)
	}
	if got := read("aos://two/test://readme"); got != "aos://two/test://readme two read test://readme" {
		t.Errorf("read aos://two/test://readme: %s", got)
	}
	if got := prompt("greet"); got != "error" {
		t.Errorf("get greet with two claimants: %s; want an error", got)
	}
	if got := complete(&mcp.CompleteReference{Type: "ref/prompt", Name: "greet"}); got != "" {
		t.Errorf("complete greet with two claimants: %s; want none", got)
	}
	in.Verify(t)
}
