package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/aos-dev/aos"
)

var ledgerCases = []testCase{
	{"Empty", testLedgerEmpty},
	{"Window", testLedgerWindow},
	{"IdenticalSpendsCountTwice", testLedgerIdenticalSpends},
	{"SeenInSameUpdate", testLedgerSameUpdate},
	{"NegativeAmount", testLedgerNegative},
}

func addSpends(t *testing.T, s aos.Store, spends ...aos.Spend) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, sp := range spends {
			if err := tx.AddSpend(ctx, sp); err != nil {
				return err
			}
		}
		return nil
	})
}

// spentSince reads SpentSince in a View.
func spentSince(t *testing.T, s aos.Store, since time.Time) int64 {
	t.Helper()
	var n int64
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		var err error
		n, err = tx.SpentSince(ctx, since)
		return err
	})
	return n
}

func testLedgerEmpty(t *testing.T, s aos.Store) {
	if n := spentSince(t, s, minute(0)); n != 0 {
		t.Errorf("SpentSince on an empty ledger = %d, want 0", n)
	}
}

// testLedgerWindow checks the window of SpentSince: spends strictly after
// since count, a spend exactly at since does not.
func testLedgerWindow(t *testing.T, s aos.Store) {
	addSpends(t, s,
		aos.Spend{At: minute(3), AmountUSD: 400_00, Connection: "stripe", ApprovalID: "a1"},
		aos.Spend{At: minute(1), AmountUSD: 100_00, Connection: "stripe"},
		aos.Spend{At: minute(2), AmountUSD: 200_00, Connection: "ads"},
		aos.Spend{At: minute(4), AmountUSD: 0, Connection: "stripe"},
	)
	tests := []struct {
		name  string
		since time.Time
		want  int64
	}{
		{"BeforeAll", minute(0), 700_00},
		{"JustBeforeFirst", minute(1).Add(-time.Microsecond), 700_00},
		{"AtFirst", minute(1), 600_00},
		{"AtFirstUTC", minute(1).UTC(), 600_00},
		{"JustAfterFirst", minute(1).Add(time.Microsecond), 600_00},
		{"AtSecond", minute(2), 400_00},
		{"JustBeforeLast", minute(3).Add(-time.Microsecond), 400_00},
		{"AtLast", minute(3), 0},
		{"AfterAll", minute(60), 0},
	}
	for _, tt := range tests {
		if got := spentSince(t, s, tt.since); got != tt.want {
			t.Errorf("%s: SpentSince(%v) = %d, want %d", tt.name, tt.since, got, tt.want)
		}
	}
}

// testLedgerIdenticalSpends checks that a spend has no natural key: two
// moves alike in every field are both counted. The amounts overflow 32 bits.
func testLedgerIdenticalSpends(t *testing.T, s aos.Store) {
	sp := aos.Spend{At: minute(1), AmountUSD: 30_000_000_00, Connection: "stripe", ApprovalID: "a1"}
	addSpends(t, s, sp)
	addSpends(t, s, sp)
	if got, want := spentSince(t, s, minute(0)), int64(60_000_000_00); got != want {
		t.Errorf("SpentSince after two identical spends = %d, want %d", got, want)
	}
}

// testLedgerSameUpdate checks that a spend counts at once inside the Update
// that adds it, as a cap check followed by the spend needs.
func testLedgerSameUpdate(t *testing.T, s aos.Store) {
	addSpends(t, s, aos.Spend{At: minute(1), AmountUSD: 100_00, Connection: "stripe"})
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		if n, err := tx.SpentSince(ctx, minute(0)); err != nil || n != 100_00 {
			t.Errorf("SpentSince before AddSpend = %d, %v; want %d", n, err, 100_00)
		}
		if err := tx.AddSpend(ctx, aos.Spend{At: minute(2), AmountUSD: 50_00, Connection: "stripe"}); err != nil {
			return err
		}
		if n, err := tx.SpentSince(ctx, minute(0)); err != nil || n != 150_00 {
			t.Errorf("SpentSince after AddSpend in the same Update = %d, %v; want %d", n, err, 150_00)
		}
		return nil
	})
	if n := spentSince(t, s, minute(0)); n != 150_00 {
		t.Errorf("SpentSince in a later View = %d, want %d", n, 150_00)
	}
}

// testLedgerNegative checks that a negative spend, which would lift the
// rolling cap, is refused.
func testLedgerNegative(t *testing.T, s aos.Store) {
	err := s.Update(t.Context(), func(tx aos.Tx) error {
		return tx.AddSpend(t.Context(), aos.Spend{At: minute(1), AmountUSD: -1, Connection: "stripe"})
	})
	wantCode(t, "AddSpend(negative amount)", err, aos.EBadRequest)
	if n := spentSince(t, s, minute(0)); n != 0 {
		t.Errorf("SpentSince after a refused spend = %d, want 0", n)
	}
}
