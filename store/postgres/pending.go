package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

// approvalSelectNoBlobs is approvalSelect with the sealed request and result
// read as NULL, for lookups that must not load them.
var approvalSelectNoBlobs = `SELECT id, kind, created_at, ` + strings.Join(withoutBlobs(approvalFields), ", ") + ` FROM approvals`

// withoutBlobs returns fields with the sealed columns replaced by NULL.
func withoutBlobs(fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		if f == "request" || f == "result" {
			f = "NULL::bytea"
		}
		out[i] = f
	}
	return out
}

// PendingApproval returns the oldest pending approval of kind that
// requesterID asked for with the request digest, without its sealed request
// and result, or ENotFound. The partial index approvals_pending_requester
// answers it.
func (t *tx) PendingApproval(ctx context.Context, kind aos.ApprovalKind, requesterID int64, digest string) (*aos.Approval, error) {
	a, err := scanApproval(t.tx.QueryRow(ctx, approvalSelectNoBlobs+
		` WHERE status = 'pending' AND requester_id = $1 AND digest = $2 AND kind = $3 ORDER BY created_at, id LIMIT 1`,
		requesterID, digest, string(kind)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storecheck.NotFound("pending approval", digest)
	}
	if err != nil {
		return nil, badText("pending approval", err)
	}
	return a, nil
}

// ApprovalWithoutBlobs returns the approval, in any status, without its
// sealed request and result, or ENotFound.
func (t *tx) ApprovalWithoutBlobs(ctx context.Context, id string) (*aos.Approval, error) {
	a, err := scanApproval(t.tx.QueryRow(ctx, approvalSelectNoBlobs+` WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storecheck.NotFound("approval", id)
	}
	if err != nil {
		return nil, badText("approval without blobs", err)
	}
	return a, nil
}

// CountPendingApprovals counts pending approvals of requesterID (every
// requester's for 0) from an index.
func (t *tx) CountPendingApprovals(ctx context.Context, requesterID int64) (int, error) {
	query, args := `SELECT count(*) FROM approvals WHERE status = 'pending'`, []any{}
	if requesterID != 0 {
		query, args = query+` AND requester_id = $1`, append(args, requesterID)
	}
	var n int
	if err := t.tx.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, badText("count pending approvals", err)
	}
	return n, nil
}
