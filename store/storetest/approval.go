package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
)

var approvalCases = []testCase{
	{"CreateAndLookup", testApprovalCreateAndLookup},
	{"LookupMissing", testApprovalLookupMissing},
	{"DuplicateID", testApprovalDuplicateID},
	{"Transitions", testApprovalTransitions},
	{"UpdateKeepsIDKindCreatedAt", testApprovalUpdateFixedFields},
	{"UpdateMissing", testApprovalUpdateMissing},
	{"UpdateRollsBack", testApprovalUpdateRollsBack},
	{"ListOrder", testApprovalListOrder},
	{"ListFilter", testApprovalListFilter},
	{"ListWithoutBlobs", testApprovalListWithoutBlobs},
	{"ExactlyOnce", testApprovalExactlyOnce},
}

// newApproval returns a pending call approval created and expiring at the
// given minutes, with the fields a hold sets.
func newApproval(id string, createdMinute, expiresMinute int) *aos.Approval {
	return &aos.Approval{ID: id, Kind: aos.ApprovalCall, Points: []aos.ApprovalPoint{aos.PointMoney},
		Status: aos.ApprovalPending, Requester: "agent:scout", RequesterID: 7, Connection: "stripe",
		ConnectionID: 3, GrantID: "g1", CredentialVersion: 1, Operation: "refunds.create", Access: aos.Write,
		Resource: "charges/ch_1", Summary: "Refund $1,200.00", Facts: aos.Facts{Amount: 1200_00, Currency: "USD"},
		Reasons: []string{"over the per-move cap"}, Request: []byte("sealed request " + id),
		Digest:    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		CreatedAt: minute(createdMinute), ExpiresAt: minute(expiresMinute)}
}

// fullApproval returns an approval with every field set.
func fullApproval(id string) *aos.Approval {
	return &aos.Approval{
		ID:                id,
		Kind:              aos.ApprovalCall,
		Points:            []aos.ApprovalPoint{aos.PointMoney, aos.PointCustomerData, aos.PointPublicClaim},
		Status:            aos.ApprovalFailed,
		Requester:         "agent:scout",
		RequesterID:       1 << 40,
		Connection:        "stripe",
		ConnectionID:      1<<40 + 1,
		GrantID:           "g-7",
		CredentialVersion: 3,
		Operation:         "refunds.create",
		Access:            aos.Write,
		Resource:          "charges/ch_1",
		Summary:           "Refund €1.200,00 to Zoë — “quoted”",
		Facts: aos.Facts{Amount: 1 << 40, Currency: "EUR", AmountUnknown: true, Recipients: 501, Public: true,
			Production: true, Export: true, Share: true, TrainingOptIn: true,
			CustomerData: []string{"email", "name"}, CustomerSources: []string{"crm", "mail"},
			Sensitive: []string{"payment_card"}, Personal: []string{"phone"}},
		Reasons:        []string{"over the per-move cap", "customer data from crm"},
		Request:        []byte{0, 1, 2, 0xff, 0},
		Digest:         "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
		RedactEntry:    1 << 33,
		Purpose:        "close ticket 42",
		Recommendation: "refund in full",
		Alternatives:   []string{"refund half", "offer a credit"},
		CreatedAt:      minute(1),
		ExpiresAt:      minute(1).Add(aos.DefaultApprovalExpiry),
		DecidedAt:      new(minute(2)),
		Decider:        "owner",
		Reason:         "customer is right",
		ExecutedAt:     new(minute(3)),
		Result:         []byte{0xff, 0, 'r'},
		ResultStatus:   502,
		Error:          aos.EUpstream,
	}
}

