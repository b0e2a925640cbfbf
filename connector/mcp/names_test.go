package mcp_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/owner"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestStdio_upstreamNames: a connection made with upstream_names (aos
// connect mcp --upstream-names) keeps the setting through pinning and
// accepting (it is part of the settings whose digest the evidence
// records); an agent lists and calls its tools by the upstream's names,
// and a prefixed connection's beside it as CONNECTION.TOOL; once a second
// connection with upstream names pins the same tools, both are served
// prefixed and the bare names call nothing.
func TestStdio_upstreamNames(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	cred := "AOS_MCP_TEST_UPSTREAM=1"
	for name, upstreamNames := range map[string]bool{"up": true, "plain": false} {
		c, err := r.connect(t, name, "", false, map[string]any{"argv": selfCommand(t), "read_tools": []string{"annotated"},
			"upstream_names": upstreamNames}, "", cred)
		if err != nil {
			t.Fatal(err)
		}
		if tools, on := r.k.UpstreamNames(c); on != upstreamNames || on && !strings.Contains(strings.Join(tools, " "), "echo") {
			t.Fatalf("%s: UpstreamNames = %v, %v; want %v with its pinned tools", name, tools, on, upstreamNames)
		}
	}
	if _, err := r.in.Owner.Accept(ctx, r.in.Boss, owner.AcceptRequest{Connection: "up", Item: "echo"}); err != nil {
		t.Fatal(err)
	}
	var c *aos.Connection
	r.in.Store.View(ctx, func(tx aos.Tx) (err error) {
		c, err = tx.ConnectionByName(ctx, "up")
		return err
	})
	if _, on := r.k.UpstreamNames(c); !on || !strings.Contains(string(c.Config), `"upstream_names":true`) {
		t.Fatalf("accepting a tool lost upstream_names: %s", c.Config)
	}

	token := r.in.Agent(t, "lister", "qa")
	r.in.Grant(t, owner.GrantRequest{Connection: "up", Scope: "tool:echo,send", Write: true, To: "lister"})
	r.in.Grant(t, owner.GrantRequest{Connection: "plain", Scope: "tool:echo", To: "lister"})
	cs := clientSession(t, r.in.URL+"/mcp", token)
	listed := func() string {
		t.Helper()
		res, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tl := range res.Tools {
			if !strings.HasPrefix(tl.Name, "aos_") {
				names = append(names, tl.Name)
			}
		}
		sort.Strings(names)
		return strings.Join(names, " ")
	}
	call := func(name string) string {
		t.Helper()
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: map[string]any{"msg": "hi"}})
		var rpc *jsonrpc.Error
		if errors.As(err, &rpc) {
			return "protocol error: " + rpc.Message
		}
		if err != nil {
			t.Fatal(err)
		}
		return res.Content[0].(*sdk.TextContent).Text
	}
	if got := listed(); got != "echo plain.echo send" {
		t.Errorf("tools/list = %s; want up's tools by their own names, plain's prefixed", got)
	}
	for name, want := range map[string]string{"echo": "echo: hi", "up.echo": "echo: hi", "plain.echo": "echo: hi", "send": "sent: hi"} {
		if got := call(name); !strings.Contains(got, want) {
			t.Errorf("call %s: %s; want %s", name, got, want)
		}
	}
	// A tool of up that no grant covers is refused as such, not unknown.
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "env", Arguments: map[string]any{}})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*sdk.TextContent).Text, aos.EOutOfScope) {
		t.Errorf("call env (not in the grant's scope): %+v, %v; want a tool error saying %s", res, err, aos.EOutOfScope)
	}

	// A second connection with upstream names pins the same tools: no
	// name is served bare, so none can mean either.
	if _, err := r.connect(t, "up2", "", false, map[string]any{"argv": selfCommand(t), "read_tools": []string{"annotated"},
		"upstream_names": true}, "", cred); err != nil {
		t.Fatal(err)
	}
	if got := listed(); got != "plain.echo up.echo up.send" {
		t.Errorf("tools/list with a clash = %s", got)
	}
	if got := call("echo"); !strings.Contains(got, "unknown tool") {
		t.Errorf("call echo with a clash: %s; want unknown tool", got)
	}
	if got := call("up.echo"); !strings.Contains(got, "echo: hi") {
		t.Errorf("call up.echo with a clash: %s", got)
	}
	r.in.Verify(t)
}
