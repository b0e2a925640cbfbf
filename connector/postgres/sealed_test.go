package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// spy is the postgres connector, reporting to its Recorder the calls mapped, read
// again and sent.
type spy struct {
	*Connector
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

// TestSealedCall_readAgainOnceInThePipeline: a select of every customer
// is held as an export when its result is counted (a fact learnt from the
// server, not from the statement); approved, it is read again once, by
// the gateway (connector.Recheck through Reread), which keeps the export
// decided on, not by Do, and the statement decided on runs.
func TestSealedCall_readAgainOnceInThePipeline(t *testing.T) {
	ctx := context.Background()
	f := database(t)
	k := &spy{Connector: newConnector(t)}
	in := gatewaytest.Start(t, k)
	crm := f.conn(0, "crm", true)
	in.Connect(t, owner.ConnectRequest{Type: Type, Name: "crm", Scope: f.db + "/public", To: "company", BaseURL: crm.BaseURL,
		HoldsCustomerData: true, Credential: f.secret()})
	p, err := in.Gateway.Authenticate(ctx, in.Agent(t, "analyst", "ops"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := in.Gateway.Call(ctx, p, gateway.CallRequest{Connection: "crm", Operation: "query",
		Args: json.RawMessage(`{"sql":"SELECT email FROM people"}`)})
	if err != nil || out.Held == nil || !out.Held.Facts.Export {
		t.Fatalf("the select of every customer is not held as an export: %+v, %v", out, err)
	}
	if _, rereads, runs := k.Counts(); rereads != 0 || runs != 1 {
		t.Fatalf("held: read again %d, run %d; want 0, 1 (counted, rolled back)", rereads, runs)
	}
	a, err := in.Gateway.Approve(ctx, in.Boss, out.Held.ID, "export approved")
	if err != nil || a.Status != aos.ApprovalExecuted {
		t.Fatalf("approve: %+v, %v", a, err)
	}
	if _, rereads, runs := k.Counts(); rereads != 1 || runs != 2 {
		t.Fatalf("approved: read again %d, run %d; want 1, 2", rereads, runs)
	}
	res, err := in.Gateway.OpenResult(a)
	if err != nil || !bytes.Contains(res.Body, []byte(`"row_count":1000`)) {
		t.Fatalf("approved export answered %.200s, %v", res.Body, err)
	}
}

// TestReread_keepsWhatTheServerShowed: read again, a call decided on more
// than its statement names (the relations its plan reached, the export
// its count showed) is the call decided on; one decided on less is not.
func TestReread_keepsWhatTheServerShowed(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	c := f.conn(1, "shop", false)
	fresh := func() *connector.Call {
		cl, err := k.FromCall(c, "query", json.RawMessage(`{"sql":"SELECT * FROM orders"}`))
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	wider := fresh()
	wider.Resource = makeResource(append(strings.Split(wider.Resource, ","), item(f.db)))
	wider.Facts.Export = true
	if err := connector.Recheck(k, c, wider); err != nil || wider.Parsed == nil {
		t.Fatalf("read again: %v", err)
	}
	other := fresh()
	other.Resource = f.db + "/public/customers"
	if err := connector.Recheck(k, c, other); aos.ErrorCode(err) != aos.EOutOfScope {
		t.Fatalf("read again on another relation: %v; want out_of_scope", err)
	}
}
