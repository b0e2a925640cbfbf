package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
)

// ListGrantsOf returns the grants not revoked that were made to the
// principal with the ID, expired ones too, by creation time and then ID,
// each with Connection set.
func (t *tx) ListGrantsOf(ctx context.Context, granteeID int64) ([]*aos.Grant, error) {
	rows, err := t.tx.Query(ctx, grantSelect+
		` WHERE g.grantee_id = $1 AND g.grantee_id <> 0 AND g.revoked_at IS NULL ORDER BY g.created_at, g.id`, granteeID)
	if err != nil {
		return nil, badText("list grants of", err)
	}
	gs, err := collect(rows, func(r pgx.Rows) (*aos.Grant, error) { return scanGrant(r) })
	if err != nil {
		return nil, badText("list grants of", err)
	}
	return gs, nil
}

// ListApprovalsOf returns the approvals the principal with the ID asked
// for, in any of the statuses (all when none is given), by CreatedAt and
// then ID.
func (t *tx) ListApprovalsOf(ctx context.Context, requesterID int64, statuses []aos.ApprovalStatus) ([]*aos.Approval, error) {
	query := approvalSelect + ` WHERE requester_id = $1`
	args := []any{requesterID}
	if len(statuses) > 0 {
		names := make([]string, len(statuses))
		for i, s := range statuses {
			names[i] = string(s)
		}
		query += ` AND status = ANY($2)`
		args = append(args, names)
	}
	rows, err := t.tx.Query(ctx, query+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, badText("list approvals of", err)
	}
	as, err := collect(rows, func(r pgx.Rows) (*aos.Approval, error) { return scanApproval(r) })
	if err != nil {
		return nil, badText("list approvals of", err)
	}
	return as, nil
}
