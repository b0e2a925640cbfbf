package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/slack"
	"github.com/aos-dev/aos/connector/slack/slacktest"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// spy is the slack connector, reporting to its Recorder the calls mapped, read
// again and sent.
type spy struct {
	*slack.Connector
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

// TestSealedCall_readAgainOnceInThePipeline: a post into a channel shared
// with another organisation is held at public-claim; approved, it is read
// again once, by the gateway (connector.Recheck through Reread), not by
// Do, and Slack receives the request decided on, byte for byte.
func TestSealedCall_readAgainOnceInThePipeline(t *testing.T) {
	ctx := context.Background()
	f := slacktest.New(t, botToken)
	f.AddChannel(slacktest.Channel{ID: partner, Name: "acme-partner", ExtShared: true, NumMembers: 8})
	k := &spy{Connector: slack.New()}
	in := gatewaytest.Start(t, k)
	token := in.Agent(t, "comms", "marketing")
	in.Connect(t, owner.ConnectRequest{Type: "slack", Name: "chat", Scope: "channel:" + partner, To: "company", Write: true,
		BaseURL: f.URL + "/api", Credential: vault.NewSecret([]byte(botToken))})
	p, err := in.Gateway.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	out, err := in.Gateway.Call(ctx, p, gateway.CallRequest{Connection: "chat", Operation: "chat.postMessage",
		Args: json.RawMessage(`{"channel":"` + partner + `","text":"roadmap"}`)})
	if err != nil || out.Held == nil || !slices.Contains(out.Held.Points, aos.PointPublicClaim) {
		t.Fatalf("the post is not held at public-claim: %+v, %v", out, err)
	}
	_, rereads, sent := k.Counts()
	if rereads != 0 || len(f.Messages(partner)) != 0 {
		t.Fatalf("held: read again %d, posted %d", rereads, len(f.Messages(partner)))
	}
	a, err := in.Gateway.Approve(ctx, in.Boss, out.Held.ID, "partners may see the roadmap")
	if err != nil || a.Status != aos.ApprovalExecuted {
		t.Fatalf("approve: %+v, %v", a, err)
	}
	if _, r, s := k.Counts(); r != 1 || s != sent+1 {
		t.Fatalf("approved: read again %d, sent %d more; want 1, 1", r, s-sent)
	}
	if msgs := f.Messages(partner); len(msgs) != 1 || msgs[0].Text != "roadmap" {
		t.Fatalf("partner has %+v", msgs)
	}
	reqs := f.Requests()
	decided := k.Decided()
	got, want := reqs[len(reqs)-1], decided[len(decided)-1].Upstream
	if got.HTTPMethod != want.Method || f.URL+"/api/"+got.Method != want.URL || !bytes.Equal(got.Body, want.Body) ||
		got.Authorization != "Bearer "+botToken {
		t.Errorf("Slack received %s %s %s; decided %s %s %s", got.HTTPMethod, got.Method, got.Body, want.Method, want.URL, want.Body)
	}
	for name, vs := range want.Header {
		if !slices.Equal(got.Header.Values(name), vs) {
			t.Errorf("header %s: Slack received %q; decided %q", name, got.Header.Values(name), vs)
		}
	}
}
