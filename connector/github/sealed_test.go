package github_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/github"
	"github.com/aos-dev/aos/connector/github/githubtest"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// spy is the github connector, reporting to its Recorder the calls mapped, read
// again and sent.
type spy struct {
	*github.Connector
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

// TestSealedCall_readAgainOnceInThePipeline: a merge into the default
// branch is held; approved, it is read again once, by the gateway
// (connector.Recheck through Reread), not by Do, and GitHub receives the
// request decided on, byte for byte, with the sealed token.
func TestSealedCall_readAgainOnceInThePipeline(t *testing.T) {
	ctx := context.Background()
	gh := githubtest.Start(t, sealed)
	app := gh.AddRepo("acme", "app", "main", true)
	number := gh.AddPull(app, "main", "feature", "Ship it")
	k := &spy{Connector: github.New()}
	in := gatewaytest.Start(t, k)
	token := in.Agent(t, "coder", "engineering")
	in.Connect(t, owner.ConnectRequest{Type: github.Type, Name: "gh", Scope: "repo:acme/app", To: "company", Write: true,
		BaseURL: gh.URL, Credential: vault.NewSecret([]byte(sealed))})
	seen := len(gh.Requests()) // connecting asked GitHub about the token
	p, err := in.Gateway.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	args := fmt.Sprintf(`{"params":{"owner":"acme","repo":"app","pull_number":%d},"body":{"merge_method":"squash"}}`, number)
	out, err := in.Gateway.Call(ctx, p, gateway.CallRequest{Connection: "gh", Operation: "pulls.merge", Args: json.RawMessage(args)})
	if err != nil || out.Held == nil {
		t.Fatalf("the merge into main is not held: %+v, %v", out, err)
	}
	if mapped, rereads, sent := k.Counts(); mapped != 1 || rereads != 0 || sent != 0 || len(gh.Requests()) != seen {
		t.Fatalf("held: mapped %d, read again %d, sent %d, GitHub saw %d", mapped, rereads, sent, len(gh.Requests())-seen)
	}
	a, err := in.Gateway.Approve(ctx, in.Boss, out.Held.ID, "reviewed")
	if err != nil || a.Status != aos.ApprovalExecuted {
		t.Fatalf("approve: %+v, %v", a, err)
	}
	if mapped, rereads, sent := k.Counts(); mapped != 1 || rereads != 1 || sent != 1 {
		t.Fatalf("approved: mapped %d, read again %d, sent %d; want 1, 1, 1", mapped, rereads, sent)
	}
	reqs := gh.Requests()[seen:]
	if len(reqs) != 1 || !gh.Merged(app, number) {
		t.Fatalf("GitHub saw %d requests; merged %v", len(reqs), gh.Merged(app, number))
	}
	want, got := k.Decided()[0].Upstream, reqs[0]
	if got.Method != want.Method || gh.URL+got.Path != want.URL || !bytes.Equal(got.Body, want.Body) || got.Authorization != "Bearer "+sealed {
		t.Errorf("GitHub received %s %s %s; decided %s %s %s", got.Method, got.Path, got.Body, want.Method, want.URL, want.Body)
	}
	for name, vs := range want.Header {
		if !slices.Equal(got.Header.Values(name), vs) {
			t.Errorf("header %s: GitHub received %q; decided %q", name, got.Header.Values(name), vs)
		}
	}
}
