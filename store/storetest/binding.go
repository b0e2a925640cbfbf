package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/aos-dev/aos"
)

// bindingCases check that what an agent holds is found by its principal ID,
// never by its name: a later agent of the same name is someone else.
var bindingCases = []testCase{
	{"GranteeIDRoundTrip", testBindingGranteeIDRoundTrip},
	{"GranteeIDChecked", testBindingGranteeIDChecked},
	{"ListGrantsOf", testBindingListGrantsOf},
	{"ListApprovalsOf", testBindingListApprovalsOf},
}

// agentGrant returns a grant to agent:NAME bound to the principal ID.
func agentGrant(id string, c *aos.Connection, createdMinute int, name string, principal int64) *aos.Grant {
	g := newGrant(id, c, createdMinute)
	g.Grantee, g.GranteeID = "agent:"+name, principal
	return g
}

func testBindingGranteeIDRoundTrip(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	g := agentGrant("g1", crm, 1, "temp", 1<<40)
	createGrants(t, s, g)
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		got, err := tx.GrantByID(ctx, "g1")
		if err != nil {
			return err
		}
		checkGrant(t, got, g, "crm")
		return nil
	})
	// A revocation keeps the binding.
	g.RevokedAt, g.RevokedBy = new(minute(2)), "owner"
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.UpdateGrant(ctx, g) })
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		got, err := tx.GrantByID(ctx, "g1")
		if err != nil {
			return err
		}
		checkGrant(t, got, g, "crm")
		return nil
	})
}

func testBindingGranteeIDChecked(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	unbound := agentGrant("g-unbound", crm, 1, "temp", 0)
	department := newGrant("g-dept", crm, 1)
	department.Grantee, department.GranteeID = "department:sales", 7
	company := newGrant("g-company", crm, 1)
	company.GranteeID = 7
	negative := agentGrant("g-negative", crm, 1, "temp", -1)
	for _, g := range []*aos.Grant{unbound, department, company, negative} {
		err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.CreateGrant(t.Context(), g) })
		wantCode(t, "CreateGrant("+g.ID+")", err, aos.EBadRequest)
	}
	// An update may not bind a grant that is not to an agent either.
	ok := newGrant("g-ok", crm, 1)
	createGrants(t, s, ok)
	ok.GranteeID = 7
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.UpdateGrant(t.Context(), ok) })
	wantCode(t, "UpdateGrant(company grant with an ID)", err, aos.EBadRequest)
}

func testBindingListGrantsOf(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	mail := createConnection(t, s, "mail")
	revoked := agentGrant("g-revoked", crm, 1, "temp", 7)
	revoked.RevokedAt, revoked.RevokedBy = new(minute(2)), "owner"
	expired := agentGrant("g-expired", mail, 3, "temp", 7)
	expired.ExpiresAt = new(minute(4))
	company := newGrant("g-company", crm, 1)
	department := newGrant("g-dept", crm, 1)
	department.Grantee = "department:temp"
	createGrants(t, s,
		agentGrant("g-late", crm, 9, "temp", 7),
		revoked, expired, company, department,
		agentGrant("g-early", mail, 1, "temp", 7),
		// The same name, another principal: a later agent called temp.
		agentGrant("g-other", crm, 5, "temp", 8),
	)
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, tt := range []struct {
			id   int64
			want []string
		}{
			{7, []string{"g-early", "g-expired", "g-late"}},
			{8, []string{"g-other"}},
			{0, nil}, // company and department grants are bound to nobody
			{9, nil},
		} {
			list, err := tx.ListGrantsOf(ctx, tt.id)
			if err != nil {
				return err
			}
			if got := grantIDs(list); !slices.Equal(got, tt.want) {
				t.Errorf("ListGrantsOf(%d) = %q, want %q", tt.id, got, tt.want)
			}
			for _, g := range list {
				if g.GranteeID != tt.id || g.Connection == "" {
					t.Errorf("ListGrantsOf(%d): grant %s has GranteeID %d, Connection %q", tt.id, g.ID, g.GranteeID, g.Connection)
				}
			}
		}
		return nil
	})
}

func testBindingListApprovalsOf(t *testing.T, s aos.Store) {
	late := newApproval("a-late", 9, 99)
	early := newApproval("a-early", 1, 99)
	executed := newApproval("a-executed", 2, 99)
	executed.Status = aos.ApprovalExecuted
	approved := newApproval("a-approved", 3, 99)
	approved.Status = aos.ApprovalApproved
	other := newApproval("a-other", 4, 99) // same name, another principal
	other.RequesterID = 8
	createApprovals(t, s, late, early, executed, approved, other)
	pending := []aos.ApprovalStatus{aos.ApprovalPending}
	open := []aos.ApprovalStatus{aos.ApprovalPending, aos.ApprovalApproved}
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, tt := range []struct {
			name     string
			id       int64
			statuses []aos.ApprovalStatus
			want     []string
		}{
			{"AnyStatus", 7, nil, []string{"a-early", "a-executed", "a-approved", "a-late"}},
			{"EmptyStatuses", 7, []aos.ApprovalStatus{}, []string{"a-early", "a-executed", "a-approved", "a-late"}},
			{"Pending", 7, pending, []string{"a-early", "a-late"}},
			{"PendingOrApproved", 7, open, []string{"a-early", "a-approved", "a-late"}},
			{"OtherPrincipal", 8, nil, []string{"a-other"}},
			{"Nobody", 9, nil, nil},
		} {
			list, err := tx.ListApprovalsOf(ctx, tt.id, tt.statuses)
			if err != nil {
				return err
			}
			if got := approvalIDs(list); !slices.Equal(got, tt.want) {
				t.Errorf("%s: ListApprovalsOf(%d, %v) = %q, want %q", tt.name, tt.id, tt.statuses, got, tt.want)
			}
		}
		got, err := tx.ListApprovalsOf(ctx, 7, pending)
		if err != nil {
			return err
		}
		if len(got) > 0 {
			checkApproval(t, got[0], early)
		}
		return nil
	})
}
