package ga4_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/ga4"
	"github.com/aos-dev/aos/connector/ga4/ga4test"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// spy is the ga4 connector, reporting to its Recorder the calls mapped, read
// again and sent.
type spy struct {
	*ga4.Connector
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

// TestSealedCall_readAgainOnceInThePipeline: events that identify a
// person are held at customer-data; approved, the call is read again
// once, by the gateway (connector.Recheck through Reread), not by Do, and
// the Measurement Protocol receives the body decided on, byte for byte,
// with the stream's API secret.
func TestSealedCall_readAgainOnceInThePipeline(t *testing.T) {
	ctx := context.Background()
	fake := ga4test.New(t)
	key := fake.NewKey(t, "reporter")
	fake.AddProperty(shop, "Shop", "77", key.ClientEmail)
	fake.AddStream(shop, measurement, apiSecret)
	k := &spy{Connector: ga4.New()}
	in := gatewaytest.Start(t, k)
	in.Connect(t, owner.ConnectRequest{Type: ga4.Type, Name: "analytics", Scope: "property:" + shop, To: "company", Write: true,
		BaseURL: fake.URL + "?mp=" + fake.URL + "&admin=" + fake.URL, Credential: credential(t, key, shopStream())})
	p, err := in.Gateway.Authenticate(ctx, in.Agent(t, "analyst", "growth"))
	if err != nil {
		t.Fatal(err)
	}
	args, _ := json.Marshal(event(measurement, map[string]any{"user_id": "customer-7"}))
	out, err := in.Gateway.Call(ctx, p, gateway.CallRequest{Connection: "analytics", Operation: "sendEvents", Args: args})
	if err != nil || out.Held == nil || !slices.Contains(out.Held.Points, aos.PointCustomerData) {
		t.Fatalf("the events are not held at customer-data: %+v, %v", out, err)
	}
	if _, rereads, sent := k.Counts(); rereads != 0 || sent != 0 || len(fake.Events()) != 0 {
		t.Fatalf("held: read again %d, sent %d, events %d", rereads, sent, len(fake.Events()))
	}
	a, err := in.Gateway.Approve(ctx, in.Boss, out.Held.ID, "the customer agreed")
	if err != nil || a.Status != aos.ApprovalExecuted {
		t.Fatalf("approve: %+v, %v", a, err)
	}
	if _, rereads, sent := k.Counts(); rereads != 1 || sent != 1 {
		t.Fatalf("approved: read again %d, sent %d; want 1, 1", rereads, sent)
	}
	events, want := fake.Events(), k.Decided()[0].Upstream
	if len(events) != 1 || !events[0].Accepted || fake.URL+"/mp/collect?measurement_id="+events[0].MeasurementID != want.URL ||
		!bytes.Equal(events[0].Body, want.Body) {
		t.Fatalf("the Measurement Protocol received %+v; decided %s %s", events, want.URL, want.Body)
	}
}
