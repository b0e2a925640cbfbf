package gateway_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/owner"
)

// chargeAs asks the gateway, as p, to move cents through the pay connection.
func (h *harness) chargeAs(p *aos.Principal, cents int64) (*gateway.Outcome, error) {
	return h.gw.Proxy(context.Background(), p, "pay", &connector.HTTPRequest{
		Method: "POST", RawPath: "/charges", RawQuery: "amount=" + strconv.FormatInt(cents, 10), Body: []byte(`{"n":1}`),
	}, gateway.Meta{Purpose: "test"})
}

// readdBuyer adds an agent with the harness agent's name, once that one
// is gone, and returns it.
func (h *harness) readdBuyer() *aos.Principal {
	h.t.Helper()
	_, p, err := h.owner.AddAgent(context.Background(), h.boss, h.agent.Name, h.agent.Department)
	if err != nil {
		h.t.Fatal(err)
	}
	if p.ID == h.agent.ID {
		h.t.Fatalf("the new %s has the removed one's ID %d", p.Name, p.ID)
	}
	return p
}

// removeBehindTheBack removes the harness agent as aos did before agent
// IDs: the principal goes, its grants and held calls stay as they were.
func (h *harness) removeBehindTheBack() {
	h.t.Helper()
	err := h.store.Update(context.Background(), func(tx aos.Tx) error {
		return tx.RemovePrincipal(context.Background(), h.agent.ID, h.clock.Now())
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// TestGateway_RemovedAgentServesNoLaterOne is issue 7: after `aos agent
// remove buyer` and `aos agent add buyer`, the new agent holds none of the
// old one's grants, reads none of its approvals or results, and the old
// one's held call is failed and cannot be approved.
func TestGateway_RemovedAgentServesNoLaterOne(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	// Only an agent grant: the company grant of the harness would cover
	// any agent at all.
	if _, err := h.owner.Revoke(ctx, h.boss, h.grant.ID); err != nil {
		t.Fatal(err)
	}
	own, err := h.owner.Grant(ctx, h.boss, owner.GrantRequest{Connection: "pay", Scope: "*", Write: true, To: "buyer"})
	if err != nil {
		t.Fatal(err)
	}
	if own.GranteeID != h.agent.ID {
		t.Fatalf("grant to buyer has GranteeID %d, want %d", own.GranteeID, h.agent.ID)
	}
	done := h.mustHold(5000_00)
	if _, err := h.gw.Approve(ctx, h.boss, done.ID, ""); err != nil {
		t.Fatal(err)
	}
	held := h.mustHold(5000_01)
	sent := h.pay.count()

	if err := h.owner.RemoveAgent(ctx, h.boss, "buyer"); err != nil {
		t.Fatal(err)
	}
	later := h.readdBuyer()

	t.Run("the old grant is revoked and covers nobody", func(t *testing.T) {
		if _, err := h.chargeAs(later, 100); aos.ErrorCode(err) != aos.ENotGranted {
			t.Errorf("charge as the new buyer: %v, want %s", err, aos.ENotGranted)
		}
		gs, _ := h.owner.ListGrants(ctx, true)
		for _, g := range gs {
			if g.ID == own.ID && (g.RevokedAt == nil || g.RevokedBy != "owner") {
				t.Errorf("the removed buyer's grant after removal: %+v", g)
			}
		}
		who, err := h.gw.WhoAmI(ctx, later)
		if err != nil || len(who.Grants) != 0 {
			t.Errorf("whoami of the new buyer: %+v, %v; want no grants", who, err)
		}
	})
	t.Run("the old approvals do not exist for the new agent", func(t *testing.T) {
		for _, id := range []string{done.ID, held.ID} {
			if _, err := h.gw.Approvals.Wait(ctx, later, id, 0); aos.ErrorCode(err) != aos.ENotFound {
				t.Errorf("new buyer waits on %s: %v, want %s", id, err, aos.ENotFound)
			}
		}
		if _, err := h.gw.Approvals.Wait(ctx, h.boss, done.ID, 0); err != nil {
			t.Errorf("the owner waits on %s: %v", done.ID, err)
		}
	})
	t.Run("the old held call is failed and cannot be approved", func(t *testing.T) {
		a, err := h.gw.Approvals.Get(ctx, held.ID)
		if err != nil || a.Status != aos.ApprovalFailed || a.Error != aos.EApprovalStale ||
			!strings.Contains(a.Reason, "agent:buyer was removed") {
			t.Fatalf("held call after removal: %+v, %v", a, err)
		}
		_, err = h.gw.Approve(ctx, h.boss, held.ID, "")
		if aos.ErrorCode(err) != aos.EConflict || !strings.Contains(aos.ErrorMessage(err), "was removed") {
			t.Errorf("approve: %v, want a conflict saying the agent was removed", err)
		}
		if h.pay.count() != sent {
			t.Errorf("upstream saw %d calls, want %d", h.pay.count(), sent)
		}
	})
	t.Run("the removal is in the evidence", func(t *testing.T) {
		tail, _ := h.log.Tail(ctx, 100)
		var created, removed, revoked, failed bool
		for _, e := range tail {
			switch {
			case e.Kind == "grant.create" && e.Subject == own.ID:
				created = true
				if e.Attrs["grantee"] != "agent:buyer" || e.Attrs["grantee_id"] != strconv.FormatInt(h.agent.ID, 10) {
					t.Errorf("grant.create of %s: attrs %v, want grantee agent:buyer, grantee_id %d", own.ID, e.Attrs, h.agent.ID)
				}
			case e.Kind == "agent.remove" && e.Attrs["agent_id"] == strconv.FormatInt(h.agent.ID, 10):
				removed = true
			case e.Kind == "grant.revoke" && e.Subject == own.ID && e.Attrs["reason"] == "agent:buyer was removed":
				revoked = true
			case e.Kind == "approval.fail" && e.Subject == held.ID && e.Attrs["code"] == aos.EApprovalStale:
				failed = true
			}
		}
		if !created || !removed || !revoked || !failed {
			t.Errorf("evidence: grant.create %v, agent.remove %v, grant.revoke %v, approval.fail %v; want all",
				created, removed, revoked, failed)
		}
	})
}

// TestGateway_HeldBeforeRemovalsWithdrew covers a store from before agent
// IDs, where removing an agent left its held calls as they were: none of
// them serves a later agent of the same name, nor runs.
func TestGateway_HeldBeforeRemovalsWithdrew(t *testing.T) {
	ctx := context.Background()
	t.Run("a later agent's identical call does not join the old one", func(t *testing.T) {
		h := newHarness(t)
		old := h.mustHold(5000_00)
		h.removeBehindTheBack()
		out, err := h.chargeAs(h.readdBuyer(), 5000_00)
		if err != nil || out.Held == nil {
			t.Fatalf("charge as the new buyer: %+v, %v; want held", out, err)
		}
		if out.Held.ID == old.ID {
			t.Fatalf("the new buyer's call joined the removed buyer's approval %s", old.ID)
		}
	})
	t.Run("a pending call is failed when the owner decides it", func(t *testing.T) {
		h := newHarness(t)
		old := h.mustHold(5000_00)
		h.removeBehindTheBack()
		h.readdBuyer()
		a, err := h.gw.Approve(ctx, h.boss, old.ID, "")
		if aos.ErrorCode(err) != aos.EConflict || !strings.Contains(aos.ErrorMessage(err), "agent:buyer was removed") {
			t.Fatalf("approve: %+v, %v; want a conflict saying the agent was removed", a, err)
		}
		got, _ := h.gw.Approvals.Get(ctx, old.ID)
		if got.Status != aos.ApprovalFailed || got.Error != aos.EApprovalStale || h.pay.count() != 0 {
			t.Fatalf("after the refused approval: %+v, upstream saw %d calls", got, h.pay.count())
		}
		if _, err := h.gw.Deny(ctx, h.boss, old.ID, "no"); aos.ErrorCode(err) != aos.EConflict {
			t.Errorf("deny after: %v, want conflict", err)
		}
	})
	t.Run("an approved call not yet sent never runs", func(t *testing.T) {
		h := newHarness(t)
		old := h.mustHold(5000_00)
		if _, err := h.gw.Approvals.Decide(ctx, h.boss, old.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		h.removeBehindTheBack()
		h.readdBuyer()
		got, err := h.gw.Execute(ctx, old.ID)
		if err != nil || got.Status != aos.ApprovalFailed || got.Error != aos.EApprovalStale || h.pay.count() != 0 {
			t.Fatalf("execute: %+v, %v; upstream saw %d calls", got, err, h.pay.count())
		}
	})
}

// TestGateway_ResumeSkipsRemovedAgents checks that removing an agent also
// fails its approved calls that have not started, so Resume never sends
// them.
func TestGateway_ResumeSkipsRemovedAgents(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	a := h.mustHold(5000_00)
	if _, err := h.gw.Approvals.Decide(ctx, h.boss, a.ID, true, "fine"); err != nil {
		t.Fatal(err)
	}
	if err := h.owner.RemoveAgent(ctx, h.boss, "buyer"); err != nil {
		t.Fatal(err)
	}
	if err := h.gw.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := h.gw.Approvals.Get(ctx, a.ID)
	if got.Status != aos.ApprovalFailed || got.Error != aos.EApprovalStale || h.pay.count() != 0 {
		t.Fatalf("after removal and resume: %+v, upstream saw %d calls", got, h.pay.count())
	}
	// The company grant is no agent's: it stays.
	gs, _ := h.owner.ListGrants(ctx, false)
	if len(gs) != 1 || gs[0].ID != h.grant.ID {
		t.Errorf("grants after removal: %v, want the company grant %s", gs, h.grant.ID)
	}
}
