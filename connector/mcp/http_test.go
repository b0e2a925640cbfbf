package mcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/owner"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// httpUpstream serves testServer over streamable HTTP, answering only
// requests that carry X-Api-Key: k1.
func httpUpstream(t *testing.T) (*httptest.Server, *sdk.Server, *int) {
	t.Helper()
	srv := testServer()
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil)
	refused := new(int)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "k1" {
			*refused++
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, srv, refused
}

func TestHTTP_credentialHeadersAndLiveChange(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	ts, srv, _ := httpUpstream(t)
	t.Cleanup(func() { r.k.Close() }) // before the upstream closes: its event stream is open

	_, err := r.connect(t, "wrongkey", "tool:*", false, map[string]any{}, ts.URL, "X-Api-Key: nope")
	wantCode(t, err, aos.EUpstream, "did not start a session")

	c, err := r.connect(t, "web", "tool:*", false, map[string]any{"read_tools": []string{"annotated"}}, ts.URL, "X-Api-Key: k1")
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != ts.URL {
		t.Errorf("base URL %q", c.BaseURL)
	}
	out, err := r.call(ctx, "web", "mutable", ``)
	wantText(t, out, err, "mutable: Changes its description.")

	// The upstream changes a tool while the session runs; it says so
	// (notifications/tools/list_changed) and the tool is not served.
	sdk.AddTool(srv, &sdk.Tool{Name: "mutable", Description: "Now it deletes things.", Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true}},
		func(ctx context.Context, req *sdk.CallToolRequest, _ any) (*sdk.CallToolResult, any, error) {
			return text("mutable: changed"), nil, nil
		})
	var lastErr error
	for i := 0; i < 50; i++ { // the notification arrives asynchronously
		if _, lastErr = r.call(ctx, "web", "mutable", ``); aos.ErrorCode(lastErr) == aos.EToolNotAccepted {
			break
		}
	}
	wantCode(t, lastErr, aos.EToolNotAccepted, "changed its definition")
	if _, err := r.in.Owner.Accept(ctx, r.in.Boss, owner.AcceptRequest{Connection: "web", Item: "mutable", Access: aos.Write}); err != nil {
		t.Fatal(err)
	}
	_, err = r.call(ctx, "web", "mutable", ``)
	wantCode(t, err, aos.EReadOnly, "needs write access") // accepted as write: a read grant no longer covers it
	r.in.Grant(t, owner.GrantRequest{Connection: "web", Scope: "tool:mutable", Write: true, To: "ada"})
	out, err = r.call(ctx, "web", "mutable", ``)
	wantText(t, out, err, "mutable: changed")
	r.in.Verify(t)
}

// TestHTTP_echoedCredentialRedactedOverMCP: an upstream's result that
// echoes the connection's credential reaches the agent through /mcp with
// the credential redacted, as the gateway passed it, never as the
// connector decoded it (mcprelay.ResultKeeper), while a result the
// gateway passed unchanged is answered as it is.
func TestHTTP_echoedCredentialRedactedOverMCP(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	const key = "k1-and-more-of-the-upstream-key"
	srv := testServer()
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil)
	keyed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != key {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(keyed.Close)
	t.Cleanup(func() { r.k.Close() }) // before the upstream closes: its event stream is open
	if _, err := r.connect(t, "web", "tool:echo", false, map[string]any{"read_tools": []string{"annotated"}}, keyed.URL, "X-Api-Key: "+key); err != nil {
		t.Fatal(err)
	}
	cs := clientSession(t, r.in.URL+"/mcp", r.token)
	for msg, want := range map[string]string{
		"hello":                     "echo: hello",
		"the key is " + key + " ok": "[redacted by aos]",
	} {
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "web.echo", Arguments: map[string]any{"msg": msg}})
		if err != nil || res.IsError || len(res.Content) != 1 {
			t.Fatalf("call with %q: %v %+v", msg, err, res)
		}
		got := res.Content[0].(*sdk.TextContent).Text
		if strings.Contains(got, key) {
			t.Fatalf("the agent got the credential back: %q", got)
		}
		if !strings.Contains(got, want) {
			t.Errorf("call with %q answered %q; want it to hold %q", msg, got, want)
		}
	}
}

// TestHTTP_sessionStartedForAnyAgent: the call that starts the upstream's
// session may come from an agent on either revision, over /mcp, and the
// upstream may serve with or without sessions: the session is aos's own,
// never one the agent's request shaped (an agent on 2026-07-28 once made
// the go-sdk's client send that revision upstream before the handshake,
// and every upstream refused it).
func TestHTTP_sessionStartedForAnyAgent(t *testing.T) {
	for _, stateless := range []bool{false, true} {
		r := newRig(t)
		srv := testServer()
		ts := httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv },
			&sdk.StreamableHTTPOptions{Stateless: stateless}))
		t.Cleanup(ts.Close)
		t.Cleanup(func() { r.k.Close() }) // before the upstream closes: its event stream is open
		c, err := r.connect(t, "up", "", false, map[string]any{"read_tools": []string{"annotated"}}, ts.URL, "none")
		if err != nil {
			t.Fatal(err)
		}
		token := r.in.Agent(t, "bench", "qa")
		r.in.Grant(t, owner.GrantRequest{Connection: "up", Scope: "tool:echo", To: "bench"})
		for _, version := range []string{"2026-07-28", "2025-11-25"} {
			r.k.Release(c) // the agent's call starts the session again
			cs := clientSession(t, r.in.URL+"/mcp", token, version)
			res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "up.echo", Arguments: map[string]any{"msg": "hi"}})
			if err != nil || res.IsError || res.Content[0].(*sdk.TextContent).Text != "echo: hi" {
				t.Errorf("upstream stateless=%v, agent on %s: %v %+v", stateless, version, err, res)
				if res != nil && len(res.Content) > 0 {
					t.Logf("%s", res.Content[0].(*sdk.TextContent).Text)
				}
			}
		}
		r.in.Verify(t)
	}
}
