package gateway_test

import (
	"bytes"
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/gateway"
)

// chargeWith asks the gateway, as agent p, to move cents with a body.
func (h *harness) chargeWith(p *aos.Principal, cents int64, body []byte) (*gateway.Outcome, error) {
	return h.gw.Proxy(context.Background(), p, "pay", &connector.HTTPRequest{
		Method: "POST", RawPath: "/charges", RawQuery: "amount=" + strconv.FormatInt(cents, 10), Body: body,
	}, gateway.Meta{Purpose: "test"})
}

// pendingOf counts the pending approvals of agent p.
func (h *harness) pendingOf(p *aos.Principal) int {
	h.t.Helper()
	var n int
	err := h.store.View(context.Background(), func(tx aos.Tx) (err error) {
		n, err = tx.CountPendingApprovals(context.Background(), p.ID)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// lastEntry returns the newest evidence entry.
func (h *harness) lastEntry() aos.Entry {
	h.t.Helper()
	tail, err := h.log.Tail(context.Background(), 1)
	if err != nil || len(tail) != 1 {
		h.t.Fatalf("evidence tail: %v, %v", tail, err)
	}
	return tail[0]
}

func TestGateway_MaxPending(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	h.gw.MaxPending = 3
	body := []byte(`{"n":1}`)
	var held []*aos.Approval
	for i := range 3 {
		out, err := h.chargeWith(h.agent, 5000_00+int64(i), body)
		if err != nil || out.Held == nil {
			t.Fatalf("hold %d: %+v, %v", i, out, err)
		}
		held = append(held, out.Held)
	}

	t.Run("a hold past the bound is refused and recorded", func(t *testing.T) {
		_, err := h.chargeWith(h.agent, 6000_00, body)
		if aos.ErrorCode(err) != aos.ETooManyPending {
			t.Fatalf("fourth hold: %v, want %s", err, aos.ETooManyPending)
		}
		if e := h.lastEntry(); e.Kind != "call.denied" || e.Attrs["code"] != aos.ETooManyPending {
			t.Errorf("evidence of the refusal: %s %v", e.Kind, e.Attrs)
		}
		if n := h.pendingOf(h.agent); n != 3 {
			t.Errorf("%d pending, want 3", n)
		}
	})
	t.Run("a retry of a waiting call still joins it", func(t *testing.T) {
		out, err := h.chargeWith(h.agent, 5000_00, body)
		if err != nil || out.Held == nil || out.Held.ID != held[0].ID {
			t.Fatalf("retry at the bound: %+v, %v; want to join %s", out, err, held[0].ID)
		}
	})
	t.Run("another agent is not affected", func(t *testing.T) {
		_, rival, err := h.owner.AddAgent(ctx, h.boss, "rival", "ops")
		if err != nil {
			t.Fatal(err)
		}
		if out, err := h.chargeWith(rival, 6000_00, body); err != nil || out.Held == nil {
			t.Fatalf("rival's hold: %+v, %v", out, err)
		}
	})
	t.Run("a decision makes room", func(t *testing.T) {
		if _, err := h.gw.Deny(ctx, h.boss, held[1].ID, "no"); err != nil {
			t.Fatal(err)
		}
		if out, err := h.chargeWith(h.agent, 6000_00, body); err != nil || out.Held == nil {
			t.Fatalf("hold after a denial: %+v, %v", out, err)
		}
		if _, err := h.chargeWith(h.agent, 7000_00, body); aos.ErrorCode(err) != aos.ETooManyPending {
			t.Fatalf("hold past the bound again: %v", err)
		}
	})
}

// TestGateway_MaxPendingConcurrent checks that holds racing each other
// never leave an agent more than its bound.
func TestGateway_MaxPendingConcurrent(t *testing.T) {
	h := newHarness(t)
	h.gw.MaxPending = 4
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() { h.chargeWith(h.agent, 5000_00+int64(i), []byte(`{}`)) })
	}
	wg.Wait()
	if n := h.pendingOf(h.agent); n != 4 {
		t.Fatalf("%d pending after 12 racing holds, want exactly 4", n)
	}
}

func TestGateway_MaxHeldRequest(t *testing.T) {
	for _, tt := range []struct {
		name  string
		limit int // 0: the default
		body  int
		code  string
	}{
		{"at the bound", 1000, 1000 - len("POST") - len("https://pay.invalid/charges?amount=500000"), ""},
		{"one byte over", 1000, 1001 - len("POST") - len("https://pay.invalid/charges?amount=500000"), aos.ETooLarge},
		{"over the default", 0, gateway.DefaultMaxHeldRequest, aos.ETooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.gw.MaxHeldRequest = tt.limit
			out, err := h.chargeWith(h.agent, 5000_00, bytes.Repeat([]byte("x"), tt.body))
			if code := aos.ErrorCode(err); code != tt.code {
				t.Fatalf("hold of a %d-byte body: %+v, %v; want code %q", tt.body, out, err, tt.code)
			}
			want := 1
			if tt.code != "" {
				want = 0
				if e := h.lastEntry(); e.Kind != "call.denied" || e.Attrs["code"] != tt.code {
					t.Errorf("evidence of the refusal: %s %v", e.Kind, e.Attrs)
				}
			}
			if n := h.pendingOf(h.agent); n != want {
				t.Errorf("%d pending, want %d", n, want)
			}
		})
	}
}

// blobSpy is a transaction that counts the reads which load approvals'
// sealed requests.
type blobSpy struct {
	aos.Tx
	mu    *sync.Mutex
	reads *int
}

func (s blobSpy) ListApprovals(ctx context.Context, f aos.ApprovalFilter) ([]*aos.Approval, error) {
	s.mu.Lock()
	*s.reads++
	s.mu.Unlock()
	return s.Tx.ListApprovals(ctx, f)
}

func (s blobSpy) ApprovalByID(ctx context.Context, id string) (*aos.Approval, error) {
	s.mu.Lock()
	*s.reads++
	s.mu.Unlock()
	return s.Tx.ApprovalByID(ctx, id)
}

// TestGateway_HoldLoadsNoSealedRequests checks that a hold, new or joined,
// never loads the pending approvals (with their sealed requests) inside
// the writer transaction: 10 held 30 MB calls made every hold take seconds.
func TestGateway_HoldLoadsNoSealedRequests(t *testing.T) {
	h := newHarness(t)
	h.mustHold(5000_00)
	var mu sync.Mutex
	var reads int
	h.faults.wrap = func(tx aos.Tx) aos.Tx { return blobSpy{Tx: tx, mu: &mu, reads: &reads} }
	h.mustHold(5000_01) // new
	h.mustHold(5000_00) // joined
	if reads != 0 {
		t.Fatalf("holds loaded approvals %d times inside the writer transaction", reads)
	}
}
