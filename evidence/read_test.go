package evidence

import (
	"context"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aos-dev/aos"
)

// rootsBySize opens every stored checkpoint of tl.
func rootsBySize(t testing.TB, tl *testLog) map[int64]tlog.Hash {
	t.Helper()
	roots := map[int64]tlog.Hash{}
	tl.store.View(context.Background(), func(tx aos.Tx) error {
		cps, _ := tx.Checkpoints(context.Background())
		for _, c := range cps {
			cp, err := OpenCheckpoint(c.Signed, tl.verifier)
			if err != nil {
				t.Fatal(err)
			}
			roots[cp.Size] = cp.Root
		}
		return nil
	})
	return roots
}

func TestLog_ProveEntry(t *testing.T) {
	tl := newTestLog(t)
	tl.fill(t, 13)
	roots := rootsBySize(t, tl)
	ctx := context.Background()
	var leaves [][]byte
	tl.store.View(ctx, func(tx aos.Tx) error {
		rows, _ := tx.Entries(ctx, 0, 13)
		for _, r := range rows {
			leaves = append(leaves, r.Leaf)
		}
		return nil
	})
	for size := int64(1); size <= 13; size++ {
		for i := range size {
			p, err := tl.ProveEntry(ctx, i, size)
			if err != nil {
				t.Fatalf("ProveEntry(%d, %d): %v", i, size, err)
			}
			if err := tlog.CheckRecord(p, size, roots[size], i, tlog.RecordHash(leaves[i])); err != nil {
				t.Fatalf("CheckRecord(%d, %d): %v", i, size, err)
			}
		}
	}
	for _, bad := range [][2]int64{{0, 0}, {0, 14}, {13, 13}, {-1, 5}} {
		if _, err := tl.ProveEntry(ctx, bad[0], bad[1]); aos.ErrorCode(err) != aos.EBadRequest {
			t.Errorf("ProveEntry(%d, %d) = %v, want %s", bad[0], bad[1], err, aos.EBadRequest)
		}
	}
}

func TestLog_ProveTree(t *testing.T) {
	tl := newTestLog(t)
	tl.fill(t, 11)
	roots := rootsBySize(t, tl)
	ctx := context.Background()
	for size := int64(1); size <= 11; size++ {
		for old := int64(1); old <= size; old++ {
			p, err := tl.ProveTree(ctx, size, old)
			if err != nil {
				t.Fatalf("ProveTree(%d, %d): %v", size, old, err)
			}
			if err := tlog.CheckTree(p, size, roots[size], old, roots[old]); err != nil {
				t.Fatalf("CheckTree(%d, %d): %v", size, old, err)
			}
		}
	}
	for _, bad := range [][2]int64{{12, 1}, {5, 0}, {5, 6}} {
		if _, err := tl.ProveTree(ctx, bad[0], bad[1]); aos.ErrorCode(err) != aos.EBadRequest {
			t.Errorf("ProveTree(%d, %d) = %v, want %s", bad[0], bad[1], err, aos.EBadRequest)
		}
	}
}

func TestLog_Tail(t *testing.T) {
	tl := newTestLog(t)
	tl.fill(t, 5)
	tests := []struct {
		name  string
		n     int64
		first int64
		count int
	}{
		{"fewer than the log", 2, 3, 2},
		{"whole log", 5, 0, 5},
		{"more than the log", 50, 0, 5},
		{"none", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tl.Tail(context.Background(), tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.count || tt.count > 0 && got[0].Index != tt.first {
				t.Fatalf("Tail(%d) = %d entries from %v", tt.n, len(got), got)
			}
		})
	}
}

func TestLog_Entries(t *testing.T) {
	tl := newTestLog(t)
	tl.fill(t, 4)
	ctx := context.Background()
	if _, err := tl.Entries(ctx, 3, 1); aos.ErrorCode(err) != aos.EBadRequest {
		t.Errorf("Entries(3, 1) = %v", err)
	}
	tl.store.edit(func(st *memState) {
		a, b := st.entries[1], st.entries[2]
		a.Index, b.Index = 2, 1
		st.entries[1], st.entries[2] = b, a
	})
	if _, err := tl.Entries(ctx, 0, 4); err == nil {
		t.Error("Entries returned rows holding each other's leaves")
	}
	if got, err := tl.Entries(ctx, 3, 4); err != nil || len(got) != 1 {
		t.Errorf("Entries(3, 4) = %v, %v", got, err)
	}
}

func TestLog_Latest(t *testing.T) {
	tl := newTestLog(t)
	ctx := context.Background()
	if size, signed, err := tl.Latest(ctx); size != 0 || signed != nil || err != nil {
		t.Fatalf("Latest of empty log = %d, %q, %v", size, signed, err)
	}
	tl.record(t, testRecord(0), testRecord(1))
	size, signed, err := tl.Latest(ctx)
	if err != nil || size != 2 {
		t.Fatalf("Latest = %d, %v", size, err)
	}
	if cp, err := OpenCheckpoint(signed, tl.verifier); err != nil || cp.Size != 2 || cp.Origin != testOrigin {
		t.Fatalf("Latest checkpoint = %+v, %v", cp, err)
	}
}
