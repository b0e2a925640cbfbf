// Package approval is the state machine of held calls. A call that reaches
// an approval point is held with its exact request sealed; only the owner
// moves it on (approve or deny), it expires if nobody does, and an approved
// call executes exactly once. Every transition is recorded in the evidence
// trail in the same transaction as the state change.
//
//	pending ──approve──▶ approved ──execute──▶ executed | failed
//	   │ └────deny────▶ denied
//	   └────expiry────▶ expired
package approval

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
)

// Service runs approvals. Its exported fields are set once, before use.
type Service struct {
	Store aos.Store
	Log   aos.EvidenceLog
	Vault *vault.Vault
	Now   func() time.Time
	// Expiry is how long a held call waits; DefaultApprovalExpiry if zero.
	Expiry time.Duration
	// Notify, if set, is told of every new hold (after it is durable).
	Notify Notifier
	// Observer, if set, is told of new holds and of decisions.
	Observer Observer
	Logger   *slog.Logger

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change
}

func (s *Service) now() time.Time { return s.Now().UTC() }

func (s *Service) expiry() time.Duration {
	if s.Expiry > 0 {
		return s.Expiry
	}
	return aos.DefaultApprovalExpiry
}

// changes returns a channel closed at the next state change.
func (s *Service) changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

// Changes returns a channel closed at the next state change of an
// approval made in this process (other replicas' changes do not show:
// watchers also look again periodically).
func (s *Service) Changes() <-chan struct{} { return s.changes() }

// Changed wakes everyone waiting on an approval. Callers that change an
// approval's state outside this package call it after their commit.
func (s *Service) Changed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
	}
	s.changed = make(chan struct{})
}

// New builds a pending approval with a fresh ID and expiry, the request
// sealed. The caller stores it (tx.CreateApproval) in the transaction that
// records the hold.
func (s *Service) New(a *aos.Approval, request []byte) (*aos.Approval, error) {
	a.ID = aos.NewID("ap_")
	a.Status = aos.ApprovalPending
	a.CreatedAt = s.now()
	a.ExpiresAt = a.CreatedAt.Add(s.expiry())
	if err := SealRequest(s.Vault, a, request); err != nil {
		return nil, err
	}
	return a, nil
}

// Held is called once a hold is durable: it wakes waiters and notifies.
func (s *Service) Held(ctx context.Context, a *aos.Approval) {
	s.Changed()
	s.observeHeld(a)
	if s.Notify != nil {
		go s.Notify.Notify(context.WithoutCancel(ctx), a)
	}
}

// PointNames joins approval points for evidence attributes.
func PointNames(ps []aos.ApprovalPoint) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

// Record is the evidence record of an approval's transition.
func Record(kind string, actor string, a *aos.Approval, extra map[string]string) aos.Record {
	attrs := map[string]string{"approval": a.ID, "points": PointNames(a.Points), "status": string(a.Status)}
	if a.Connection != "" {
		attrs["connection"] = a.Connection
	}
	if a.Operation != "" {
		attrs["operation"] = a.Operation
	}
	for k, v := range extra {
		attrs[k] = v
	}
	return aos.Record{Kind: kind, Actor: actor, Subject: a.ID, Attrs: attrs}
}

// Get returns an approval. Errors: ENotFound.
func (s *Service) Get(ctx context.Context, id string) (*aos.Approval, error) {
	var a *aos.Approval
	err := s.Store.View(ctx, func(tx aos.Tx) (err error) {
		a, err = tx.ApprovalByID(ctx, id)
		return err
	})
	return a, err
}

// List returns the pending approvals, or all of them.
func (s *Service) List(ctx context.Context, all bool) ([]*aos.Approval, error) {
	f := aos.ApprovalFilter{}
	if !all {
		f.Statuses = []aos.ApprovalStatus{aos.ApprovalPending}
	}
	var as []*aos.Approval
	err := s.Store.View(ctx, func(tx aos.Tx) (err error) {
		as, err = tx.ListApprovals(ctx, f)
		return err
	})
	return as, err
}

// Decide approves or denies a pending approval. Owner only; a denial needs
// a reason. Exactly one decision ever takes effect: a second one, however
// concurrent, gets EConflict naming the status. A decision after the expiry
// expires the approval and returns EApprovalExpired. A call whose agent was
// removed is never decided: it is (or becomes) failed, and the decision
// gets EConflict saying why.
// Errors: EForbidden, EBadRequest, ENotFound, EConflict, EApprovalExpired.
func (s *Service) Decide(ctx context.Context, decider *aos.Principal, id string, approve bool, reason string) (*aos.Approval, error) {
	return s.DecideShown(ctx, decider, id, approve, reason, "")
}

