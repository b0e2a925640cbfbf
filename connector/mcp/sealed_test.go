package mcp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/mcp"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// spy is the mcp connector, reporting to its Recorder the calls mapped, read
// again and sent.
type spy struct {
	*mcp.Connector
	gatewaytest.Recorder
}

func (s *spy) FromCall(c *aos.Connection, op string, args json.RawMessage) (*connector.Call, error) {
	call, err := s.Connector.FromCall(c, op, args)
	s.NoteMapped(call, err)
	return call, err
}

func (s *spy) Reread(c *aos.Connection, decided *connector.Call) (*connector.Call, error) {
	s.NoteReread()
	return s.Connector.Reread(c, decided)
}

func (s *spy) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	s.NoteSent(call)
	return s.Connector.Do(ctx, c, secret, call)
}

// TestSealedCall_readAgainOnceInThePipeline: a call of a tool with an
// approval point is held; approved, it is read again once, by the gateway
// (connector.Recheck through Reread), not by Do, and the upstream
// receives the call decided on. A call held for more points than its tool
// has by the time it is approved runs too: it is read again as decided.
func TestSealedCall_readAgainOnceInThePipeline(t *testing.T) {
	ctx := context.Background()
	k := &spy{Connector: mcp.New(mcp.WithLogger(slog.New(slog.DiscardHandler)))}
	t.Cleanup(func() { k.Close() })
	r := &rig{in: gatewaytest.Start(t, k), k: k.Connector, log: &lockedBuffer{}}
	r.token = r.in.Agent(t, "ada", "research")
	p, err := r.in.Gateway.Authenticate(ctx, r.token)
	if err != nil {
		t.Fatal(err)
	}
	r.agent = p
	c, err := r.connect(t, "up", "tool:send", true, map[string]any{
		"argv": selfCommand(t), "tool_points": map[string][]string{"send": {"public-claim"}},
	}, "", "AOS_MCP_TEST_UPSTREAM=1")
	if err != nil {
		t.Fatal(err)
	}
	// Do sends only what the connector mapped.
	_, err = k.Connector.Do(ctx, c, vault.NewSecret([]byte("AOS_MCP_TEST_UPSTREAM=1")), &connector.Call{
		Operation: aos.Operation{Name: "send", Access: aos.Write}, Resource: "tool:send",
		Upstream: &connector.Outbound{Method: "tools/call", URL: "mcp:tools/call/send", Body: []byte(`{"name":"send","arguments":{}}`)}})
	wantCode(t, err, aos.EInternal, "not mapped by the mcp connector")

	out, err := r.call(ctx, "up", "send", `{"msg": "<launch> & co"}`)
	if err != nil || out.Held == nil {
		t.Fatalf("not held: %+v %v", out, err)
	}
	if _, rereads, sent := k.Counts(); rereads != 0 || sent != 0 {
		t.Fatalf("held: read again %d, sent %d", rereads, sent)
	}
	a, err := r.in.Gateway.Approve(ctx, r.in.Boss, out.Held.ID, "ok")
	if err != nil || a.Status != aos.ApprovalExecuted || a.ResultStatus != 200 {
		t.Fatalf("approved: %+v %v", a, err)
	}
	if _, rereads, sent := k.Counts(); rereads != 1 || sent != 1 {
		t.Fatalf("approved: read again %d, sent %d; want 1, 1", rereads, sent)
	}
	if sent, decided := k.Sent()[0].Upstream.Body, k.Decided()[0].Upstream.Body; !bytes.Equal(sent, decided) {
		t.Errorf("sent %s, decided on %s", sent, decided)
	}
	res, err := r.in.Gateway.OpenResult(a)
	if err != nil || res == nil {
		t.Fatalf("result: %v", err)
	}
	wantText(t, &gateway.Outcome{Response: res}, nil, "sent: <launch> & co")

	// Held for public-claim, approved after the owner removed the point.
	out, err = r.call(ctx, "up", "send", `{"msg":"again"}`)
	if err != nil || out.Held == nil {
		t.Fatalf("not held: %+v %v", out, err)
	}
	if _, err := r.in.Owner.Accept(ctx, r.in.Boss, owner.AcceptRequest{Connection: "up", Item: "send"}); err != nil {
		t.Fatal(err)
	}
	a, err = r.in.Gateway.Approve(ctx, r.in.Boss, out.Held.ID, "ok")
	if err != nil || a.Status != aos.ApprovalExecuted || a.ResultStatus != 200 {
		t.Fatalf("a call decided on more points than its tool has now: %+v %v", a, err)
	}
	if _, rereads, sent := k.Counts(); rereads != 2 || sent != 2 {
		t.Fatalf("approved: read again %d, sent %d; want 2, 2", rereads, sent)
	}
	r.in.Verify(t)
}

// TestSealedFeatureCall_readAgainAsDecided: a resource operation, sealed,
// is read again by connector.Recheck as the request it was, byte for
// byte, and then sent; one of a connection whose upstream offers no
// resources is not.
func TestSealedFeatureCall_readAgainAsDecided(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	c, err := r.connect(t, "up", "*", false, map[string]any{
		"argv": selfCommand(t), "read_tools": []string{"annotated"},
	}, "", "AOS_MCP_TEST_UPSTREAM=1\nAOS_MCP_TEST_RESOURCES=1")
	if err != nil {
		t.Fatal(err)
	}
	secret := vault.NewSecret([]byte("AOS_MCP_TEST_UPSTREAM=1\nAOS_MCP_TEST_RESOURCES=1"))
	for op, args := range map[string]string{"resources/list": ``, "resources/read": `{"uri":"test://counter"}`} {
		call, err := r.k.FromCall(c, op, json.RawMessage(args))
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		sealed := &connector.Call{Operation: aos.Operation{Name: call.Operation.Name, Access: call.Operation.Access},
			Resource: call.Resource, Facts: call.Facts, Upstream: call.Upstream}
		if err := connector.Recheck(r.k, c, sealed); err != nil {
			t.Fatalf("%s read again: %v", op, err)
		}
		resp, err := r.k.Do(ctx, c, secret, sealed)
		if err != nil || resp.Status != 200 {
			t.Fatalf("%s sent: %+v %v", op, resp, err)
		}
		if op == "resources/read" && !bytes.Contains(resp.Body, []byte("test://counter")) {
			t.Errorf("read %s", resp.Body)
		}
	}
	plain, err := r.connect(t, "plain", "*", false, map[string]any{
		"argv": selfCommand(t), "read_tools": []string{"annotated"},
	}, "", "AOS_MCP_TEST_UPSTREAM=1")
	if err != nil {
		t.Fatal(err)
	}
	sealed := &connector.Call{Operation: aos.Operation{Name: "resources/list", Access: aos.Read}, Resource: "resources",
		Upstream: &connector.Outbound{Method: "resources/list", URL: "mcp:resources/list", Body: []byte(`{}`)}}
	wantCode(t, connector.Recheck(r.k, plain, sealed), aos.EUnknownOperation, "did not offer resources")
}
