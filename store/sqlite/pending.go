package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

// approvalSelectNoBlobs is approvalSelect with the sealed request and result
// read as NULL, for lookups that must not load them.
var approvalSelectNoBlobs = `SELECT id, kind, created_at, ` + strings.Join(withoutBlobs(approvalFields), ", ") + ` FROM approvals`

// The queries of PendingApproval and CountPendingApprovals. Each spells out
// the literal status = 'pending' so that SQLite can use the partial index
// approvals_pending_requester (a bound status could not prove it applies).
var (
	pendingByDigest = approvalSelectNoBlobs +
		` WHERE status = 'pending' AND requester_id = ? AND digest = ? AND kind = ? ORDER BY created_at, id LIMIT 1`
	countPending            = `SELECT count(*) FROM approvals WHERE status = 'pending'`
	countPendingOfRequester = countPending + ` AND requester_id = ?`
)

// withoutBlobs returns fields with the sealed columns replaced by NULL.
func withoutBlobs(fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		if f == "request" || f == "result" {
			f = "NULL"
		}
		out[i] = f
	}
	return out
}

// PendingApproval returns the oldest pending approval of kind that
// requesterID asked for with the request digest, without its sealed request
// and result, or ENotFound, from the index approvals_pending_requester.
func (t *tx) PendingApproval(ctx context.Context, kind aos.ApprovalKind, requesterID int64, digest string) (*aos.Approval, error) {
	a, err := scanApproval(t.tx.QueryRowContext(ctx, pendingByDigest, requesterID, digest, kind))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storecheck.NotFound("pending approval", digest)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending approval: %w", err)
	}
	return a, nil
}

// ApprovalWithoutBlobs returns the approval, in any status, without its
// sealed request and result, or ENotFound.
func (t *tx) ApprovalWithoutBlobs(ctx context.Context, id string) (*aos.Approval, error) {
	a, err := scanApproval(t.tx.QueryRowContext(ctx, approvalSelectNoBlobs+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storecheck.NotFound("approval", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: approval without blobs: %w", err)
	}
	return a, nil
}

// CountPendingApprovals counts pending approvals of requesterID (every
// requester's for 0) from an index.
func (t *tx) CountPendingApprovals(ctx context.Context, requesterID int64) (int, error) {
	query, args := countPending, []any{}
	if requesterID != 0 {
		query, args = countPendingOfRequester, append(args, requesterID)
	}
	var n int
	if err := t.tx.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count pending approvals: %w", err)
	}
	return n, nil
}
