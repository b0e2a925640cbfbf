package approval

import (
	"context"
	"strings"
	"time"

	"github.com/aos-dev/aos"
)

// RequesterGone returns why a's call may no longer go ahead because the
// agent that asked for it is gone (removed, its name perhaps given to a new
// agent), or "" if it still stands. The agent is identified by RequesterID:
// a later agent of the same name is someone else.
func RequesterGone(ctx context.Context, tx aos.Tx, a *aos.Approval) (string, error) {
	name, ok := strings.CutPrefix(a.Requester, "agent:")
	if a.Kind != aos.ApprovalCall || !ok {
		return "", nil
	}
	p, err := tx.PrincipalByName(ctx, aos.Agent, name)
	switch {
	case aos.ErrorCode(err) == aos.ENotFound || err == nil && p.ID != a.RequesterID:
		return a.Requester + " was removed", nil
	case err != nil:
		return "", err
	}
	return "", nil
}

// Withdraw fails a call that has not been sent (pending, or approved and
// not yet started) because the agent that asked for it is gone, and
// returns the evidence of it, as an execution that can no longer run is
// recorded: approval.fail with the code approval_stale and the reason. The
// call is never sent. actor is the Ref of whoever removed the agent.
func Withdraw(ctx context.Context, tx aos.Tx, actor string, a *aos.Approval, reason string, now time.Time) (aos.Record, error) {
	if a.Status != aos.ApprovalPending && (a.Status != aos.ApprovalApproved || a.ExecutedAt != nil) {
		return aos.Record{}, aos.Errorf(aos.EConflict, "approval %s is %s and cannot be withdrawn", a.ID, a.Status)
	}
	if a.DecidedAt == nil {
		a.DecidedAt, a.Decider = &now, actor
	}
	a.Status, a.Error, a.Reason = aos.ApprovalFailed, aos.EApprovalStale, reason
	if err := tx.UpdateApproval(ctx, a); err != nil {
		return aos.Record{}, err
	}
	rec := Record("approval.fail", actor, a, map[string]string{"code": a.Error})
	rec.Payload = jsonReason(reason)
	return rec, nil
}