// checkApproval reports an error unless got has every field of want. Empty
// and nil lists and blobs are alike.
func checkApproval(t *testing.T, got, want *aos.Approval) {
	t.Helper()
	if got == nil {
		t.Fatalf("approval %s: got nil", want.ID)
	}
	checkTime(t, want.ID+" CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, want.ID+" ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	checkTimePtr(t, want.ID+" DecidedAt", got.DecidedAt, want.DecidedAt)
	checkTimePtr(t, want.ID+" ExecutedAt", got.ExecutedAt, want.ExecutedAt)
	if g, w := approvalSansTimes(got), approvalSansTimes(want); !reflect.DeepEqual(g, w) {
		t.Errorf("approval %s =\n\t%+v\nwant\n\t%+v", want.ID, g, w)
	}
}

// approvalSansTimes returns a copy of a without the times, which checkTime
// compares, and with empty lists and blobs as nil.
func approvalSansTimes(a *aos.Approval) aos.Approval {
	c := *a
	c.CreatedAt, c.ExpiresAt, c.DecidedAt, c.ExecutedAt = time.Time{}, time.Time{}, nil, nil
	c.Points, c.Reasons, c.Alternatives = orNil(c.Points), orNil(c.Reasons), orNil(c.Alternatives)
	c.Request, c.Result = orNil(c.Request), orNil(c.Result)
	f := &c.Facts
	f.CustomerData, f.CustomerSources = orNil(f.CustomerData), orNil(f.CustomerSources)
	f.Sensitive, f.Personal = orNil(f.Sensitive), orNil(f.Personal)
	return c
}

// orNil returns s, or nil if s is empty.
func orNil[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

func createApprovals(t *testing.T, s aos.Store, as ...*aos.Approval) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, a := range as {
			if err := tx.CreateApproval(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// approvalByID reads the approval in a View.
func approvalByID(t *testing.T, s aos.Store, id string) *aos.Approval {
	t.Helper()
	var a *aos.Approval
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		var err error
		a, err = tx.ApprovalByID(ctx, id)
		return err
	})
	return a
}

func approvalIDs(as []*aos.Approval) []string {
	var ids []string
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

func testApprovalCreateAndLookup(t *testing.T, s aos.Store) {
	full := fullApproval("a-full")
	// A redaction sets few fields: no connection, lists and blobs nil.
	redaction := &aos.Approval{ID: "a-redact", Kind: aos.ApprovalRedaction,
		Points: []aos.ApprovalPoint{aos.PointAuditEdit}, Status: aos.ApprovalPending, Requester: "owner",
		RedactEntry: 12, Summary: "Redact entry 12", CreatedAt: minute(4), ExpiresAt: minute(5)}
	createApprovals(t, s, full, redaction, newApproval("a-plain", 2, 60))
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, want := range []*aos.Approval{full, redaction, newApproval("a-plain", 2, 60)} {
			got, err := tx.ApprovalByID(ctx, want.ID)
			if err != nil {
				return err
			}
			checkApproval(t, got, want)
		}
		return nil
	})
}

func testApprovalLookupMissing(t *testing.T, s aos.Store) {
	createApprovals(t, s, newApproval("a1", 1, 60))
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		_, err := tx.ApprovalByID(ctx, "a2")
		wantCode(t, "ApprovalByID(unknown)", err, aos.ENotFound)
		return nil
	})
}

func testApprovalDuplicateID(t *testing.T, s aos.Store) {
	a := newApproval("a1", 1, 60)
	createApprovals(t, s, a)
	other := fullApproval("a1")
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.CreateApproval(t.Context(), other) })
	wantCode(t, "CreateApproval(duplicate ID)", err, aos.EConflict)
	checkApproval(t, approvalByID(t, s, "a1"), a)
}

// testApprovalTransitions walks an approval from pending to executed, as the
// approval package does: each step reads the status and writes the next in
// one Update. Each write is visible to a following ApprovalByID, in the same
// Update and in later transactions.
func testApprovalTransitions(t *testing.T, s aos.Store) {
	a := newApproval("a1", 1, 60)
	createApprovals(t, s, a)

	steps := []struct {
		from aos.ApprovalStatus
		to   func(a *aos.Approval)
	}{
		{aos.ApprovalPending, func(a *aos.Approval) {
			a.Status = aos.ApprovalApproved
			a.DecidedAt = new(minute(10))
			a.Decider = "owner"
			a.Reason = "go ahead"
		}},
		{aos.ApprovalApproved, func(a *aos.Approval) {
			a.Status = aos.ApprovalExecuted
			a.ExecutedAt = new(minute(11))
			a.Result = []byte("sealed result")
			a.ResultStatus = 200
		}},
	}
	for _, step := range steps {
		update(t, s, func(ctx context.Context, tx aos.Tx) error {
			got, err := tx.ApprovalByID(ctx, a.ID)
			if err != nil {
				return err
			}
			if got.Status != step.from {
				t.Fatalf("approval status = %s, want %s", got.Status, step.from)
			}
			step.to(a)
			if err := tx.UpdateApproval(ctx, a); err != nil {
				return err
			}
			got, err = tx.ApprovalByID(ctx, a.ID)
			if err != nil {
				return err
			}
			checkApproval(t, got, a)
			return nil
		})
		checkApproval(t, approvalByID(t, s, a.ID), a)
	}
}

