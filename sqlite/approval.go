package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/aos-dev/aos"
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
	return []any{
		enc.json("points", a.Points), a.Status, a.Requester, a.RequesterID, a.Connection, a.ConnectionID, a.GrantID,
		a.CredentialVersion, a.Operation, a.Access, a.Resource, a.Summary, enc.json("facts", a.Facts),
		enc.json("reasons", a.Reasons), nullBlob(a.Request), a.Digest, a.RedactEntry, a.Purpose, a.Recommendation,
		enc.json("alternatives", a.Alternatives), enc.time("expires_at", a.ExpiresAt),
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

func validApprovalStatus(s aos.ApprovalStatus) bool {
	switch s {
	case aos.ApprovalPending, aos.ApprovalApproved, aos.ApprovalDenied,
		aos.ApprovalExpired, aos.ApprovalExecuted, aos.ApprovalFailed:
		return true
	}
	return false
}

func checkApproval(a *aos.Approval) error {
	if a == nil || a.ID == "" {
		return aos.Errorf(aos.EBadRequest, "an approval needs an ID")
	}
	if !validApprovalStatus(a.Status) {
		return aos.Errorf(aos.EBadRequest, "approval %s: unknown status %q", a.ID, a.Status)
	}
	return nil
}

// CreateApproval stores a under its caller-chosen ID. It returns EConflict if
// the ID is taken. The requester, connection, grant and evidence entries a
// names are stored as given, not checked: the approval records what was held.
func (t *tx) CreateApproval(ctx context.Context, a *aos.Approval) error {
	if err := t.writable("create approval"); err != nil {
		return err
	}
	if err := checkApproval(a); err != nil {
		return err
	}
	if a.Kind != aos.ApprovalCall && a.Kind != aos.ApprovalRedaction {
		return aos.Errorf(aos.EBadRequest, "approval %s: kind must be call or redaction", a.ID)
	}
	var enc encoder
	args := append([]any{a.ID, a.Kind, enc.time("created_at", a.CreatedAt)}, approvalValues(&enc, a)...)
	if enc.err != nil {
		return enc.err
	}
	_, err := t.tx.ExecContext(ctx, approvalInsert, args...)
	if isUnique(err) {
		return aos.Errorf(aos.EConflict, "approval %s already exists", a.ID)
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
		return nil, aos.Errorf(aos.ENotFound, "approval %s not found", id)
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
	if err := t.writable("update approval"); err != nil {
		return err
	}
	if err := checkApproval(a); err != nil {
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
	return checkAffected(res, aos.Errorf(aos.ENotFound, "approval %s not found", a.ID))
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
