package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aos-dev/aos"
)

// inboxItem is one pending approval as the inbox shows it.
type inboxItem struct {
	A          *aos.Approval
	Agent      string
	Department string
	View       *aos.ApprovalView
}

// pendingApprovals lists the pending approvals, newest first, without
// their sealed requests.
func (c *Console) pendingApprovals(ctx context.Context) ([]*aos.Approval, error) {
	var as []*aos.Approval
	err := c.Gateway.Store.View(ctx, func(tx aos.Tx) (err error) {
		as, err = tx.ListApprovals(ctx, aos.ApprovalFilter{Statuses: []aos.ApprovalStatus{aos.ApprovalPending}, WithoutBlobs: true})
		return err
	})
	slices.SortStableFunc(as, func(a, b *aos.Approval) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return as, err
}

func (c *Console) inboxItems(ctx context.Context) ([]inboxItem, error) {
	as, err := c.pendingApprovals(ctx)
	if err != nil {
		return nil, err
	}
	agents, err := c.Owner.ListAgents(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*aos.Principal{}
	for _, p := range agents {
		byID[p.ID] = p
	}
	// The views render from the sealed requests: what the call would send.
	if err := c.Gateway.Approvals.WithViews(ctx, as...); err != nil {
		return nil, err
	}
	items := make([]inboxItem, 0, len(as))
	for _, a := range as {
		it := inboxItem{A: a, Agent: a.Requester, View: a.View}
		if p := byID[a.RequesterID]; p != nil {
			it.Agent, it.Department = p.Name, p.Department
		}
		items = append(items, it)
	}
	return items, nil
}

func (c *Console) handleInbox(w http.ResponseWriter, r *http.Request, v *visit) error {
	items, err := c.inboxItems(r.Context())
	if err != nil {
		return err
	}
	c.render(w, r, v.session, http.StatusOK, "inbox", pageData{Title: "Inbox", Nav: "inbox", Data: items})
	return nil
}

// handleInboxItems is the list alone, which the inbox's script fetches
// when the pending approvals change.
func (c *Console) handleInboxItems(w http.ResponseWriter, r *http.Request, v *visit) error {
	items, err := c.inboxItems(r.Context())
	if err != nil {
		return err
	}
	c.renderTemplate(w, r, v.session, http.StatusOK, "inbox", "items", pageData{Data: items})
	return nil
}

// pendingEvent is the data of a "pending" server-sent event.
type pendingEvent struct {
	Count int      `json:"count"`
	IDs   []string `json:"ids"`
}

// eventsFor is how long one event stream lasts before the browser
// reconnects; heartbeat is how often an idle stream says it is alive.
const (
	eventsFor = 5 * time.Minute
	heartbeat = 15 * time.Second
)

// handleEvents streams the pending approvals (count and ids) as
// server-sent events: at once, then whenever they change. Changes made in
// this process wake it at once; it also looks every Poll for changes made
// by other replicas.
func (c *Console) handleEvents(w http.ResponseWriter, r *http.Request, v *visit) error {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n\n")
	ctx := r.Context()
	end := time.Now().Add(eventsFor)
	last, wrote, sent := "", time.Now(), false
	for {
		rc.SetWriteDeadline(time.Now().Add(heartbeat + 30*time.Second))
		rc.SetReadDeadline(time.Now().Add(eventsFor + 30*time.Second))
		ch := c.Gateway.Approvals.Changes()
		as, err := c.pendingApprovals(ctx)
		if err != nil {
			return nil // the stream ends; the browser reconnects
		}
		ev := pendingEvent{Count: len(as), IDs: make([]string, len(as))}
		for i, a := range as {
			ev.IDs[i] = a.ID
		}
		if sig := strings.Join(ev.IDs, ","); !sent || sig != last {
			b, _ := json.Marshal(ev)
			if _, err := fmt.Fprintf(w, "event: pending\ndata: %s\n\n", b); err != nil {
				return nil
			}
			last, wrote, sent = sig, time.Now(), true
		} else if time.Since(wrote) > heartbeat {
			if _, err := fmt.Fprint(w, ": alive\n\n"); err != nil {
				return nil
			}
			wrote = time.Now()
		}
		if err := rc.Flush(); err != nil || time.Now().After(end) {
			return nil
		}
		if !c.sessions.live(v.session, time.Now()) {
			return nil // signed out or expired: the stream ends with the session
		}
		select {
		case <-ch:
		case <-time.After(c.poll()):
		case <-ctx.Done():
			return nil
		}
	}
}

// handleDecide approves or denies a pending approval. The form carries the
// digest of the view the owner was shown; the decision is refused if the
// approval no longer renders to it, and the digest is recorded in the
// decision's evidence entry (approval.Service.DecideShown).
func (c *Console) handleDecide(approve bool) func(http.ResponseWriter, *http.Request, *visit) error {
	return func(w http.ResponseWriter, r *http.Request, v *visit) error {
		id, shown, reason := r.PathValue("id"), r.PostForm.Get("digest"), r.PostForm.Get("reason")
		if shown == "" {
			return aos.Errorf(aos.EBadRequest, "the decision carries no view digest; reload the inbox and decide again")
		}
		var a *aos.Approval
		var err error
		if approve {
			a, err = c.Gateway.ApproveShown(r.Context(), v.owner, id, reason, shown)
		} else {
			a, err = c.Gateway.DenyShown(r.Context(), v.owner, id, reason, shown)
		}
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("Denied %s.", id)
		if approve {
			switch a.Status {
			case aos.ApprovalExecuted:
				msg = fmt.Sprintf("Approved %s: sent, the upstream answered %d.", id, a.ResultStatus)
			case aos.ApprovalFailed:
				msg = fmt.Sprintf("Approved %s, but it failed: %s.", id, a.Error)
			default:
				msg = fmt.Sprintf("Approved %s (%s).", id, a.Status)
			}
		}
		return c.done(w, r, v.session, Prefix, msg)
	}
}
