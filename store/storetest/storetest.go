// Package storetest is the conformance suite of aos.Store. Every store
// backend runs it from its own tests in one line, so that all backends keep
// the same contract:
//
//	func TestStore(t *testing.T) {
//		storetest.TestStore(t, func(t *testing.T) aos.Store { ... })
//	}
//
// The suite works only through the aos.Store and aos.Tx interfaces. Times it
// stores have microsecond precision, the least a backend must keep.
package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/aos-dev/aos"
)

// TestStore runs the conformance suite against the stores open returns.
// open is called once per subtest and must return a new, empty store;
// TestStore closes it when the subtest ends.
func TestStore(t *testing.T, open func(t *testing.T) aos.Store) {
	groups := []struct {
		name  string
		cases []testCase
	}{
		{"Principals", principalCases},
		{"Connections", connectionCases},
		{"Credentials", credentialCases},
		{"Grants", grantCases},
		{"Settings", settingCases},
		{"State", stateCases},
		{"Approvals", approvalCases},
		{"PendingApprovals", pendingCases},
		{"Ledger", ledgerCases},
		{"CustomerReads", customerReadCases},
		{"Fingerprints", fingerprintCases},
		{"Flows", flowCases},
		{"Evidence", evidenceCases},
		{"Transactions", transactionCases},
		{"Bindings", bindingCases},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					s := open(t)
					t.Cleanup(func() {
						if err := s.Close(); err != nil {
							t.Errorf("Close: %v", err)
						}
					})
					c.test(t, s)
				})
			}
		})
	}
}

// testCase is one subtest, run on a new, empty store.
type testCase struct {
	name string
	test func(t *testing.T, s aos.Store)
}

// update runs fn in s.Update and fails the test if it returns an error.
func update(t *testing.T, s aos.Store, fn func(ctx context.Context, tx aos.Tx) error) {
	t.Helper()
	ctx := t.Context()
	if err := s.Update(ctx, func(tx aos.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in s.View and fails the test if it returns an error.
func view(t *testing.T, s aos.Store, fn func(ctx context.Context, tx aos.Tx) error) {
	t.Helper()
	ctx := t.Context()
	if err := s.View(ctx, func(tx aos.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// wantCode reports an error unless err has the code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := aos.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// Times the suite stores: microsecond precision, and some given in a zone
// other than UTC, which the store must return in UTC.
var (
	baseTime = time.Date(2025, 3, 4, 5, 6, 7, 123456000, time.UTC)
	eastZone = time.FixedZone("UTC+2", 2*60*60)
)

// minute returns baseTime plus n minutes and a microsecond per minute, in
// the east zone.
func minute(n int) time.Time {
	return baseTime.Add(time.Duration(n)*time.Minute + time.Duration(n)*time.Microsecond).In(eastZone)
}

// checkTime reports an error unless got is the instant want, in UTC.
func checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
	if got.Location() != time.UTC {
		t.Errorf("%s is in %v, want UTC", what, got.Location())
	}
}

// checkTimePtr is checkTime for optional times.
func checkTimePtr(t *testing.T, what string, got, want *time.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", what, got, want)
	default:
		checkTime(t, what, *got, *want)
	}
}

// checkBytes reports an error unless got and want hold the same bytes; nil
// and empty are alike.
func checkBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}
