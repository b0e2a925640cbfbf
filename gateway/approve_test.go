package gateway_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
)

func TestGateway_WeeklyCap(t *testing.T) {
	h := newHarness(t)
	caps := aos.DefaultCaps
	caps.PerMove = 3000_00
	if _, err := h.owner.SetCaps(context.Background(), h.boss, caps); err != nil {
		t.Fatal(err)
	}
	// $9,600 in four moves under the per-move cap, a day apart.
	for i := 0; i < 4; i++ {
		h.mustPass(2400_00)
		h.clock.Advance(24 * time.Hour)
	}
	// $500 more would make $10,100 in the rolling week.
	a := h.mustHold(500_00)
	if a.Points[0] != aos.PointMoney {
		t.Fatalf("held at %v, want money", a.Points)
	}
	// $400 reaches the cap exactly: allowed.
	h.mustPass(400_00)
	// Any further cent is over.
	h.mustHold(1)
	// Seven days after the first move, it leaves the window.
	h.clock.Advance(3*24*time.Hour + time.Second)
	h.mustPass(2400_00)
	h.mustHold(2400_00) // would bring it to $10,000 + ... over again
	if got, want := h.pay.count(), 6; got != want {
		t.Fatalf("upstream saw %d calls, want %d", got, want)
	}
}

func TestGateway_PerMoveCap(t *testing.T) {
	h := newHarness(t)
	h.mustPass(1000_00)
	h.mustHold(1000_01)
	if h.pay.count() != 1 {
		t.Fatalf("upstream saw %d calls", h.pay.count())
	}
}

