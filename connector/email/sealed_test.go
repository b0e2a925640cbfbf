package email_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/email"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// spy is the email connector, reporting to its Recorder the calls mapped, read
// again and sent.
type spy struct {
	*email.Connector
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

// TestSealedCall_readAgainOnceInThePipeline: a send over the recipient
// limit is held; approved, its envelope and message are read again once,
// by the gateway (connector.Recheck through Reread), not by Do, and the
// server receives the message decided on, byte for byte.
func TestSealedCall_readAgainOnceInThePipeline(t *testing.T) {
	ctx := context.Background()
	starttls, _, _, roots := mailpits(t)
	k := &spy{Connector: &email.Connector{RootCAs: roots}}
	in := gatewaytest.Start(t, k)
	in.Connect(t, owner.ConnectRequest{Type: "email", Name: "mail", Scope: "from:*@example.com", To: "company", Write: true,
		BaseURL: "smtp://" + starttls.smtp + "?internal=example.com", Credential: login(smtpPassword)})
	if _, err := in.Owner.SetCaps(ctx, in.Boss, aos.Caps{PerMove: 1000_00, PerWeek: 10000_00, RecipientLimit: 1}); err != nil {
		t.Fatal(err)
	}
	p, err := in.Gateway.Authenticate(ctx, in.Agent(t, "writer", "marketing"))
	if err != nil {
		t.Fatal(err)
	}
	args := json.RawMessage(`{"from":"ada@example.com","to":["bob@client.example","carol@example.com"],"subject":"Launch","text":"Tomorrow."}`)
	out, err := in.Gateway.Call(ctx, p, gateway.CallRequest{Connection: "mail", Operation: "send", Args: args})
	if err != nil || out.Held == nil {
		t.Fatalf("the send over the recipient limit is not held: %+v, %v", out, err)
	}
	before := starttls.count(t)
	if _, rereads, sent := k.Counts(); rereads != 0 || sent != 0 {
		t.Fatalf("held: read again %d, sent %d", rereads, sent)
	}
	a, err := in.Gateway.Approve(ctx, in.Boss, out.Held.ID, "launch approved")
	if err != nil || a.Status != aos.ApprovalExecuted {
		t.Fatalf("approve: %+v, %v", a, err)
	}
	if _, rereads, sent := k.Counts(); rereads != 1 || sent != 1 {
		t.Fatalf("approved: read again %d, sent %d; want 1, 1", rereads, sent)
	}
	if starttls.count(t) != before+1 {
		t.Fatal("the approved message was not delivered once")
	}
	res, err := in.Gateway.OpenResult(a)
	if err != nil || res.Status != 200 {
		t.Fatalf("result: %v %+v", err, res)
	}
	var sent struct {
		MessageID string `json:"message_id"`
	}
	json.Unmarshal(res.Body, &sent)
	d := starttls.find(t, strings.Trim(sent.MessageID, "<>"))
	if d == nil {
		t.Fatal("the approved message was not delivered")
	}
	if got := starttls.raw(t, d.ID); !bytes.HasSuffix(got, k.Decided()[0].Upstream.Body) {
		t.Errorf("delivered bytes are not those decided on:\n%s\n---\n%s", got, k.Decided()[0].Upstream.Body)
	}
}
