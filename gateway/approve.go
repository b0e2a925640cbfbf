package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Approve approves a held call (or redaction) and executes it, once. The
// execution survives the caller going away. Owner only.
// Errors: those of approval.Service.Decide.
func (g *Gateway) Approve(ctx context.Context, owner *aos.Principal, id, reason string) (*aos.Approval, error) {
	return g.ApproveShown(ctx, owner, id, reason, "")
}

// ApproveShown is Approve by an owner who was shown the approval's
// view (aos.Approval.View) with digest shown (see approval.Service.DecideShown).
func (g *Gateway) ApproveShown(ctx context.Context, owner *aos.Principal, id, reason, shown string) (*aos.Approval, error) {
	if _, err := g.Approvals.DecideShown(ctx, owner, id, true, reason, shown); err != nil {
		return nil, err
	}
	return g.Execute(context.WithoutCancel(ctx), id)
}

// Deny denies a held call; it never reaches the upstream. Owner only.
func (g *Gateway) Deny(ctx context.Context, owner *aos.Principal, id, reason string) (*aos.Approval, error) {
	return g.DenyShown(ctx, owner, id, reason, "")
}

// DenyShown is Deny by an owner who was shown the approval's view
// with digest shown (see approval.Service.DecideShown).
func (g *Gateway) DenyShown(ctx context.Context, owner *aos.Principal, id, reason, shown string) (*aos.Approval, error) {
	return g.Approvals.DecideShown(ctx, owner, id, false, reason, shown)
}

// staleExecution is how long an execution may have been under way before
// Resume takes it for interrupted: well past the longest upstream call.
const staleExecution = 10 * time.Minute

// Resume finishes what a restart interrupted: approved calls not yet
// started are executed (Execute runs each once, whichever replica gets it
// first); calls whose execution started long ago and never finished are
// marked failed, not sent again, because whether the upstream acted is
// unknown. An execution started recently may be under way on another
// replica and is left alone. serve runs it at start and then periodically.
func (g *Gateway) Resume(ctx context.Context) error {
	var as []*aos.Approval
	err := g.Store.View(ctx, func(tx aos.Tx) (err error) {
		as, err = tx.ListApprovals(ctx, aos.ApprovalFilter{Statuses: []aos.ApprovalStatus{aos.ApprovalApproved}})
		return err
	})
	if err != nil {
		return err
	}
	for _, a := range as {
		switch {
		case a.ExecutedAt == nil:
			if _, err := g.Execute(ctx, a.ID); err != nil && g.Logger != nil {
				g.Logger.Error("resuming an approved call", "approval", a.ID, "err", err)
			}
		case g.Now().Sub(*a.ExecutedAt) > staleExecution:
			if err := g.finish(ctx, a.ID, nil, aos.Errorf(aos.EUpstream,
				"the server stopped while the call was being sent; it was not sent again"), false); err != nil {
				return err
			}
		}
	}
	return nil
}

// RunResume calls Resume every interval until ctx ends.
func (g *Gateway) RunResume(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := g.Resume(ctx); err != nil && ctx.Err() == nil && g.Logger != nil {
			g.Logger.Error("resuming approved calls", "err", err)
		}
	}
}

// Execute runs an approved call, exactly once: the start of the execution
// is recorded durably before the upstream is contacted, and a second
// Execute of the same approval does nothing. It returns the approval as it
// stands afterwards.
func (g *Gateway) Execute(ctx context.Context, id string) (*aos.Approval, error) {
	a, err := g.Approvals.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Kind == aos.ApprovalRedaction {
		return g.Approvals.ExecuteRedaction(ctx, id)
	}
	var cred *aos.Credential
	var conn *aos.Connection
	var run bool
	idx, err := g.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		cred, conn, run = nil, nil, false
		var err error
		if a, err = tx.ApprovalByID(ctx, id); err != nil {
			return nil, err
		}
		if a.Status != aos.ApprovalApproved || a.ExecutedAt != nil {
			return nil, nil // settled, or another execution has it
		}
		if conn, err = tx.ConnectionByName(ctx, a.Connection); err != nil {
			return nil, err
		}
		var stale *aos.Decision
		cred, stale, err = g.recheck(ctx, tx, conn, aos.SplitGrantIDs(a.GrantID))
		if err != nil {
			return nil, err
		}
		if stale == nil {
			// An agent removed after its call was approved is gone, and
			// so is the authority its call was held on.
			gone, err := approval.RequesterGone(ctx, tx, a)
			if err != nil {
				return nil, err
			}
			if gone != "" {
				stale = &aos.Decision{Code: aos.EApprovalStale, Reason: gone}
			}
		}
		if stale == nil && cred.Version != a.CredentialVersion {
			stale = &aos.Decision{Code: aos.EApprovalStale, Reason: fmt.Sprintf(
				"the credential of %s was rotated since the call was held (version %d, now %d)",
				a.Connection, a.CredentialVersion, cred.Version)}
		}
		if stale != nil {
			// Whatever changed (grant, connection, credential), the call
			// would run on authority that no longer stands.
			code := aos.EApprovalStale
			a.Status, a.Error = aos.ApprovalFailed, code
			if err := tx.UpdateApproval(ctx, a); err != nil {
				return nil, err
			}
			rec := approval.Record("approval.fail", "system", a, map[string]string{"code": code})
			rec.Payload, _ = json.Marshal(map[string]string{"reason": stale.Reason})
			return []aos.Record{rec}, nil
		}
		now := g.Now().UTC()
		a.ExecutedAt = &now
		if err := tx.UpdateApproval(ctx, a); err != nil {
			return nil, err
		}
		t := &target{conn: conn}
		if t.caps, err = aos.LoadCaps(ctx, tx); err != nil {
			return nil, err
		}
		if err := g.spend(ctx, tx, t, &connector.Call{Facts: a.Facts}, a.ID); err != nil {
			return nil, err
		}
		facts, err := g.heldSubjects(ctx, tx, conn, a)
		if err != nil {
			return nil, err
		}
		if err := g.recordFlows(ctx, tx, conn.Name, a.Resource, facts, a.ID); err != nil {
			return nil, err
		}
		run = true
		return []aos.Record{approval.Record("call.authorized", a.Decider, a, map[string]string{
			"decision": "approved", "grant": a.GrantID, "credential_version": strconv.Itoa(cred.Version),
			"digest": a.Digest, "requester": a.Requester,
		})}, nil
	})
	if err != nil {
		return nil, err
	}
	if !run {
		g.Approvals.Changed()
		return a, nil
	}
	g.markUsed(conn.ID, cred.Version)
	resp, echoed, callErr := g.send(ctx, a, conn, cred)
	if err := g.finish(ctx, id, resp, callErr, echoed); err != nil {
		return nil, err
	}
	if echoed {
		g.warnEcho(ctx, conn.Name, a.Operation, idx[0])
	}
	return g.Approvals.Get(ctx, id)
}

