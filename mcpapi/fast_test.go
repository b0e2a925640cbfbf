//lint:file-ignore SA1019 sampling and logging are deprecated in MCP 2026-07-28 but still served under 2025-11-25, and the fast path leaves them to the go-sdk

package mcpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos/mcpapi"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// fastCases are calls of alice's that end every way a call can: a read,
// the policy's refusals, unknown tools, bad _meta, a held payout.
var fastCases = []*mcp.CallToolParams{
	{Name: "crm.GET", Arguments: map[string]any{"path": "/contacts/7"}},
	{Name: "crm.GET", Arguments: map[string]any{"path": "/contacts/8"}},
	{Name: "crm.POST", Arguments: map[string]any{"path": "/contacts", "body": map[string]any{"name": "Eve"}}},
	{Name: "crm.GET", Arguments: map[string]any{"path": "/invoices/1"}},
	{Name: "vault-api.GET", Arguments: map[string]any{"path": "/plans"}},
	{Name: "nosuch.GET", Arguments: map[string]any{"path": "/contacts/7"}},
	{Name: "crm.FROB"},
	{Name: "crm.GET", Arguments: map[string]any{"path": "/contacts/7"}, Meta: mcp.Meta{"aos/purpose": 7}},
	{Name: "crm.GET", Arguments: map[string]any{"path": 7}},
	{Name: "ledger.payouts.create", Arguments: map[string]any{"path": "/v1/payouts", "body": map[string]any{"amount": 500000, "currency": "usd"}},
		Meta: mcp.Meta{"aos/purpose": "pay the March invoice", "aos/alternatives": "wait, ask"}},
}

// approvalIDs are what differs between two held calls' answers.
var approvalIDs = regexp.MustCompile(`apr_[A-Za-z0-9_-]+|"expires_at":"[^"]*"|pending until [^ ]+\)`)

// answerOf is a call's answer as the agent reads it, with what differs
// between two held calls (their ids and deadlines) blanked.
func answerOf(t *testing.T, res *mcp.CallToolResult, err error) string {
	t.Helper()
	var rpc *jsonrpc.Error
	if errors.As(err, &rpc) {
		return "protocol error " + rpc.Error()
	}
	if err != nil {
		t.Fatalf("neither a result nor a protocol error: %v", err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return approvalIDs.ReplaceAllString(string(b), "X")
}

// plainSession connects as the agent with token at 2025-11-25 and waits
// until the fast path knows the session.
func plainSession(t *testing.T, w *world, token string) *mcp.ClientSession {
	t.Helper()
	cs := connect(t, w, token, "2025-11-25", nil)
	for deadline := time.Now().Add(10 * time.Second); !mcpapi.FastSession(w.in.MCP, cs.ID()); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the session was not registered for the fast path")
		}
	}
	return cs
}

// TestMCP_FastPathAnswersAsTheGoSDK: every kind of call answered by the
// fast path is answered exactly as the go-sdk's path answers it, as the
// go-sdk client reads both: in 2025-11-25 sessions (a plain session's
// calls against those of a session whose client offers sampling, which
// the fast path leaves to the go-sdk), and under 2026-07-28 (plain calls
// against calls asking for progress, the go-sdk's), where the fast path
// also finishes the result as the go-sdk does (resultType, serverInfo).
func TestMCP_FastPathAnswersAsTheGoSDK(t *testing.T) {
	w := newWorld(t)
	sampling := connect(t, w, w.alice, "2025-11-25", &mcp.ClientOptions{
		CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			return nil, errors.New("not used")
		}})
	sameAnswers(t, w, plainSession(t, w, w.alice), sampling, func(c *mcp.CallToolParams) *mcp.CallToolParams { return c })
	stateless := connect(t, w, w.alice, "2026-07-28", nil)
	sameAnswers(t, w, stateless, stateless, func(c *mcp.CallToolParams) *mcp.CallToolParams {
		viaSDK := *c
		viaSDK.Meta = mcp.Meta{"progressToken": "p1"}
		for k, v := range c.Meta {
			viaSDK.Meta[k] = v
		}
		return &viaSDK
	})
	if n := countPayouts(w); n != 0 {
		t.Errorf("the ledger received %d payouts before the owner decided", n)
	}
	w.in.Verify(t)
}

