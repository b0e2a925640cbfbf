package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

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
		`) VALUES (` + params(1, 3+len(approvalFields)) + `)`
	approvalUpdate = `UPDATE approvals SET ` + assignments(approvalFields) +
		fmt.Sprintf(` WHERE id = $%d`, len(approvalFields)+1)
	approvalSelect = `SELECT id, kind, created_at, ` + strings.Join(approvalFields, ", ") + ` FROM approvals`
)

// params returns the parameters $first to $last, comma-separated.
func params(first, last int) string {
	ps := make([]string, 0, last-first+1)
	for i := first; i <= last; i++ {
		ps = append(ps, fmt.Sprintf("$%d", i))
	}
	return strings.Join(ps, ", ")
}

// assignments returns "col1 = $1, col2 = $2, ...".
func assignments(cols []string) string {
	as := make([]string, len(cols))
	for i, c := range cols {
		as[i] = fmt.Sprintf("%s = $%d", c, i+1)
	}
	return strings.Join(as, ", ")
}

// approvalValues returns a's values for approvalFields.
func approvalValues(enc *encoder, a *aos.Approval) []any {
	text := enc.approval(a)
	return []any{
		text.Points, a.Status, a.Requester, a.RequesterID, a.Connection, a.ConnectionID, a.GrantID,
		a.CredentialVersion, a.Operation, a.Access, a.Resource, a.Summary, text.Facts,
		text.Reasons, a.Request, a.Digest, a.RedactEntry, a.Purpose, a.Recommendation,
		text.Alternatives, enc.time("expires_at", a.ExpiresAt),
		enc.timePtr("decided_at", a.DecidedAt), a.Decider, a.Reason, enc.timePtr("executed_at", a.ExecutedAt),
		a.Result, a.ResultStatus, a.Error,
	}
}

func scanApproval(row pgx.Row) (*aos.Approval, error) {
	var a aos.Approval
	err := row.Scan(&a.ID, &a.Kind, &a.CreatedAt,
		scanJSON{&a.Points}, &a.Status, &a.Requester, &a.RequesterID, &a.Connection, &a.ConnectionID, &a.GrantID,
		&a.CredentialVersion, &a.Operation, &a.Access, &a.Resource, &a.Summary, scanJSON{&a.Facts},
		scanJSON{&a.Reasons}, &a.Request, &a.Digest, &a.RedactEntry, &a.Purpose, &a.Recommendation,
		scanJSON{&a.Alternatives}, &a.ExpiresAt,
		&a.DecidedAt, &a.Decider, &a.Reason, &a.ExecutedAt,
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
	_, err := t.exec(ctx, approvalInsert, args...)
	if isUnique(err) {
		return storecheck.Exists("approval", a.ID)
	}
	if err != nil {
		return badText("create approval", err)
	}
	return nil
}

// ApprovalByID returns the approval, in any status, or ENotFound.
func (t *tx) ApprovalByID(ctx context.Context, id string) (*aos.Approval, error) {
	a, err := scanApproval(t.tx.QueryRow(ctx, approvalSelect+` WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storecheck.NotFound("approval", id)
	}
	if err != nil {
		return nil, badText("approval by id", err)
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
	tag, err := t.exec(ctx, approvalUpdate, args...)
	if err != nil {
		return badText("update approval", err)
	}
	return checkAffected(tag, storecheck.NotFound("approval", a.ID))
}

// ListApprovals returns the approvals f selects, by CreatedAt and then ID.
// An empty Statuses (nil or not) matches every status; ExpiredBy matches
// approvals whose ExpiresAt is at or before it, whatever their status.
func (t *tx) ListApprovals(ctx context.Context, f aos.ApprovalFilter) ([]*aos.Approval, error) {
	var where []string
	var args []any
	if len(f.Statuses) > 0 {
		statuses := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			statuses[i] = string(s)
		}
		args = append(args, statuses)
		where = append(where, fmt.Sprintf("status = ANY($%d)", len(args)))
	}
	if f.ExpiredBy != nil {
		var enc encoder
		by := enc.time("expired_by", *f.ExpiredBy)
		if enc.err != nil {
			return nil, enc.err
		}
		args = append(args, by)
		where = append(where, fmt.Sprintf("expires_at <= $%d", len(args)))
	}
	query := approvalSelect
	if f.WithoutBlobs {
		query = approvalSelectNoBlobs
	}
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY created_at, id"

	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, badText("list approvals", err)
	}
	as, err := collect(rows, func(r pgx.Rows) (*aos.Approval, error) { return scanApproval(r) })
	if err != nil {
		return nil, badText("list approvals", err)
	}
	return as, nil
}
