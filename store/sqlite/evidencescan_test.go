package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/aos-dev/aos"
)

// scanTestLog is a store holding entries 0..n-1 with a payload on every
// other one, and hashes 0..2n-1 whose bytes name their index.
func scanTestLog(t *testing.T, n int) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	entries := make([]aos.StoredEntry, n)
	hashes := make([][32]byte, 2*n)
	for i := range entries {
		entries[i] = aos.StoredEntry{Index: int64(i), Leaf: fmt.Appendf(nil, "leaf %d", i)}
		if i%2 == 1 {
			entries[i].Salt, entries[i].Payload = fmt.Appendf(nil, "salt %d", i), fmt.Appendf(nil, "payload %d", i)
		}
	}
	for i := range hashes {
		copy(hashes[i][:], fmt.Sprintf("hash %d", i))
	}
	err = s.Update(t.Context(), func(tx aos.Tx) error { return tx.AppendEntries(t.Context(), entries, 0, hashes) })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// scanView runs fn on the store's transaction type.
func scanView(t *testing.T, s *Store, fn func(ctx context.Context, t *tx) error) {
	t.Helper()
	err := s.View(t.Context(), func(x aos.Tx) error { return fn(t.Context(), x.(*tx)) })
	if err != nil {
		t.Fatal(err)
	}
}

// TestScan_BlocksAreAggregated makes sure a plain block is read as one row
// of aggregates, not row by row (which would give the same entries, slower).
func TestScan_BlocksAreAggregated(t *testing.T) {
	s := scanTestLog(t, 100)
	scanView(t, s, func(ctx context.Context, tx *tx) error {
		var got []aos.StoredEntry
		n, size, err := tx.scanEntryBlock(ctx, 0, 100, func(e aos.StoredEntry) error { got = append(got, e); return nil })
		if err != nil || n != 100 || len(got) != 100 {
			t.Fatalf("scanEntryBlock = %d, %v (%d entries), want 100 by aggregates", n, err, len(got))
		}
		var want int64
		for _, e := range got {
			want += int64(len(e.Leaf) + len(e.Salt) + len(e.Payload))
		}
		if size != want {
			t.Errorf("scanEntryBlock counted %d bytes, want %d", size, want)
		}
		if e := got[7]; e.Index != 7 || string(e.Leaf) != "leaf 7" || string(e.Salt) != "salt 7" || string(e.Payload) != "payload 7" {
			t.Errorf("entry 7 reads as %+v", e)
		}
		if e := got[8]; e.Salt != nil || e.Payload != nil {
			t.Errorf("entry 8 has salt %q and payload %q, want nil", e.Salt, e.Payload)
		}
		n, err = tx.scanHashBlock(ctx, 0, 200, func(x int64, h []byte) error { return nil })
		if err != nil || n != 200 {
			t.Fatalf("scanHashBlock = %d, %v, want 200 by aggregates", n, err)
		}
		return nil
	})
}

