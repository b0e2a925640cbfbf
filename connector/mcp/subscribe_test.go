package mcp_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos/owner"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// watchingClient is an agent's MCP session over /mcp that keeps the
// resource updates it is sent.
type watchingClient struct {
	cs      *sdk.ClientSession
	updates chan string
}

func watchClient(t *testing.T, url, token, version string) *watchingClient {
	t.Helper()
	w := &watchingClient{updates: make(chan string, 100)}
	c := sdk.NewClient(&sdk.Implementation{Name: "watcher", Version: "1"}, &sdk.ClientOptions{
		ResourceUpdatedHandler: func(_ context.Context, req *sdk.ResourceUpdatedNotificationRequest) {
			w.updates <- req.Params.URI
		},
	})
	hc := &http.Client{Transport: &bearerTransport{token: token}}
	cs, err := c.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: url, HTTPClient: hc},
		&sdk.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	w.cs = cs
	t.Cleanup(func() { cs.Close() })
	return w
}

// next is the next update the session gets.
func (w *watchingClient) next(t *testing.T, who string) string {
	t.Helper()
	select {
	case u := <-w.updates:
		return u
	case <-time.After(10 * time.Second):
		t.Fatalf("%s got no resource update", who)
		return ""
	}
}

// none checks the session got no update (after the others got theirs).
func (w *watchingClient) none(t *testing.T, who string) {
	t.Helper()
	time.Sleep(200 * time.Millisecond)
	select {
	case u := <-w.updates:
		t.Fatalf("%s got an update of %s it must not get", who, u)
	default:
	}
}

// eventually polls f until it holds, for up to 10s.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if f() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not happen", what)
}