// testApprovalUpdateFixedFields checks that UpdateApproval writes every
// field, clearing those set before, except Kind and CreatedAt.
func testApprovalUpdateFixedFields(t *testing.T, s aos.Store) {
	full := fullApproval("a1")
	createApprovals(t, s, full)

	cleared := &aos.Approval{ID: "a1", Kind: aos.ApprovalRedaction, Status: aos.ApprovalPending,
		CreatedAt: minute(50), ExpiresAt: minute(60)}
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.UpdateApproval(ctx, cleared) })
	want := *cleared
	want.Kind, want.CreatedAt = full.Kind, full.CreatedAt
	checkApproval(t, approvalByID(t, s, "a1"), &want)

	// And back: every field set again.
	again := fullApproval("a1")
	again.Status = aos.ApprovalExpired
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.UpdateApproval(ctx, again) })
	checkApproval(t, approvalByID(t, s, "a1"), again)
}

func testApprovalUpdateMissing(t *testing.T, s aos.Store) {
	createApprovals(t, s, newApproval("a1", 1, 60))
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.UpdateApproval(t.Context(), newApproval("a2", 1, 60)) })
	wantCode(t, "UpdateApproval(unknown ID)", err, aos.ENotFound)
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		_, err := tx.ApprovalByID(ctx, "a2")
		wantCode(t, "ApprovalByID(after UpdateApproval of an unknown ID)", err, aos.ENotFound)
		return nil
	})
}

func testApprovalUpdateRollsBack(t *testing.T, s aos.Store) {
	a := newApproval("a1", 1, 60)
	createApprovals(t, s, a)
	errStop := errors.New("stop")
	err := s.Update(t.Context(), func(tx aos.Tx) error {
		approved := *a
		approved.Status = aos.ApprovalApproved
		approved.DecidedAt = new(minute(10))
		if err := tx.UpdateApproval(t.Context(), &approved); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Update returned %v, want fn's error %v", err, errStop)
	}
	checkApproval(t, approvalByID(t, s, "a1"), a)
}

func testApprovalListOrder(t *testing.T, s aos.Store) {
	full := fullApproval("a-full") // created at minute 1
	// Created out of order; two share a creation time and sort by ID.
	createApprovals(t, s,
		newApproval("a-late", 9, 60),
		newApproval("a-b", 5, 60),
		full,
		newApproval("a-a", 5, 60),
		newApproval("a-early", 0, 60),
	)
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		list, err := tx.ListApprovals(ctx, aos.ApprovalFilter{})
		if err != nil {
			return err
		}
		if got, want := approvalIDs(list), []string{"a-early", "a-full", "a-a", "a-b", "a-late"}; !slices.Equal(got, want) {
			t.Fatalf("ListApprovals = %q, want %q", got, want)
		}
		checkApproval(t, list[1], full)
		checkApproval(t, list[2], newApproval("a-a", 5, 60))
		return nil
	})
}

// testApprovalListWithoutBlobs: the listing without blobs has every field
// but the sealed request and result, and honours the other filters.
func testApprovalListWithoutBlobs(t *testing.T, s aos.Store) {
	full := fullApproval("a-full")
	done := newApproval("a-done", 2, 60)
	done.Status = aos.ApprovalDenied
	createApprovals(t, s, full, done)
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		list, err := tx.ListApprovals(ctx, aos.ApprovalFilter{Statuses: []aos.ApprovalStatus{aos.ApprovalFailed}, WithoutBlobs: true})
		if err != nil {
			return err
		}
		if got := approvalIDs(list); !slices.Equal(got, []string{"a-full"}) {
			t.Fatalf("ListApprovals(failed, without blobs) = %q, want [a-full]", got)
		}
		if list[0].Request != nil || list[0].Result != nil {
			t.Fatalf("without blobs: Request %d bytes, Result %d bytes; want none", len(list[0].Request), len(list[0].Result))
		}
		want := *full
		want.Request, want.Result = nil, nil
		checkApproval(t, list[0], &want)
		return nil
	})
}

