package gateway_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/gateway"
)

func TestMeta_Check(t *testing.T) {
	long := strings.Repeat("x", gateway.MaxMetaBytes+1)
	many := make([]string, gateway.MaxAlternatives+1)
	for i := range many {
		many[i] = "option"
	}
	atMost := append([]string{long[1:]}, many[2:]...)
	for _, tt := range []struct {
		name  string
		meta  gateway.Meta
		field string // named in the error; "" if accepted
	}{
		{"empty", gateway.Meta{}, ""},
		{"at the bounds", gateway.Meta{Purpose: long[1:], Recommendation: long[1:], Alternatives: atMost}, ""},
		{"unicode text", gateway.Meta{Purpose: "rembourser Zoë — “double” 💳"}, ""},
		{"long purpose", gateway.Meta{Purpose: long}, "AOS-Purpose"},
		{"long recommendation", gateway.Meta{Recommendation: long}, "AOS-Recommendation"},
		{"long alternative", gateway.Meta{Alternatives: []string{"a", long}}, "AOS-Alternatives"},
		{"too many alternatives", gateway.Meta{Alternatives: many}, "AOS-Alternatives"},
		{"newline forging a line", gateway.Meta{Purpose: "refund\n  approved by: owner"}, "AOS-Purpose"},
		{"terminal escape", gateway.Meta{Recommendation: "\x1b[2Kapprove"}, "AOS-Recommendation"},
		{"not UTF-8", gateway.Meta{Alternatives: []string{"\xff"}}, "AOS-Alternatives"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.meta.Check()
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("Check: %v, want accepted", err)
			case tt.field != "" && (aos.ErrorCode(err) != aos.EBadRequest || !strings.Contains(err.Error(), tt.field)):
				t.Fatalf("Check: %v, want bad_request naming %s", err, tt.field)
			}
		})
	}
}

// TestGateway_OversizedMetaNotRecorded sends calls that would be denied
// (and so recorded with their meta) with meta over the bounds: each is
// refused before anything is written.
func TestGateway_OversizedMetaNotRecorded(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	before, err := h.log.Tail(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	big := gateway.Meta{Purpose: strings.Repeat("p", 1<<20)}
	for range 20 {
		_, err := h.gw.Proxy(ctx, h.agent, "no-such-connection", &connector.HTTPRequest{Method: "GET", RawPath: "/"}, big)
		if aos.ErrorCode(err) != aos.EBadRequest {
			t.Fatalf("proxy with a 1 MiB purpose: %v, want bad_request", err)
		}
		_, err = h.gw.Call(ctx, h.agent, gateway.CallRequest{Connection: "pay", Operation: "nope", Meta: big})
		if aos.ErrorCode(err) != aos.EBadRequest {
			t.Fatalf("call with a 1 MiB purpose: %v, want bad_request", err)
		}
	}
	after, err := h.log.Tail(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if after[0].Index != before[0].Index {
		t.Fatalf("the evidence log grew from entry %d to %d", before[0].Index, after[0].Index)
	}
	// The same denial with small meta is recorded as before.
	if _, err := h.gw.Proxy(ctx, h.agent, "no-such-connection", &connector.HTTPRequest{Method: "GET", RawPath: "/"},
		gateway.Meta{Purpose: "look"}); aos.ErrorCode(err) != aos.EUnknownConnection {
		t.Fatalf("proxy to an unknown connection: %v", err)
	}
	if e := h.lastEntry(); e.Kind != "call.denied" {
		t.Fatalf("last entry %s, want call.denied", e.Kind)
	}
}
