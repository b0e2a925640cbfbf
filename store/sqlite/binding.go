package sqlite

import (
	"context"
	"fmt"

	"github.com/aos-dev/aos"
)

// ListGrantsOf returns the grants not revoked that were made to the
// principal with the ID, expired ones too, by creation time and then ID,
// each with Connection set.
func (t *tx) ListGrantsOf(ctx context.Context, granteeID int64) ([]*aos.Grant, error) {
	rows, err := t.tx.QueryContext(ctx, grantSelect+
		` WHERE g.grantee_id = ? AND g.grantee_id <> 0 AND g.revoked_at IS NULL ORDER BY g.created_at, g.id`, granteeID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list grants of: %w", err)
	}
	defer rows.Close()
	var gs []*aos.Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list grants of: %w", err)
		}
		gs = append(gs, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list grants of: %w", err)
	}
	return gs, nil
}

// ListApprovalsOf returns the approvals the principal with the ID asked
// for, in any of the statuses (all when none is given), by CreatedAt and
// then ID.
func (t *tx) ListApprovalsOf(ctx context.Context, requesterID int64, statuses []aos.ApprovalStatus) ([]*aos.Approval, error) {
	query := approvalSelect + ` WHERE requester_id = ?`
	args := []any{requesterID}
	if len(statuses) > 0 {
		query += ` AND status IN (` + placeholders(len(statuses)) + `)`
		for _, s := range statuses {
			args = append(args, s)
		}
	}
	rows, err := t.tx.QueryContext(ctx, query+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list approvals of: %w", err)
	}
	defer rows.Close()
	var as []*aos.Approval
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list approvals of: %w", err)
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list approvals of: %w", err)
	}
	return as, nil
}