// sameAnswers makes each of fastCases on fast, which must take the fast
// path, and as viaSDK makes it on sdk, which must not, and compares the
// answers.
func sameAnswers(t *testing.T, w *world, fast, sdk *mcp.ClientSession, viaSDK func(*mcp.CallToolParams) *mcp.CallToolParams) {
	t.Helper()
	ctx := context.Background()
	revision := fast.InitializeResult().ProtocolVersion
	for _, c := range fastCases {
		before := mcpapi.FastCalls(w.in.MCP)
		res, err := sdk.CallTool(ctx, viaSDK(c))
		sdkAnswer := answerOf(t, res, err)
		if n := mcpapi.FastCalls(w.in.MCP); n != before {
			t.Fatalf("%s %s: the call meant for the go-sdk took the fast path", revision, c.Name)
		}
		res, err = fast.CallTool(ctx, c)
		fastAnswer := answerOf(t, res, err)
		if n := mcpapi.FastCalls(w.in.MCP); n != before+1 {
			t.Fatalf("%s %s: the plain call did not take the fast path", revision, c.Name)
		}
		if fastAnswer != sdkAnswer {
			t.Errorf("%s %s %v:\nfast path: %s\ngo-sdk:    %s", revision, c.Name, c.Arguments, fastAnswer, sdkAnswer)
		}
		if revision >= "2026-07-28" && err == nil && res.Meta["io.modelcontextprotocol/serverInfo"] == nil {
			t.Errorf("%s: the result's _meta names no server: %v", c.Name, res.Meta)
		}
	}
}

// TestMCP_FastPathOnlyWhenNothingCanNeedTheStream: a call that asks for
// progress, a session that chose a logging level, and aos's own tools go
// to the go-sdk; so does every request of a session presented by another
// agent, which the go-sdk refuses.
func TestMCP_FastPathOnlyWhenNothingCanNeedTheStream(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	read := &mcp.CallToolParams{Name: "crm.GET", Arguments: map[string]any{"path": "/contacts/7"}}
	fast := func() int64 { return mcpapi.FastCalls(w.in.MCP) }

	cs := plainSession(t, w, w.alice)
	if res, err := cs.CallTool(ctx, read); err != nil || res.IsError || fast() != 1 {
		t.Fatalf("a plain read: %v %+v, fast path taken %d times", err, res, fast())
	}
	withToken := *read
	withToken.Meta = mcp.Meta{"progressToken": "p1"}
	if res, err := cs.CallTool(ctx, &withToken); err != nil || res.IsError || fast() != 1 {
		t.Fatalf("a read asking for progress: %v %+v, fast path taken %d times", err, res, fast())
	}
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "aos_whoami"}); err != nil || res.IsError || fast() != 1 {
		t.Fatalf("aos_whoami: %v %+v, fast path taken %d times", err, res, fast())
	}
	if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
		t.Fatal(err)
	}
	if res, err := cs.CallTool(ctx, read); err != nil || res.IsError || fast() != 1 {
		t.Fatalf("a read after logging/setLevel: %v %+v, fast path taken %d times", err, res, fast())
	}

	// Bob presents alice's session: refused by the go-sdk, not answered.
	other := plainSession(t, w, w.alice)
	body := `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"crm.GET","arguments":{"path":"/contacts/7"}}}`
	status, got := sessionPost(t, w, w.bob, other.ID(), body, nil)
	if status != http.StatusForbidden || fast() != 1 {
		t.Errorf("bob with alice's session: %d %s, fast path taken %d times", status, got, fast())
	}
	// Alice herself, on the same session, by hand: the fast path.
	status, got = sessionPost(t, w, w.alice, other.ID(), body, nil)
	if status != http.StatusOK || !strings.Contains(got, `"id":9,"result":{`) || !strings.Contains(got, "structuredContent") || fast() != 2 {
		t.Errorf("alice's POST: %d %s, fast path taken %d times", status, got, fast())
	}
	// What the go-sdk checks and the fast path does not read goes to it.
	for _, c := range []struct {
		body   string
		header map[string]string
	}{
		{body, map[string]string{"Mcp-Method": "tools/call"}},
		{body, map[string]string{"Mcp-Protocol-Version": "2025-06-18"}},
		{body, map[string]string{"Content-Type": "text/plain"}},
		{body, map[string]string{"Accept": "application/json"}},
		{strings.Replace(body, `"method"`, `"Method"`, 1), nil},
		{strings.Replace(body, `"id":9`, `"id":9.5`, 1), nil},
		{strings.Replace(body, `{"name"`, `{"task":{},"name"`, 1), nil},
		{strings.Replace(body, `"jsonrpc":"2.0",`, `"jsonrpc":"2.0","method":"tools/list",`, 1), nil},
		{`[` + body + `]`, nil},
	} {
		sessionPost(t, w, w.alice, other.ID(), c.body, c.header)
		if fast() != 2 {
			t.Fatalf("%s %v took the fast path", c.body, c.header)
		}
	}
	w.in.Verify(t)
}

