package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aos-dev/aos"
)

// scanTx returns tx's bulk reads, skipping the test where it has none.
func scanTx(t *testing.T, tx aos.Tx) aos.EvidenceScanTx {
	t.Helper()
	sc, ok := tx.(aos.EvidenceScanTx)
	if !ok {
		t.Skip("the store's transactions do not implement aos.EvidenceScanTx")
	}
	return sc
}

// scanEntries returns what ScanEntries gives for [from, to).
func scanEntries(ctx context.Context, tx aos.EvidenceScanTx, from, to int64) ([]aos.StoredEntry, error) {
	var out []aos.StoredEntry
	err := tx.ScanEntries(ctx, from, to, func(e aos.StoredEntry) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

// scannedHash is a hash as ScanHashes gives it.
type scannedHash struct {
	index int64
	hash  []byte
}

// scanHashes returns what ScanHashes gives for [from, to).
func scanHashes(ctx context.Context, tx aos.EvidenceScanTx, from, to int64) ([]scannedHash, error) {
	var out []scannedHash
	err := tx.ScanHashes(ctx, from, to, func(x int64, h []byte) error {
		out = append(out, scannedHash{x, slices.Clone(h)})
		return nil
	})
	return out, err
}

// scanLogSize is enough entries for the bulk reads to go over several of
// their blocks, of entries and of hashes.
const scanLogSize = 2100

// testEvidenceScan checks that ScanEntries and ScanHashes give what Entries
// and ReadHashes give, for the whole log and for ranges of it: entries with
// and without payload, a redacted one, ranges past the end.
func testEvidenceScan(t *testing.T, s aos.Store) {
	entries := make([]aos.StoredEntry, scanLogSize)
	for i := range entries {
		entries[i].Leaf = fmt.Appendf(nil, "leaf %d", i)
		if i%3 != 0 {
			entries[i].Salt = fmt.Appendf(nil, "salt %d", i)
			entries[i].Payload = fmt.Appendf(nil, `{"n":%d}`, i)
		}
	}
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return appendEntries(ctx, tx, entries) })
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.RedactEntry(ctx, 1100, minute(3)) })
	want := readEntries(t, s, 0, scanLogSize)
	hashCount := tlog.StoredHashCount(scanLogSize)

	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		sc := scanTx(t, tx)
		for _, r := range []struct{ from, to int64 }{
			{0, scanLogSize}, {0, math.MaxInt64}, {1000, 1030}, {1099, 1101}, {2090, math.MaxInt64},
			{5, 5}, {scanLogSize, math.MaxInt64}, {scanLogSize + 10, scanLogSize + 5000},
		} {
			got, err := scanEntries(ctx, sc, r.from, r.to)
			if err != nil {
				t.Errorf("ScanEntries(%d, %d): %v", r.from, r.to, err)
				continue
			}
			lo, hi := min(r.from, scanLogSize), min(r.to, scanLogSize)
			if len(got) != int(hi-lo) {
				t.Errorf("ScanEntries(%d, %d) gave %d entries, want %d", r.from, r.to, len(got), hi-lo)
				continue
			}
			for i, e := range got {
				checkEntry(t, e, want[lo+int64(i)])
			}
		}
		for _, r := range []struct{ from, to int64 }{{-1, 3}, {3, 2}} {
			_, err := scanEntries(ctx, sc, r.from, r.to)
			wantCode(t, fmt.Sprintf("ScanEntries(%d, %d)", r.from, r.to), err, aos.EBadRequest)
		}

		all := make([]int64, hashCount)
		for i := range all {
			all[i] = int64(i)
		}
		stored, err := tx.ReadHashes(ctx, all)
		if err != nil {
			return err
		}
		for _, r := range []struct{ from, to int64 }{
			{0, hashCount}, {0, math.MaxInt64}, {4000, 4200}, {hashCount - 3, hashCount + 3}, {hashCount, math.MaxInt64}, {7, 7},
		} {
			got, err := scanHashes(ctx, sc, r.from, r.to)
			if err != nil {
				t.Errorf("ScanHashes(%d, %d): %v", r.from, r.to, err)
				continue
			}
			lo, hi := min(r.from, hashCount), min(r.to, hashCount)
			if len(got) != int(hi-lo) {
				t.Errorf("ScanHashes(%d, %d) gave %d hashes, want %d", r.from, r.to, len(got), hi-lo)
				continue
			}
			for i, h := range got {
				if x := lo + int64(i); h.index != x || string(h.hash) != string(stored[x][:]) {
					t.Errorf("ScanHashes(%d, %d)[%d] = %d %x, want %d %x", r.from, r.to, i, h.index, h.hash, x, stored[x])
					break
				}
			}
		}
		_, err = scanHashes(ctx, sc, -1, 3)
		wantCode(t, "ScanHashes(-1, 3)", err, aos.EBadRequest)

		// fn's error ends the scan and comes back.
		stop := errors.New("stop here")
		calls := 0
		err = sc.ScanEntries(ctx, 0, scanLogSize, func(aos.StoredEntry) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("ScanEntries with fn failing: %v after %d calls, want %v after 1", err, calls, stop)
		}
		calls = 0
		err = sc.ScanHashes(ctx, 0, hashCount, func(int64, []byte) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("ScanHashes with fn failing: %v after %d calls, want %v after 1", err, calls, stop)
		}
		return nil
	})
}