// DecideShown is Decide for an owner who was shown the approval's view
// (aos.Approval.View, WithViews): shown is its digest ("" for none, as
// Decide). In the deciding transaction the approval is rendered again; if
// it no longer renders to shown, the approval changed since the owner saw it and the decision is
// refused with EConflict. Otherwise shown is recorded as the decision
// entry's shown_digest attribute.
// Errors: those of Decide; EBadRequest for a shown that is no digest.
func (s *Service) DecideShown(ctx context.Context, decider *aos.Principal, id string, approve bool, reason, shown string) (*aos.Approval, error) {
	if decider == nil || decider.Kind != aos.Owner {
		return nil, aos.Errorf(aos.EForbidden, "only the owner may decide approvals")
	}
	if shown != "" && !validDigest(shown) {
		return nil, aos.Errorf(aos.EBadRequest, `shown_digest must be a view's digest, "sha256:" and 64 lowercase hex digits`)
	}
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return nil, aos.Errorf(aos.EBadRequest, "a denial needs a reason (--reason)")
	}
	var a *aos.Approval
	var expired bool
	var gone string
	_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		expired, gone = false, ""
		var err error
		if a, err = tx.ApprovalByID(ctx, id); err != nil {
			return nil, err
		}
		if gone, err = RequesterGone(ctx, tx, a); err != nil {
			return nil, err
		}
		now := s.now()
		if gone != "" {
			if a.Status != aos.ApprovalPending {
				return nil, aos.Errorf(aos.EConflict, "approval %s is %s: %s", id, a.Status, gone)
			}
			// Held before removals failed an agent's calls: fail it now.
			rec, err := Withdraw(ctx, tx, decider.Ref(), a, gone, now)
			return []aos.Record{rec}, err
		}
		if a.Status != aos.ApprovalPending {
			return nil, aos.Errorf(aos.EConflict, "approval %s is already %s", id, a.Status)
		}
		if !now.Before(a.ExpiresAt) {
			expired = true
			return s.expire(ctx, tx, a, now)
		}
		if shown != "" {
			if err := s.renderViews(ctx, tx, a); err != nil {
				return nil, err
			}
			if a.View.Digest != shown {
				return nil, aos.Errorf(aos.EConflict,
					"approval %s changed since it was shown: it no longer renders to the view you decided on; look at it again", id)
			}
		}
		a.DecidedAt, a.Decider, a.Reason = &now, decider.Ref(), reason
		kind := "approval.deny"
		a.Status = aos.ApprovalDenied
		if approve {
			kind, a.Status = "approval.approve", aos.ApprovalApproved
		}
		if err := tx.UpdateApproval(ctx, a); err != nil {
			return nil, err
		}
		var extra map[string]string
		if shown != "" {
			extra = map[string]string{"shown_digest": shown}
		}
		rec := Record(kind, decider.Ref(), a, extra)
		if reason != "" {
			rec.Payload = jsonReason(reason)
		}
		return []aos.Record{rec}, nil
	})
	if err != nil {
		return nil, err
	}
	s.Changed()
	if gone == "" {
		s.observeDecided(a)
	}
	if expired {
		return a, aos.Errorf(aos.EApprovalExpired, "approval %s expired at %s", id, a.ExpiresAt.Format(time.RFC3339))
	}
	if gone != "" {
		return a, aos.Errorf(aos.EConflict, "approval %s is %s: %s", id, a.Status, gone)
	}
	return a, nil
}

func (s *Service) expire(ctx context.Context, tx aos.Tx, a *aos.Approval, now time.Time) ([]aos.Record, error) {
	a.Status, a.DecidedAt, a.Decider, a.Reason = aos.ApprovalExpired, &now, "system", "no decision before the expiry"
	if err := tx.UpdateApproval(ctx, a); err != nil {
		return nil, err
	}
	return []aos.Record{Record("approval.expire", "system", a, nil)}, nil
}

// ExpireDue expires every pending approval past its expiry and returns how
// many it expired.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	now := s.now()
	var due []*aos.Approval
	err := s.Store.View(ctx, func(tx aos.Tx) (err error) {
		due, err = tx.ListApprovals(ctx, aos.ApprovalFilter{Statuses: []aos.ApprovalStatus{aos.ApprovalPending}, ExpiredBy: &now})
		return err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		var expired *aos.Approval
		_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
			expired = nil
			a, err := tx.ApprovalByID(ctx, d.ID)
			if err != nil || a.Status != aos.ApprovalPending || now.Before(a.ExpiresAt) {
				return nil, err
			}
			expired = a
			return s.expire(ctx, tx, a, now)
		})
		if err != nil {
			return n, err
		}
		if expired != nil {
			n++
			s.observeDecided(expired)
		}
	}
	if n > 0 {
		s.Changed()
	}
	return n, nil
}

// RunExpiry expires due approvals every interval until ctx ends.
func (s *Service) RunExpiry(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.ExpireDue(ctx); err != nil && ctx.Err() == nil && s.Logger != nil {
			s.Logger.Error("expiring approvals", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Wait returns the approval once it is settled (denied, expired, executed
// or failed) or when wait has passed, whichever is first. Only the
// principal whose call is held, by ID (or the owner), may wait on it; for
// anyone else, a later agent of the same name too, it does not exist.
// Errors: ENotFound.
func (s *Service) Wait(ctx context.Context, p *aos.Principal, id string, wait time.Duration) (*aos.Approval, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		ch := s.changes()
		// Every change wakes every waiter: each looks at the state only,
		// never loading the sealed request (up to the held request bound)
		// until the approval is settled.
		var a *aos.Approval
		err := s.Store.View(ctx, func(tx aos.Tx) (err error) {
			a, err = tx.ApprovalWithoutBlobs(ctx, id)
			return err
		})
		if err == nil && p.Kind != aos.Owner && a.RequesterID != p.ID {
			err = aos.Errorf(aos.ENotFound, "no approval %s", id)
		}
		if err != nil {
			return nil, err
		}
		if a.Status.Final() {
			return s.Get(ctx, id)
		}
		// Another replica may change it: look again at least every second.
		select {
		case <-ch:
		case <-time.After(time.Second):
		case <-deadline.C:
			return a, nil
		case <-ctx.Done():
			return a, nil
		}
	}
}

// validDigest reports whether d is a view digest: "sha256:" and the hex
// SHA-256, in lowercase.
func validDigest(d string) bool {
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