// TestStdio_resourceSubscriptions: agents subscribe to an upstream's
// resource over /mcp. ada (two sessions) and bob may read the resources;
// carol's grant covers a tool only, and she is refused. aos subscribes
// upstream once; an update reaches the sessions subscribed and no one
// else; bob's grant revoked, he gets no more; the upstream killed, it is
// started again on its own, subscribed again, and updates flow; the
// upstream is unsubscribed when the last session unsubscribes or closes.
// Subscribing and unsubscribing are in the evidence.
func TestStdio_resourceSubscriptions(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	pidfile := filepath.Join(t.TempDir(), "pid")
	conn, err := r.connect(t, "up", "", false, map[string]any{
		"argv": selfCommand(t), "read_tools": []string{"annotated"},
	}, "", "AOS_MCP_TEST_UPSTREAM=1\nAOS_MCP_TEST_RESOURCES=1\nAOS_MCP_TEST_PIDFILE="+pidfile)
	if err != nil {
		t.Fatal(err)
	}
	r.in.Grant(t, owner.GrantRequest{Connection: "up", Scope: "*", To: "ada"})
	bobToken := r.in.Agent(t, "bob", "research")
	bobGrant := r.in.Grant(t, owner.GrantRequest{Connection: "up", Scope: "resources", To: "bob"})
	danToken := r.in.Agent(t, "dan", "research")
	r.in.Grant(t, owner.GrantRequest{Connection: "up", Scope: "resources", To: "dan"})
	carolToken := r.in.Agent(t, "carol", "research")
	r.in.Grant(t, owner.GrantRequest{Connection: "up", Scope: "tool:echo", To: "carol"})

	url := r.in.URL + "/mcp"
	a1 := watchClient(t, url, r.token, "2025-11-25")
	a2 := watchClient(t, url, r.token, "2025-11-25")
	bob := watchClient(t, url, bobToken, "2025-11-25")
	dan := watchClient(t, url, danToken, "2025-11-25")
	carol := watchClient(t, url, carolToken, "2025-11-25")
	const counter = "aos://up/test://counter"
	for who, w := range map[string]*watchingClient{"ada 1": a1, "ada 2": a2, "bob": bob, "dan": dan} {
		if err := w.cs.Subscribe(ctx, &sdk.SubscribeParams{URI: counter}); err != nil {
			t.Fatalf("%s subscribing: %v", who, err)
		}
	}
	err = carol.cs.Subscribe(ctx, &sdk.SubscribeParams{URI: counter})
	if err == nil || !strings.Contains(err.Error(), "aos refused: ") {
		t.Fatalf("carol, without a grant on the resources, subscribed: %v", err)
	}
	t.Logf("carol: %v", err)

	upstreamSubs := func() string {
		t.Helper()
		out, err := r.call(ctx, "up", "subs", `{}`)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := resultText(t, out)
		return s
	}
	bump := func(uri string) {
		t.Helper()
		out, err := r.call(ctx, "up", "bump", `{"uri":"`+uri+`"}`)
		if err != nil {
			t.Fatal(err)
		}
		if s, isErr := resultText(t, out); isErr {
			t.Fatal(s)
		}
	}
	if got := upstreamSubs(); got != "subscribe [test://counter] unsubscribe []" {
		t.Fatalf("the upstream was asked: %s; want one subscription for four sessions", got)
	}

	bump("test://other") // nobody subscribed to it
	bump("test://counter")
	for who, w := range map[string]*watchingClient{"ada 1": a1, "ada 2": a2, "bob": bob, "dan": dan} {
		if got := w.next(t, who); got != counter {
			t.Fatalf("%s got an update of %s, want %s", who, got, counter)
		}
	}
	carol.none(t, "carol")
	a1.none(t, "ada 1")

	// bob's grant revoked and dan removed: their sessions are still
	// subscribed, but they hear of no more updates; ada does.
	if _, err := r.in.Owner.Revoke(ctx, r.in.Boss, bobGrant.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.in.Owner.RemoveAgent(ctx, r.in.Boss, "dan"); err != nil {
		t.Fatal(err)
	}
	bump("test://counter")
	if a1.next(t, "ada 1") != counter || a2.next(t, "ada 2") != counter {
		t.Fatal("ada's sessions got another update")
	}
	bob.none(t, "bob, after the revoke")
	dan.none(t, "dan, after his removal")

	// The upstream killed: it is started again without a call, and
	// subscribed again.
	killFrom(t, pidfile)
	eventually(t, "the upstream's restart", func() bool { _, err := os.Stat(pidfile); return err == nil })
	if got := upstreamSubs(); got != "subscribe [test://counter] unsubscribe []" {
		t.Fatalf("the restarted upstream was asked: %s; want the subscription again", got)
	}
	bump("test://counter")
	if a1.next(t, "ada 1") != counter || a2.next(t, "ada 2") != counter {
		t.Fatal("ada's sessions got no update from the restarted upstream")
	}
	bob.none(t, "bob, after the restart")

	// ada's second session unsubscribes: the others still watch.
	if err := a2.cs.Unsubscribe(ctx, &sdk.UnsubscribeParams{URI: counter}); err != nil {
		t.Fatal(err)
	}
	bump("test://counter")
	if a1.next(t, "ada 1") != counter {
		t.Fatal("ada's first session got no update")
	}
	a2.none(t, "ada 2, unsubscribed")
	if got := upstreamSubs(); got != "subscribe [test://counter] unsubscribe []" {
		t.Fatalf("the upstream was asked: %s; want it still subscribed", got)
	}

	// bob's session closes (his unsubscribe is refused by the gateway, the
	// grant being revoked, and released all the same); dan's was released
	// when an update found him gone (his session cannot even be closed
	// without a token); then ada's first closes: the upstream is
	// unsubscribed.
	bob.cs.Close()
	eventually(t, "bob's and dan's release", func() bool { return r.k.Watched(conn.ID, "test://counter") == 1 })
	if got := upstreamSubs(); got != "subscribe [test://counter] unsubscribe []" {
		t.Fatalf("the upstream was asked: %s; want it still subscribed for ada", got)
	}
	a1.cs.Close()
	eventually(t, "the upstream's unsubscribe", func() bool {
		return upstreamSubs() == "subscribe [test://counter] unsubscribe [test://counter]"
	})

	es, err := r.in.Log.Tail(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range es {
		if op := e.Attrs["operation"]; strings.HasPrefix(op, "resources/") {
			kinds[e.Kind+" "+op]++
		}
	}
	t.Logf("evidence: %v", kinds)
	if kinds["call.authorized resources/subscribe"] != 4 || kinds["call.denied resources/subscribe"] != 1 ||
		kinds["call.authorized resources/unsubscribe"] != 2 || kinds["call.denied resources/unsubscribe"] != 1 {
		t.Errorf("the evidence of the subscriptions: %v", kinds)
	}
	r.in.Verify(t)
}

// TestStdio_subscribeStateless: 2026-07-28 has no standing session to
// carry updates; a subscription (subscriptions/listen with resource URIs)
// is refused, saying so; resources/subscribe is not a method of that
// revision (the go-sdk answers method not found).
func TestStdio_subscribeStateless(t *testing.T) {
	r := newRig(t)
	conn, err := r.connect(t, "up", "*", false, map[string]any{
		"argv": selfCommand(t), "read_tools": []string{"annotated"},
	}, "", "AOS_MCP_TEST_UPSTREAM=1\nAOS_MCP_TEST_RESOURCES=1")
	if err != nil {
		t.Fatal(err)
	}
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},` +
		`"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}`
	for method, c := range map[string]struct{ params, want string }{
		"subscriptions/listen": {`"notifications":{"resourceSubscriptions":["aos://up/test://counter"]}`,
			"no standing session for aos to send resource updates on"},
		"resources/subscribe": {`"uri":"aos://up/test://counter"`, `"code":-32601`},
	} {
		params := c.params
		body := `{"jsonrpc":"2.0","id":1,"method":"` + method + `","params":{` + params + `,` + meta + `}}`
		req, _ := http.NewRequest(http.MethodPost, r.in.URL+"/mcp", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+r.token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", method)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Logf("%s: %d %s", method, resp.StatusCode, b)
		if !strings.Contains(string(b), c.want) || !strings.Contains(string(b), `"error"`) {
			t.Errorf("%s under 2026-07-28: %d %s; want it refused, saying why", method, resp.StatusCode, b)
		}
	}
	if n := r.k.Watched(conn.ID, "test://counter"); n != 0 {
		t.Fatal("a watcher was registered")
	}
}