// TestScan_Tampered checks that rows edited by hand (values of other types,
// non-ASCII text, empty blobs, hashes missing or of another length) read
// through ScanEntries and ScanHashes as Entries and a query per hash read
// them.
func TestScan_Tampered(t *testing.T) {
	const n = 3000
	s := scanTestLog(t, n)
	for _, q := range []string{
		`UPDATE evidence_entries SET leaf = 'lé ' || idx WHERE idx = 5`,
		`UPDATE evidence_entries SET leaf = 12345 WHERE idx = 6`,
		`UPDATE evidence_entries SET salt = x'', payload = 'tëxt' WHERE idx = 7`,
		`UPDATE evidence_entries SET payload = x'' WHERE idx = 9`,
		`UPDATE evidence_entries SET payload = NULL, redacted_at = '2026-01-02T03:04:05.000000006Z' WHERE idx = 1501`,
		`DELETE FROM evidence_entries WHERE idx IN (10, 11, 1024, 2999)`,
		`INSERT INTO evidence_entries (idx, leaf) VALUES (5000, x'01'), (9000000, x'02')`,
		`UPDATE evidence_hashes SET hash = x'0102' WHERE id = 3`,
		`UPDATE evidence_hashes SET hash = 'text hash' WHERE id = 4`,
		`DELETE FROM evidence_hashes WHERE id IN (8, 4095, 4096)`,
		`INSERT INTO evidence_hashes (id, hash) VALUES (70000, zeroblob(32))`,
	} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	scanView(t, s, func(ctx context.Context, tx *tx) error {
		want, err := tx.Entries(ctx, 0, math.MaxInt64)
		if err != nil {
			return err
		}
		var got []aos.StoredEntry
		if err := tx.ScanEntries(ctx, 0, math.MaxInt64, func(e aos.StoredEntry) error { got = append(got, e); return nil }); err != nil {
			return err
		}
		if len(got) != len(want) {
			t.Fatalf("ScanEntries gave %d entries, Entries %d", len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Index != w.Index || !bytes.Equal(g.Leaf, w.Leaf) || !bytes.Equal(g.Salt, w.Salt) ||
				!bytes.Equal(g.Payload, w.Payload) || (g.Salt == nil) != (w.Salt == nil) ||
				(g.Payload == nil) != (w.Payload == nil) || (g.RedactedAt == nil) != (w.RedactedAt == nil) ||
				(g.RedactedAt != nil && !g.RedactedAt.Equal(*w.RedactedAt)) {
				t.Errorf("ScanEntries: %+v\nEntries:     %+v", g, w)
			}
		}

		var ids []int64
		var hashes [][]byte
		err = tx.ScanHashes(ctx, 0, math.MaxInt64, func(x int64, h []byte) error {
			ids = append(ids, x)
			hashes = append(hashes, bytes.Clone(h))
			return nil
		})
		if err != nil {
			return err
		}
		rows, err := tx.tx.QueryContext(ctx, `SELECT id, hash FROM evidence_hashes ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		i := 0
		for ; rows.Next(); i++ {
			var id int64
			var h []byte
			if err := rows.Scan(&id, &h); err != nil {
				return err
			}
			if i >= len(ids) || ids[i] != id || !bytes.Equal(hashes[i], h) {
				t.Fatalf("ScanHashes[%d] differs from the row %d %x", i, id, h)
			}
		}
		if i != len(ids) {
			t.Errorf("ScanHashes gave %d hashes, the table has %d", len(ids), i)
		}
		return rows.Err()
	})
}

// TestScan_BadRedactedAt: a redacted_at that is not a stored time is an
// error, as in Entries.
func TestScan_BadRedactedAt(t *testing.T) {
	s := scanTestLog(t, 10)
	if _, err := s.DB().Exec(`UPDATE evidence_entries SET redacted_at = 'yesterday' WHERE idx = 3`); err != nil {
		t.Fatal(err)
	}
	scanView(t, s, func(ctx context.Context, tx *tx) error {
		err := tx.ScanEntries(ctx, 0, 10, func(aos.StoredEntry) error { return nil })
		if err == nil || errors.Is(err, errRowByRow) {
			t.Errorf("ScanEntries over a bad redacted_at: %v, want an error", err)
		}
		return nil
	})
}

// TestScan_LargePayloads: entries whose payloads are large come in smaller
// blocks, and whole.
func TestScan_LargePayloads(t *testing.T) {
	s := scanTestLog(t, 30)
	big := bytes.Repeat([]byte("p"), 3<<20)
	if _, err := s.DB().Exec(`UPDATE evidence_entries SET salt = x'01', payload = ? WHERE idx BETWEEN 3 AND 9`, big); err != nil {
		t.Fatal(err)
	}
	scanView(t, s, func(ctx context.Context, tx *tx) error {
		want, err := tx.Entries(ctx, 0, 30)
		if err != nil {
			return err
		}
		i := 0
		err = tx.ScanEntries(ctx, 0, 30, func(e aos.StoredEntry) error {
			if w := want[i]; e.Index != w.Index || !bytes.Equal(e.Leaf, w.Leaf) || !bytes.Equal(e.Payload, w.Payload) {
				t.Errorf("ScanEntries gave entry %d (%d bytes of payload), want entry %d (%d)", e.Index, len(e.Payload), w.Index, len(w.Payload))
			}
			i++
			return nil
		})
		if i != len(want) {
			t.Errorf("ScanEntries gave %d entries, want %d", i, len(want))
		}
		return err
	})
}