func testApprovalListFilter(t *testing.T, s aos.Store) {
	withStatus := func(a *aos.Approval, st aos.ApprovalStatus) *aos.Approval {
		a.Status = st
		return a
	}
	createApprovals(t, s,
		newApproval("a1", 1, 10),
		newApproval("a2", 2, 20),
		withStatus(newApproval("a3", 3, 10), aos.ApprovalApproved),
		withStatus(newApproval("a4", 4, 30), aos.ApprovalDenied),
		withStatus(newApproval("a5", 5, 10), aos.ApprovalExpired),
		withStatus(newApproval("a6", 6, 40), aos.ApprovalExecuted),
	)

	statuses := func(ss ...aos.ApprovalStatus) []aos.ApprovalStatus { return ss }
	tests := []struct {
		name   string
		filter aos.ApprovalFilter
		want   []string
	}{
		{"All", aos.ApprovalFilter{}, []string{"a1", "a2", "a3", "a4", "a5", "a6"}},
		{"EmptyStatuses", aos.ApprovalFilter{Statuses: []aos.ApprovalStatus{}},
			[]string{"a1", "a2", "a3", "a4", "a5", "a6"}},
		{"Pending", aos.ApprovalFilter{Statuses: statuses(aos.ApprovalPending)}, []string{"a1", "a2"}},
		{"PendingOrApproved", aos.ApprovalFilter{Statuses: statuses(aos.ApprovalApproved, aos.ApprovalPending)},
			[]string{"a1", "a2", "a3"}},
		{"Final", aos.ApprovalFilter{Statuses: statuses(aos.ApprovalDenied, aos.ApprovalExpired,
			aos.ApprovalExecuted, aos.ApprovalFailed)}, []string{"a4", "a5", "a6"}},
		{"NoneFailed", aos.ApprovalFilter{Statuses: statuses(aos.ApprovalFailed)}, nil},
		// ExpiredBy includes approvals expiring exactly at it.
		{"ExpiredByBoundary", aos.ApprovalFilter{ExpiredBy: new(minute(10))}, []string{"a1", "a3", "a5"}},
		{"ExpiredByBoundaryUTC", aos.ApprovalFilter{ExpiredBy: new(minute(10).UTC())}, []string{"a1", "a3", "a5"}},
		{"ExpiredByJustBefore", aos.ApprovalFilter{ExpiredBy: new(minute(10).Add(-time.Microsecond))}, nil},
		{"ExpiredByLater", aos.ApprovalFilter{ExpiredBy: new(minute(20))}, []string{"a1", "a2", "a3", "a5"}},
		{"PendingExpiredBy", aos.ApprovalFilter{Statuses: statuses(aos.ApprovalPending), ExpiredBy: new(minute(10))},
			[]string{"a1"}},
		{"PendingExpiredByLater", aos.ApprovalFilter{Statuses: statuses(aos.ApprovalPending),
			ExpiredBy: new(minute(99))}, []string{"a1", "a2"}},
	}
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, tt := range tests {
			list, err := tx.ListApprovals(ctx, tt.filter)
			if err != nil {
				return err
			}
			if got := approvalIDs(list); !slices.Equal(got, tt.want) {
				t.Errorf("%s: ListApprovals = %q, want %q", tt.name, got, tt.want)
			}
		}
		return nil
	})
}

// testApprovalExactlyOnce checks the guarantee approvals rely on: Updates
// that each read a pending approval and move it on are serialised, so only
// one of them sees it pending.
func testApprovalExactlyOnce(t *testing.T, s aos.Store) {
	createApprovals(t, s, newApproval("a1", 1, 60))
	const deciders = 10
	errDecided := errors.New("already decided")
	var wg sync.WaitGroup
	errs := make(chan error, deciders)
	for range deciders {
		wg.Go(func() {
			errs <- s.Update(t.Context(), func(tx aos.Tx) error {
				a, err := tx.ApprovalByID(t.Context(), "a1")
				if err != nil {
					return err
				}
				if a.Status != aos.ApprovalPending {
					return errDecided
				}
				a.Status = aos.ApprovalApproved
				a.DecidedAt = new(minute(10))
				a.Decider = "owner"
				return tx.UpdateApproval(t.Context(), a)
			})
		})
	}
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, errDecided):
			t.Errorf("concurrent Update: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d Updates moved the approval from pending, want exactly 1", won)
	}
	if got := approvalByID(t, s, "a1"); got.Status != aos.ApprovalApproved {
		t.Errorf("approval status = %s, want %s", got.Status, aos.ApprovalApproved)
	}
}