// TestMCP_FastPathStatelessChecks: a 2026-07-28 request the go-sdk would
// refuse (header fields that do not match the body, a protocol version in
// _meta other than the header's, no client capabilities, capabilities or
// client information that do not read as such) is left to it, and so is
// one that names a log level or asks for progress; a plain one is answered
// by the fast path.
func TestMCP_FastPathStatelessChecks(t *testing.T) {
	w := newWorld(t)
	fast := func() int64 { return mcpapi.FastCalls(w.in.MCP) }
	const meta = `"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":true}},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}`
	body := `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"crm.GET","arguments":{"path":"/contacts/7"},"_meta":{` + meta + `}}}`
	header := func(extra ...string) map[string]string {
		h := map[string]string{"Authorization": "Bearer " + w.alice, "Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "crm.GET"}
		for i := 0; i+1 < len(extra); i += 2 {
			if extra[i+1] == "" {
				delete(h, extra[i])
			} else {
				h[extra[i]] = extra[i+1]
			}
		}
		return h
	}
	status, got, _ := post(t, w, body, header())
	if status != http.StatusOK || !strings.Contains(got, `"resultType":"complete"`) || !strings.Contains(got, `"id":4,"result":`) || fast() != 1 {
		t.Fatalf("a plain 2026-07-28 call: %d %s, fast path taken %d times", status, got, fast())
	}
	for _, c := range []struct {
		what   string
		body   string
		header map[string]string
		status int // what the go-sdk answers, 0 for anything
	}{
		{"no Mcp-Name", body, header("Mcp-Name", ""), http.StatusBadRequest},
		{"another Mcp-Name", body, header("Mcp-Name", "crm.HEAD"), http.StatusBadRequest},
		{"no Mcp-Method", body, header("Mcp-Method", ""), http.StatusBadRequest},
		{"another protocol version in _meta", strings.Replace(body, `protocolVersion":"2026-07-28"`, `protocolVersion":"2025-11-25"`, 1), header(), 0},
		{"no capabilities", strings.Replace(body, `"io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":true}},`, ``, 1), header(), 0},
		{"capabilities that are not", strings.Replace(body, `{"roots":{"listChanged":true}}`, `{"roots":{"listChanged":"yes"}}`, 1), header(), 0},
		{"client information that is not", strings.Replace(body, `{"name":"t","version":"1"}`, `"t"`, 1), header(), 0},
		{"a log level", strings.Replace(body, `"_meta":{`, `"_meta":{"io.modelcontextprotocol/logLevel":"debug",`, 1), header(), 0},
		{"a progress token", strings.Replace(body, `"_meta":{`, `"_meta":{"progressToken":"p",`, 1), header(), 0},
		{"a parameter header field", body, header("Mcp-Param-Path", "x"), 0},
		{"a session", body, header("Mcp-Session-Id", "abc"), 0},
	} {
		status, got, _ := post(t, w, c.body, c.header)
		if fast() != 1 {
			t.Fatalf("%s: taken by the fast path: %d %s", c.what, status, got)
		}
		if c.status != 0 && status != c.status {
			t.Errorf("%s: the go-sdk answered %d %s; want %d", c.what, status, got, c.status)
		}
	}
	w.in.Verify(t)
}

// TestMCP_FastPathKeepsTheSessionAlive: the go-sdk closes a session it
// has not served for its timeout; a session whose calls all take the
// fast path is left to it once every half timeout, so it stays open while
// it is used, and closes once it is not.
func TestMCP_FastPathKeepsTheSessionAlive(t *testing.T) {
	w := newWorld(t)
	const timeout = 400 * time.Millisecond
	w.in.MCP.SessionTimeout = timeout
	ctx := context.Background()
	read := &mcp.CallToolParams{Name: "crm.GET", Arguments: map[string]any{"path": "/contacts/7"}}
	cs := plainSession(t, w, w.alice)
	for end := time.Now().Add(3 * timeout); time.Now().Before(end); time.Sleep(timeout / 8) {
		if res, err := cs.CallTool(ctx, read); err != nil || res.IsError {
			t.Fatalf("a call %v into a session used all along: %v %+v", time.Until(end), err, res)
		}
	}
	if n := mcpapi.FastCalls(w.in.MCP); n < 10 {
		t.Fatalf("only %d calls took the fast path", n)
	}
	time.Sleep(3 * timeout)
	if _, err := cs.CallTool(ctx, read); err == nil {
		t.Fatal("a session idle for longer than its timeout still answers")
	}
	if mcpapi.FastSession(w.in.MCP, cs.ID()) {
		t.Error("the fast path still knows the closed session")
	}
}

// sessionPost sends body to /mcp on session id as the agent with token,
// with the header fields a 2025-11-25 client sends (and those of header,
// which replace them).
func sessionPost(t *testing.T, w *world, token, session, body string, header map[string]string) (int, string) {
	t.Helper()
	h := map[string]string{"Authorization": "Bearer " + token, "Mcp-Session-Id": session, "Mcp-Protocol-Version": "2025-11-25"}
	for k, v := range header {
		h[k] = v
	}
	status, got, _ := post(t, w, body, h)
	return status, got
}

// TestMCP_FastPathCancels: a call the fast path is answering ends, and its
// upstream request with it, when the client sends notifications/cancelled
// for it (keeping the call's POST open), and when its session is deleted;
// once the DELETE is taken, the session's calls are the go-sdk's (404).
func TestMCP_FastPathCancels(t *testing.T) {
	w := newWorld(t)
	started, ended := make(chan struct{}, 1), make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
		ended <- struct{}{}
	}))
	t.Cleanup(slow.Close)
	w.in.Connect(t, owner.ConnectRequest{Type: "http", Name: "slow", Scope: "/", To: "alice", BaseURL: slow.URL,
		Credential: vault.NewSecret([]byte("slow-key-1234567890"))})
	const call = `{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"slow.GET","arguments":{"path":"/wait"}}}`
	// slowCall starts a call of session id and returns the channel its
	// answer's status comes on, once the upstream has the request.
	slowCall := func(session, id string) chan int {
		t.Helper()
		done := make(chan int, 1)
		go func() {
			status, _ := sessionPost(t, w, w.alice, session, strings.Replace(call, "ID", id, 1), nil)
			done <- status
		}()
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("the call did not reach the upstream")
		}
		return done
	}
	waitEnded := func(what string) {
		t.Helper()
		select {
		case <-ended:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the upstream request goes on", what)
		}
	}

	cs := plainSession(t, w, w.alice)
	done := slowCall(cs.ID(), `"slow-1"`)
	status, got := sessionPost(t, w, w.alice, cs.ID(),
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow-1","reason":"enough"}}`, nil)
	if status != http.StatusAccepted {
		t.Fatalf("notifications/cancelled: %d %s", status, got)
	}
	waitEnded("notifications/cancelled")
	if status := <-done; status != http.StatusOK || mcpapi.FastCalls(w.in.MCP) != 1 {
		t.Fatalf("the cancelled call: %d, fast path taken %d times", status, mcpapi.FastCalls(w.in.MCP))
	}

	other := plainSession(t, w, w.alice)
	done = slowCall(other.ID(), "7")
	req, err := http.NewRequest(http.MethodDelete, w.mcpURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.alice)
	req.Header.Set("Mcp-Session-Id", other.ID())
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	waitEnded("DELETE")
	<-done
	read := `{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"crm.GET","arguments":{"path":"/contacts/7"}}}`
	if status, got := sessionPost(t, w, w.alice, other.ID(), read, nil); status != http.StatusNotFound {
		t.Fatalf("a call of the deleted session: %d %s", status, got)
	}
	w.in.Verify(t)
}
