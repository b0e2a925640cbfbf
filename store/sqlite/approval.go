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

// approvalFields are the columns UpdateApproval writes, in the order of
// approvalValues: every column but id, kind and created_at. The statements
// below are built from this one list so that columns and values stay aligned.
var approvalFields = []string{
	"points", "status", "requester", "requester_id", "connection", "connection_id", "grant_id",
	"credential_version", "operation", "access", "resource", "summary", "facts", "reasons",
	"request", "digest", "redact_entry", "purpose", "recommendation", "alternatives",
	"expires_at", "decided_at", "decider", "reason", "executed_at", "result", "result_status", "error",
}

var (
	approvalInsert = `INSERT INTO approvals (id, kind, created_at, ` + strings.Join(approvalFields, ", ") +
		`) VALUES (?, ?, ?, ` + placeholders(len(approvalFields)) + `)`
	approvalUpdate = `UPDATE approvals SET ` + strings.Join(approvalFields, " = ?, ") + ` = ? WHERE id = ?`
	approvalSelect = `SELECT id, kind, created_at, ` + strings.Join(approvalFields, ", ") + ` FROM approvals`
)

// approvalValues returns a's values for approvalFields.
func approvalValues(enc *encoder, a *aos.Approval) []any {
	text := enc.approval(a)
	return []any{
		text.Points, a.Status, a.Requester, a.RequesterID, a.Connection, a.ConnectionID, a.GrantID,
		a.CredentialVersion, a.Operation, a.Access, a.Resource, a.Summary, text.Facts,
		text.Reasons, nullBlob(a.Request), a.Digest, a.RedactEntry, a.Purpose, a.Recommendation,
		text.Alternatives, enc.time("expires_at", a.ExpiresAt),
		enc.timePtr("decided_at", a.DecidedAt), a.Decider, a.Reason, enc.timePtr("executed_at", a.ExecutedAt),
		nullBlob(a.Result), a.ResultStatus, a.Error,
	}
}

func scanApproval(row scanner) (*aos.Approval, error) {
	var a aos.Approval
	err := row.Scan(&a.ID, &a.Kind, scanTime{&a.CreatedAt},
		scanJSON{&a.Points}, &a.Status, &a.Requester, &a.RequesterID, &a.Connection, &a.ConnectionID, &a.GrantID,
		&a.CredentialVersion, &a.Operation, &a.Access, &a.Resource, &a.Summary, scanJSON{&a.Facts},
		scanJSON{&a.Reasons}, &a.Request, &a.Digest, &a.RedactEntry, &a.Purpose, &a.Recommendation,
		scanJSON{&a.Alternatives}, scanTime{&a.ExpiresAt},
		scanTimePtr{&a.DecidedAt}, &a.Decider, &a.Reason, scanTimePtr{&a.ExecutedAt},
		&a.Result, &a.ResultStatus, &a.Error)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateApproval stores a under its caller-chosen ID. It returns EConflict if
// the ID is taken. The requester, connection, grant and evidence entries a
// names are stored as given, not checked: the approval records what was held.
func (t *tx) CreateApproval(ctx context.Context, a *aos.Approval) error {
	if err := t.writable("create approval", storecheck.NewApproval(a)); err != nil {
		return err
	}
	var enc encoder
	args := append([]any{a.ID, a.Kind, enc.time("created_at", a.CreatedAt)}, approvalValues(&enc, a)...)
	if enc.err != nil {
		return enc.err
	}
	_, err := t.tx.ExecContext(ctx, approvalInsert, args...)
	if isUnique(err) {
		return storecheck.Exists("approval", a.ID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create approval: %w", err)
	}
	return nil
}

// ApprovalByID returns the approval, in any status, or ENotFound.
func (t *tx) ApprovalByID(ctx context.Context, id string) (*aos.Approval, error) {
	a, err := scanApproval(t.tx.QueryRowContext(ctx, approvalSelect+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storecheck.NotFound("approval", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: approval by id: %w", err)
	}
	return a, nil
}

// UpdateApproval stores every field of a in the approval with a.ID except
// Kind and CreatedAt, which are fixed at creation (a's values for them are
// ignored). It returns ENotFound if there is no such approval. It does not
// check the transition: the caller reads the status in the same Update.
func (t *tx) UpdateApproval(ctx context.Context, a *aos.Approval) error {
	if err := t.writable("update approval", storecheck.Approval(a)); err != nil {
		return err
	}
	var enc encoder
	args := append(approvalValues(&enc, a), a.ID)
	if enc.err != nil {
		return enc.err
	}
	res, err := t.tx.ExecContext(ctx, approvalUpdate, args...)
	if err != nil {
		return fmt.Errorf("sqlite: update approval: %w", err)
	}
	return checkAffected(res, storecheck.NotFound("approval", a.ID))
}

// ListApprovals returns the approvals f selects, by CreatedAt and then ID.
// An empty Statuses (nil or not) matches every status; ExpiredBy matches
// approvals whose ExpiresAt is at or before it, whatever their status.
func (t *tx) ListApprovals(ctx context.Context, f aos.ApprovalFilter) ([]*aos.Approval, error) {
	var where []string
	var args []any
	if len(f.Statuses) > 0 {
		where = append(where, "status IN ("+placeholders(len(f.Statuses))+")")
		for _, s := range f.Statuses {
			args = append(args, s)
		}
	}
	if f.ExpiredBy != nil {
		var enc encoder
		by := enc.time("expired_by", *f.ExpiredBy)
		if enc.err != nil {
			return nil, enc.err
		}
		where = append(where, "expires_at <= ?")
		args = append(args, by)
	}
	query := approvalSelect
	if f.WithoutBlobs {
		query = approvalSelectNoBlobs
	}
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY created_at, id"

	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list approvals: %w", err)
	}
	defer rows.Close()
	var as []*aos.Approval
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list approvals: %w", err)
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list approvals: %w", err)
	}
	return as, nil
}
