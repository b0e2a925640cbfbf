package approval

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
)

// RequestRedaction holds a redaction of an evidence entry's payload as an
// audit-edit: nothing is removed until the owner approves it. The request
// is itself an entry. Errors: EForbidden (not the owner), EBadRequest (no
// reason), ENotFound (no such entry), EConflict (no payload, or redacted).
func (s *Service) RequestRedaction(ctx context.Context, p *aos.Principal, entry int64, reason string) (*aos.Approval, error) {
	if p == nil || p.Kind != aos.Owner {
		return nil, aos.Errorf(aos.EForbidden, "only the owner may request a redaction")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, aos.Errorf(aos.EBadRequest, "a redaction needs a reason (--reason)")
	}
	request, _ := json.Marshal(map[string]any{"redact_entry": entry, "reason": reason})
	var a *aos.Approval
	_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		if err := redactable(ctx, tx, entry); err != nil {
			return nil, err
		}
		var err error
		a, err = s.New(&aos.Approval{
			Kind: aos.ApprovalRedaction, Points: []aos.ApprovalPoint{aos.PointAuditEdit},
			Requester: p.Ref(), RequesterID: p.ID, RedactEntry: entry,
			Summary: fmt.Sprintf("remove the payload of evidence entry %d", entry),
			Reasons: []string{"audit-edit: removing evidence content needs the owner's approval"},
			Purpose: reason,
		}, request)
		if err != nil {
			return nil, err
		}
		if err := tx.CreateApproval(ctx, a); err != nil {
			return nil, err
		}
		rec := Record("evidence.redact_requested", p.Ref(), a, map[string]string{"entry": strconv.FormatInt(entry, 10)})
		rec.Payload = jsonReason(reason)
		return []aos.Record{rec}, nil
	})
	if err != nil {
		return nil, err
	}
	s.Held(ctx, a)
	return a, nil
}

func redactable(ctx context.Context, tx aos.Tx, entry int64) error {
	es, err := tx.Entries(ctx, entry, entry+1)
	if err != nil {
		return err
	}
	switch {
	case len(es) == 0:
		return aos.Errorf(aos.ENotFound, "no evidence entry %d", entry)
	case es[0].RedactedAt != nil:
		return aos.Errorf(aos.EConflict, "entry %d is already redacted", entry)
	case es[0].Payload == nil:
		return aos.Errorf(aos.EConflict, "entry %d has no payload to redact", entry)
	}
	return nil
}

// ExecuteRedaction carries out an approved redaction: the payload goes, the
// leaf and its salted commitment stay, so the tree still verifies. The
// redaction and the approval's completion commit together with their entry.
func (s *Service) ExecuteRedaction(ctx context.Context, id string) (*aos.Approval, error) {
	var a *aos.Approval
	_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		var err error
		if a, err = tx.ApprovalByID(ctx, id); err != nil {
			return nil, err
		}
		if a.Kind != aos.ApprovalRedaction || a.Status != aos.ApprovalApproved {
			return nil, nil
		}
		now := s.now()
		entry := strconv.FormatInt(a.RedactEntry, 10)
		if err := redactable(ctx, tx, a.RedactEntry); err != nil {
			a.Status, a.Error = aos.ApprovalFailed, aos.ErrorCode(err)
			if err := tx.UpdateApproval(ctx, a); err != nil {
				return nil, err
			}
			return []aos.Record{Record("approval.fail", "system", a, map[string]string{"entry": entry, "code": a.Error})}, nil
		}
		if err := tx.RedactEntry(ctx, a.RedactEntry, now); err != nil {
			return nil, err
		}
		a.Status, a.ExecutedAt = aos.ApprovalExecuted, &now
		if err := tx.UpdateApproval(ctx, a); err != nil {
			return nil, err
		}
		return []aos.Record{Record("evidence.redact", a.Decider, a, map[string]string{"entry": entry})}, nil
	})
	s.Changed()
	return a, err
}