func TestGateway_ApproveExecutesExactlyOnce(t *testing.T) {
	h := newHarness(t)
	a := h.mustHold(5000_00)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.gw.Approve(context.Background(), h.boss, a.ID, "ok")
			mu.Lock()
			codes[aos.ErrorCode(err)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if h.pay.count() != 1 {
		t.Fatalf("upstream saw %d requests, want exactly 1", h.pay.count())
	}
	if codes[""] != 1 || codes[aos.EConflict] != 99 {
		t.Fatalf("approve outcomes: %v, want one success and 99 conflicts", codes)
	}
	got, _ := h.gw.Approvals.Get(context.Background(), a.ID)
	if got.Status != aos.ApprovalExecuted || got.ResultStatus != 200 {
		t.Fatalf("approval after execution: %+v", got)
	}
	// Executing again does nothing.
	if _, err := h.gw.Execute(context.Background(), a.ID); err != nil || h.pay.count() != 1 {
		t.Fatalf("second Execute: %v, upstream count %d", err, h.pay.count())
	}
	sent := h.pay.sent[0]
	if sent.Method != "POST" || sent.URL != "https://pay.invalid/charges?amount=500000" || string(sent.Body) != `{"n":1}` {
		t.Fatalf("executed request differs from the held one: %+v", sent)
	}
}

func TestGateway_AgentCannotApprove(t *testing.T) {
	h := newHarness(t)
	a := h.mustHold(5000_00)
	if _, err := h.gw.Approve(context.Background(), h.agent, a.ID, ""); aos.ErrorCode(err) != aos.EForbidden {
		t.Fatalf("agent approving its own call: %v", err)
	}
	if h.pay.count() != 0 {
		t.Fatal("upstream reached")
	}
}

func TestGateway_DenyAndExpiry(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	denied := h.mustHold(5000_00)
	if _, err := h.gw.Deny(ctx, h.boss, denied.ID, ""); aos.ErrorCode(err) != aos.EBadRequest {
		t.Fatalf("deny without reason: %v", err)
	}
	if _, err := h.gw.Deny(ctx, h.boss, denied.ID, "too much"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.gw.Approve(ctx, h.boss, denied.ID, ""); aos.ErrorCode(err) != aos.EConflict {
		t.Fatalf("approve after deny: %v", err)
	}
	late := h.mustHold(5000_00)
	swept := h.mustHold(6000_00)
	h.clock.Advance(aos.DefaultApprovalExpiry)
	if _, err := h.gw.Approve(ctx, h.boss, late.ID, ""); aos.ErrorCode(err) != aos.EApprovalExpired {
		t.Fatalf("approve after expiry: %v", err)
	}
	if n, err := h.gw.Approvals.ExpireDue(ctx); err != nil || n != 1 {
		t.Fatalf("ExpireDue = %d, %v; want 1", n, err)
	}
	if a, _ := h.gw.Approvals.Get(ctx, swept.ID); a.Status != aos.ApprovalExpired {
		t.Fatalf("swept approval is %s", a.Status)
	}
	if h.pay.count() != 0 {
		t.Fatalf("denied or expired calls reached the upstream %d times", h.pay.count())
	}
}

func TestGateway_StaleAuthority(t *testing.T) {
	ctx := context.Background()
	t.Run("grant revoked", func(t *testing.T) {
		h := newHarness(t)
		a := h.mustHold(5000_00)
		if _, err := h.owner.Revoke(ctx, h.boss, h.grant.ID); err != nil {
			t.Fatal(err)
		}
		got, err := h.gw.Approve(ctx, h.boss, a.ID, "")
		if err != nil || got.Status != aos.ApprovalFailed || got.Error != aos.EApprovalStale {
			t.Fatalf("approve after revoke: %+v, %v", got, err)
		}
		if h.pay.count() != 0 {
			t.Fatal("ran on a revoked grant")
		}
	})
	t.Run("credential replaced", func(t *testing.T) {
		h := newHarness(t)
		a := h.mustHold(5000_00)
		if err := h.owner.Disconnect(ctx, h.boss, "pay"); err != nil {
			t.Fatal(err)
		}
		if err := h.owner.Reconnect(ctx, h.boss, "pay", vault.NewSecret([]byte("sk_new"))); err != nil {
			t.Fatal(err)
		}
		got, err := h.gw.Approve(ctx, h.boss, a.ID, "")
		if err != nil || got.Status != aos.ApprovalFailed || got.Error != aos.EApprovalStale {
			t.Fatalf("approve after the credential changed: %+v, %v", got, err)
		}
		if h.pay.count() != 0 {
			t.Fatal("ran with a credential other than the one held")
		}
	})
}

func TestGateway_EvidenceUnavailable(t *testing.T) {
	h := newHarness(t)
	h.faults.fail(true)
	for _, cents := range []int64{1, 5000_00} {
		_, err := h.charge(cents)
		if aos.ErrorCode(err) != aos.EEvidenceUnavailable {
			t.Fatalf("charge %d with the log down: %v", cents, err)
		}
	}
	if h.pay.count() != 0 {
		t.Fatal("upstream reached while the evidence log was down")
	}
	h.faults.fail(false)
	h.mustPass(1)
}

func TestGateway_EvidenceVerifiesAfterAll(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	h.mustPass(100)
	a := h.mustHold(5000_00)
	h.gw.Approve(ctx, h.boss, a.ID, "fine")
	b := h.mustHold(6000_00)
	h.gw.Deny(ctx, h.boss, b.ID, "no")
	r, err := h.gw.Approvals.RequestRedaction(ctx, h.boss, 5, "customer asked")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.gw.Approve(ctx, h.boss, r.ID, ""); err != nil {
		t.Fatal(err)
	}
	es, _ := h.log.Entries(ctx, 5, 6)
	if !es[0].Redacted || es[0].Payload != nil {
		t.Fatalf("entry 5 after an approved redaction: %+v", es[0])
	}
	tail, _ := h.log.Tail(ctx, 100)
	kinds := map[string]int{}
	for _, e := range tail {
		kinds[e.Kind]++
	}
	for _, k := range []string{"call.held", "approval.approve", "approval.deny", "call.authorized", "call.outcome",
		"evidence.redact_requested", "evidence.redact"} {
		if kinds[k] == 0 {
			t.Errorf("no %s entry in %v", k, kinds)
		}
	}
}

func TestGateway_RetriedHoldJoinsThePendingOne(t *testing.T) {
	h := newHarness(t)
	a := h.mustHold(5000_00)
	b := h.mustHold(5000_00) // the SDK retried the 202
	if a.ID != b.ID {
		t.Fatalf("an identical retry made a second approval: %s and %s", a.ID, b.ID)
	}
	c := h.mustHold(5000_01)
	if c.ID == a.ID {
		t.Fatal("a different request joined the first approval")
	}
	pending, _ := h.gw.Approvals.List(context.Background(), false)
	if len(pending) != 2 {
		t.Fatalf("%d pending approvals, want 2", len(pending))
	}
}

func TestGateway_Redecide(t *testing.T) {
	t.Run("decided again once, then sent", func(t *testing.T) {
		h := newHarness(t)
		h.pay.redecide = 1
		h.mustPass(100)
		if h.pay.count() != 1 {
			t.Fatalf("upstream saw %d calls", h.pay.count())
		}
	})
	t.Run("a second redecision is a conflict", func(t *testing.T) {
		h := newHarness(t)
		h.pay.redecide = 5
		if _, err := h.charge(100); aos.ErrorCode(err) != aos.EConflict {
			t.Fatalf("charge: %v, want conflict", err)
		}
		if h.pay.count() != 0 {
			t.Fatal("sent")
		}
	})
	t.Run("an approved call the upstream contradicts is stale", func(t *testing.T) {
		h := newHarness(t)
		a := h.mustHold(5000_00)
		h.pay.redecide = 1
		got, err := h.gw.Approve(context.Background(), h.boss, a.ID, "")
		if err != nil || got.Status != aos.ApprovalFailed || got.Error != aos.EApprovalStale {
			t.Fatalf("approve: %+v, %v", got, err)
		}
	})
}

// TestGateway_ApprovedCallIsReadAgain checks that an approved call is
// read again through the connector as it is now (connector.Recheck), in
// the gateway, and not sent when it is no longer the call decided on.
func TestGateway_ApprovedCallIsReadAgain(t *testing.T) {
	h := newHarness(t)
	a := h.mustHold(5000_00)
	h.pay.mu.Lock()
	h.pay.renamed = true
	h.pay.mu.Unlock()
	got, err := h.gw.Approve(context.Background(), h.boss, a.ID, "")
	if err != nil || got.Status != aos.ApprovalFailed || got.Error != aos.EUnknownOperation || h.pay.count() != 0 {
		t.Fatalf("approve: %+v, %v; upstream saw %d", got, err, h.pay.count())
	}
}

func TestGateway_Resume(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	// Approved, but the server stopped before executing it: Resume runs it.
	a := h.mustHold(5000_00)
	if _, err := h.gw.Approvals.Decide(ctx, h.boss, a.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if err := h.gw.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.gw.Approvals.Get(ctx, a.ID); got.Status != aos.ApprovalExecuted || h.pay.count() != 1 {
		t.Fatalf("after Resume: %s, upstream %d", got.Status, h.pay.count())
	}

	// Approved and started (perhaps on another replica): left alone while
	// recent, marked failed and never sent again once stale.
	b := h.mustHold(6000_00)
	if _, err := h.gw.Approvals.Decide(ctx, h.boss, b.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	started := h.clock.Now()
	err := h.store.Update(ctx, func(tx aos.Tx) error {
		got, err := tx.ApprovalByID(ctx, b.ID)
		if err != nil {
			return err
		}
		got.ExecutedAt = &started
		return tx.UpdateApproval(ctx, got)
	})
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)
	h.gw.Resume(ctx)
	if got, _ := h.gw.Approvals.Get(ctx, b.ID); got.Status != aos.ApprovalApproved {
		t.Fatalf("a recent execution was touched: %s", got.Status)
	}
	h.clock.Advance(10 * time.Minute)
	h.gw.Resume(ctx)
	if got, _ := h.gw.Approvals.Get(ctx, b.ID); got.Status != aos.ApprovalFailed || got.Error != aos.EUpstream {
		t.Fatalf("a stale execution: %s %s", got.Status, got.Error)
	}
	if h.pay.count() != 1 {
		t.Fatalf("upstream saw %d calls, want 1", h.pay.count())
	}
}