// send opens the held request and the credential and calls the upstream
// (see sendCall: the answer is as the agent may see it, and echoed says
// the credential was redacted from it).
func (g *Gateway) send(ctx context.Context, a *aos.Approval, conn *aos.Connection, cred *aos.Credential) (resp *connector.Response, echoed bool, err error) {
	k, err := g.Connectors.Lookup(conn.Type)
	if err != nil {
		return nil, false, err
	}
	raw, err := approval.OpenRequest(g.Vault, a)
	if err != nil {
		return nil, false, err
	}
	var out connector.Outbound
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, false, fmt.Errorf("approval %s: held request: %w", a.ID, err)
	}
	secret, err := g.Vault.Open(cred.Sealed, vault.CredentialAAD(conn.ID, cred.Version))
	if err != nil {
		return nil, false, err
	}
	call := &connector.Call{Operation: aos.Operation{Name: a.Operation, Access: a.Access},
		Resource: a.Resource, Facts: a.Facts, Upstream: &out}
	// The one reading again of a sealed call: it was decided on long
	// before, and the connection may have changed since.
	if err := connector.Recheck(k, conn, call); err != nil {
		return nil, false, err
	}
	return g.sendCall(ctx, k, conn, cred, secret, call, decidedOn{})
}

// heldResult is the upstream's answer as sealed into an approval.
type heldResult struct {
	Status int         `json:"status"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
}

// OpenResult returns the upstream's answer to an executed approval.
func (g *Gateway) OpenResult(a *aos.Approval) (*connector.Response, error) {
	b, err := approval.OpenResult(g.Vault, a)
	if err != nil || b == nil {
		return nil, err
	}
	var r heldResult
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	return &connector.Response{Status: r.Status, Header: r.Header, Body: r.Body}, nil
}

// finish records the end of an execution: executed with the upstream's
// answer (sealed), or failed with the error's code. echoed says the
// upstream echoed the credential, which was redacted from resp: the
// outcome's credential_echo attribute says so.
func (g *Gateway) finish(ctx context.Context, id string, resp *connector.Response, callErr error, echoed bool) error {
	defer g.absentFPs.learn()()
	_, err := g.Log.Record(context.WithoutCancel(ctx), func(tx aos.Tx) ([]aos.Record, error) {
		a, err := tx.ApprovalByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if a.Status != aos.ApprovalApproved {
			return nil, nil
		}
		extra := map[string]string{}
		if echoed {
			extra["credential_echo"] = "redacted"
		}
		var rd *connector.Redecide
		if errors.As(callErr, &rd) {
			// The upstream showed the call is not what the owner approved.
			callErr = aos.Errorf(aos.EApprovalStale, "nothing was sent: %s", rd.Reason)
		}
		if callErr != nil {
			a.Status, a.Error = aos.ApprovalFailed, aos.ErrorCode(callErr)
			extra["code"] = a.Error
		} else {
			a.Status, a.ResultStatus = aos.ApprovalExecuted, resp.Status
			if conn, err := tx.ConnectionByName(ctx, a.Connection); err == nil {
				if err := g.learn(ctx, tx, conn, a.Resource, resp); err != nil {
					return nil, err
				}
			}
			b, _ := json.Marshal(heldResult{Status: resp.Status, Header: resp.Header, Body: resp.Body})
			if err := approval.SealResult(g.Vault, a, b); err != nil {
				return nil, err
			}
			extra["status"] = strconv.Itoa(resp.Status)
		}
		if err := tx.UpdateApproval(ctx, a); err != nil {
			return nil, err
		}
		return []aos.Record{approval.Record("call.outcome", "system", a, extra)}, nil
	})
	g.Approvals.Changed()
	return err
}
