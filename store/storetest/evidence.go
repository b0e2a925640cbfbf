package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aos-dev/aos"
)

var evidenceCases = []testCase{
	{"Empty", testEvidenceEmpty},
	{"AppendAndRead", testEvidenceAppendAndRead},
	{"EntriesRange", testEvidenceEntriesRange},
	{"TreeHashes", testEvidenceTreeHashes},
	{"ReadHashesMissing", testEvidenceReadHashesMissing},
	{"AppendGap", testEvidenceAppendGap},
	{"AppendOverlap", testEvidenceAppendOverlap},
	{"AppendHashGap", testEvidenceAppendHashGap},
	{"Checkpoints", testEvidenceCheckpoints},
	{"DropCheckpoint", testEvidenceDropCheckpoint},
	{"Redact", testEvidenceRedact},
	{"Scan", testEvidenceScan},
}

// txHashReader reads a log's stored hashes through a Tx, overlaying the
// hashes of a batch that is not stored yet.
type txHashReader struct {
	ctx     context.Context
	tx      aos.Tx
	start   int64 // storage index of pending[0]
	pending []tlog.Hash
}

func (r *txHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x >= r.start && x-r.start < int64(len(r.pending)) {
			out[i] = r.pending[x-r.start]
			continue
		}
		hs, err := r.tx.ReadHashes(r.ctx, []int64{x})
		if err != nil {
			return nil, err
		}
		if len(hs) != 1 {
			return nil, fmt.Errorf("ReadHashes([%d]) returned %d hashes", x, len(hs))
		}
		out[i] = hs[0]
	}
	return out, nil
}

// appendEntries appends entries to the log in tx, numbering them from the
// log size and storing the tree hashes tlog derives, as the evidence
// package does.
func appendEntries(ctx context.Context, tx aos.Tx, entries []aos.StoredEntry) error {
	n, err := tx.LogSize(ctx)
	if err != nil {
		return err
	}
	r := &txHashReader{ctx: ctx, tx: tx, start: tlog.StoredHashIndex(0, n)}
	for i := range entries {
		entries[i].Index = n + int64(i)
		hs, err := tlog.StoredHashes(entries[i].Index, entries[i].Leaf, r)
		if err != nil {
			return err
		}
		r.pending = append(r.pending, hs...)
	}
	hashes := make([][32]byte, len(r.pending))
	for i, h := range r.pending {
		hashes[i] = h
	}
	return tx.AppendEntries(ctx, entries, r.start, hashes)
}

// leafEntries returns entries with distinct leaves and no payload.
func leafEntries(first, count int) []aos.StoredEntry {
	es := make([]aos.StoredEntry, count)
	for i := range es {
		es[i].Leaf = fmt.Appendf(nil, "leaf %d", first+i)
	}
	return es
}

// appendLeaves appends count entries from leafEntries in one Update.
func appendLeaves(t *testing.T, s aos.Store, first, count int) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		return appendEntries(ctx, tx, leafEntries(first, count))
	})
}

// memLog is the reference model: the stored hashes of a log held in memory.
type memLog struct{ hashes []tlog.Hash }

func (m *memLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("memLog: no hash %d", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memLog) add(t *testing.T, n int64, leaf []byte) {
	t.Helper()
	hs, err := tlog.StoredHashes(n, leaf, m)
	if err != nil {
		t.Fatal(err)
	}
	m.hashes = append(m.hashes, hs...)
}

func logSize(t *testing.T, s aos.Store) int64 {
	t.Helper()
	var n int64
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		var err error
		n, err = tx.LogSize(ctx)
		return err
	})
	return n
}

func readEntries(t *testing.T, s aos.Store, from, to int64) []aos.StoredEntry {
	t.Helper()
	var es []aos.StoredEntry
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		var err error
		es, err = tx.Entries(ctx, from, to)
		return err
	})
	return es
}

func checkEntry(t *testing.T, got, want aos.StoredEntry) {
	t.Helper()
	if got.Index != want.Index {
		t.Errorf("entry Index = %d, want %d", got.Index, want.Index)
	}
	what := fmt.Sprintf("entry %d", want.Index)
	checkBytes(t, what+" Leaf", got.Leaf, want.Leaf)
	checkBytes(t, what+" Salt", got.Salt, want.Salt)
	checkBytes(t, what+" Payload", got.Payload, want.Payload)
	if want.Payload == nil && got.Payload != nil {
		t.Errorf("%s Payload = %q, want nil", what, got.Payload)
	}
	checkTimePtr(t, what+" RedactedAt", got.RedactedAt, want.RedactedAt)
}

func entryIndexes(es []aos.StoredEntry) []int64 {
	var idx []int64
	for _, e := range es {
		idx = append(idx, e.Index)
	}
	return idx
}

func testEvidenceEmpty(t *testing.T, s aos.Store) {
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		if n, err := tx.LogSize(ctx); err != nil || n != 0 {
			t.Errorf("LogSize = %d, %v; want 0, nil", n, err)
		}
		if es, err := tx.Entries(ctx, 0, 10); err != nil || len(es) != 0 {
			t.Errorf("Entries(0, 10) = %d entries, %v; want 0, nil", len(es), err)
		}
		if cs, err := tx.Checkpoints(ctx); err != nil || len(cs) != 0 {
			t.Errorf("Checkpoints = %d checkpoints, %v; want 0, nil", len(cs), err)
		}
		return nil
	})
}

func testEvidenceAppendAndRead(t *testing.T, s aos.Store) {
	entries := []aos.StoredEntry{
		{Leaf: []byte("no payload")},
		{Leaf: []byte("with payload"), Salt: []byte("0123456789abcdef"), Payload: []byte(`{"path":"/v1/x"}`)},
		{Leaf: []byte{0, 1, 2, 0xff}, Salt: []byte{9, 9}, Payload: []byte{0}},
	}
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return appendEntries(ctx, tx, entries) })
	if n := logSize(t, s); n != 3 {
		t.Fatalf("LogSize = %d, want 3", n)
	}
	got := readEntries(t, s, 0, 3)
	if len(got) != len(entries) {
		t.Fatalf("Entries(0, 3) returned %d entries, want %d", len(got), len(entries))
	}
	for i := range entries {
		checkEntry(t, got[i], entries[i])
	}
}

func testEvidenceEntriesRange(t *testing.T, s aos.Store) {
	appendLeaves(t, s, 0, 6)
	tests := []struct {
		from, to int64
		want     []int64
	}{
		{0, 6, []int64{0, 1, 2, 3, 4, 5}},
		{2, 5, []int64{2, 3, 4}},
		{4, 100, []int64{4, 5}},
		{3, 3, nil},
		{6, 10, nil},
	}
	for _, tt := range tests {
		got := readEntries(t, s, tt.from, tt.to)
		if idx := entryIndexes(got); !slices.Equal(idx, tt.want) {
			t.Errorf("Entries(%d, %d) = indexes %v, want %v", tt.from, tt.to, idx, tt.want)
		}
		for _, e := range got {
			checkBytes(t, fmt.Sprintf("entry %d Leaf", e.Index), e.Leaf, fmt.Appendf(nil, "leaf %d", e.Index))
		}
	}
}

func testEvidenceTreeHashes(t *testing.T, s aos.Store) {
	var ref memLog
	n := 0
	// The last batches are larger than one insert statement of some
	// stores takes, and of sizes that split unevenly into them.
	for _, batch := range []int{1, 3, 2, 5, 1, 4, 130, 77} {
		appendLeaves(t, s, n, batch)
		for _, e := range leafEntries(n, batch) {
			ref.add(t, int64(n), e.Leaf)
			n++
		}
	}
	if got := logSize(t, s); got != int64(n) {
		t.Fatalf("LogSize = %d, want %d", got, n)
	}
	got := readEntries(t, s, 0, int64(n))
	if len(got) != n {
		t.Fatalf("Entries(0, %d) returned %d entries", n, len(got))
	}
	for i, e := range got {
		if e.Index != int64(i) {
			t.Fatalf("entry %d has index %d", i, e.Index)
		}
		checkBytes(t, fmt.Sprintf("entry %d Leaf", i), e.Leaf, fmt.Appendf(nil, "leaf %d", i))
	}
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		count := tlog.StoredHashCount(int64(n))
		// Every stored hash, asked for in reverse order.
		var indexes []int64
		for i := count - 1; i >= 0; i-- {
			indexes = append(indexes, i)
		}
		got, err := tx.ReadHashes(ctx, indexes)
		if err != nil {
			return err
		}
		if len(got) != len(indexes) {
			t.Fatalf("ReadHashes returned %d hashes, want %d", len(got), len(indexes))
		}
		for i, x := range indexes {
			if tlog.Hash(got[i]) != ref.hashes[x] {
				t.Errorf("hash %d = %x, want %x", x, got[i], ref.hashes[x])
			}
		}
		want, err := tlog.TreeHash(int64(n), &ref)
		if err != nil {
			return err
		}
		th, err := tlog.TreeHash(int64(n), &txHashReader{ctx: ctx, tx: tx})
		if err != nil {
			return err
		}
		if th != want {
			t.Errorf("tree hash from store = %v, want %v", th, want)
		}
		return nil
	})
}

func testEvidenceReadHashesMissing(t *testing.T, s aos.Store) {
	appendLeaves(t, s, 0, 2)
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		_, err := tx.ReadHashes(ctx, []int64{0, tlog.StoredHashCount(2)})
		wantCode(t, "ReadHashes(index past the stored hashes)", err, aos.ENotFound)
		return nil
	})
}

// checkAppendRejected checks that appending es, as given, fails with
// EConflict and stores nothing, even though the transaction commits.
func checkAppendRejected(t *testing.T, s aos.Store, what string, hashStart int64, es []aos.StoredEntry, hashes [][32]byte) {
	t.Helper()
	before := logSize(t, s)
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		err := tx.AppendEntries(ctx, es, hashStart, hashes)
		wantCode(t, what, err, aos.EConflict)
		return nil
	})
	if n := logSize(t, s); n != before {
		t.Errorf("%s: LogSize = %d after a rejected append, want %d", what, n, before)
	}
	if got := readEntries(t, s, before, before+10); len(got) != 0 {
		t.Errorf("%s: %d entries stored past the log size", what, len(got))
	}
}

func testEvidenceAppendGap(t *testing.T, s aos.Store) {
	appendLeaves(t, s, 0, 2)
	es := leafEntries(3, 1)
	es[0].Index = 3
	checkAppendRejected(t, s, "AppendEntries(index 3 on a log of 2)", tlog.StoredHashCount(3), es,
		[][32]byte{{1}})
}

func testEvidenceAppendOverlap(t *testing.T, s aos.Store) {
	appendLeaves(t, s, 0, 2)
	es := leafEntries(1, 2)
	es[0].Index, es[1].Index = 1, 2
	checkAppendRejected(t, s, "AppendEntries(index 1 on a log of 2)", tlog.StoredHashCount(1), es,
		[][32]byte{{1}, {2}, {3}})
}

func testEvidenceAppendHashGap(t *testing.T, s aos.Store) {
	appendLeaves(t, s, 0, 2)
	es := leafEntries(2, 1)
	es[0].Index = 2
	checkAppendRejected(t, s, "AppendEntries(hashes past the next storage index)", tlog.StoredHashCount(2)+1, es,
		[][32]byte{{1}})
}

func testEvidenceCheckpoints(t *testing.T, s aos.Store) {
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		_, err := tx.LatestCheckpoint(ctx)
		wantCode(t, "LatestCheckpoint(none stored)", err, aos.ENotFound)
		return nil
	})
	appendLeaves(t, s, 0, 3)
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		if err := tx.AddCheckpoint(ctx, 3, []byte("checkpoint 3\n")); err != nil {
			return err
		}
		return tx.AddCheckpoint(ctx, 1, []byte("checkpoint 1\n"))
	})
	err := s.Update(t.Context(), func(tx aos.Tx) error {
		return tx.AddCheckpoint(t.Context(), 3, []byte("another checkpoint 3\n"))
	})
	wantCode(t, "AddCheckpoint(size already stored)", err, aos.EConflict)
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		cs, err := tx.Checkpoints(ctx)
		if err != nil {
			return err
		}
		if len(cs) != 2 || cs[0].Size != 1 || cs[1].Size != 3 {
			t.Fatalf("Checkpoints = %+v, want sizes 1 and 3", cs)
		}
		checkBytes(t, "checkpoint 1", cs[0].Signed, []byte("checkpoint 1\n"))
		checkBytes(t, "checkpoint 3", cs[1].Signed, []byte("checkpoint 3\n"))
		latest, err := tx.LatestCheckpoint(ctx)
		if err != nil || latest.Size != 3 {
			t.Fatalf("LatestCheckpoint = %+v, %v; want size 3", latest, err)
		}
		checkBytes(t, "latest checkpoint", latest.Signed, []byte("checkpoint 3\n"))
		return nil
	})
}

// testEvidenceDropCheckpoint stores checkpoints of sizes 2, 5, 9 and 12
// and drops 9 and 5 when a checkpoint is kept from the given size on.
func testEvidenceDropCheckpoint(t *testing.T, s aos.Store) {
	appendLeaves(t, s, 0, 12)
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, n := range []int64{2, 5, 9, 12} {
			if err := tx.AddCheckpoint(ctx, n, []byte(fmt.Sprintf("checkpoint %d\n", n))); err != nil {
				return err
			}
		}
		return nil
	})
	sizes := func(want ...int64) {
		t.Helper()
		view(t, s, func(ctx context.Context, tx aos.Tx) error {
			cs, err := tx.Checkpoints(ctx)
			if err != nil {
				return err
			}
			var got []int64
			for _, c := range cs {
				got = append(got, c.Size)
				checkBytes(t, "checkpoint", c.Signed, []byte(fmt.Sprintf("checkpoint %d\n", c.Size)))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("checkpoints of sizes %v, want %v", got, want)
			}
			return nil
		})
	}
	for _, c := range []struct {
		size, keptFrom int64
		want           []int64
	}{
		{9, 6, []int64{2, 5, 9, 12}}, // none from 6 to 8: 9 is kept
		{9, 9, []int64{2, 5, 9, 12}}, // an empty range
		{7, 0, []int64{2, 5, 9, 12}}, // none of size 7
		{9, 5, []int64{2, 5, 12}},    // 5 is
		{12, 10, []int64{2, 5, 12}},  // none from 10 to 11
		{5, 0, []int64{2, 12}},       // 2 is
		{12, 0, []int64{2}},          // 2 is
		{2, 0, []int64{2}},           // the only one
	} {
		update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.DropCheckpoint(ctx, c.size, c.keptFrom) })
		sizes(c.want...)
	}
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		latest, err := tx.LatestCheckpoint(ctx)
		if err != nil || latest.Size != 2 {
			t.Fatalf("LatestCheckpoint = %+v, %v; want size 2", latest, err)
		}
		return nil
	})
}

func testEvidenceRedact(t *testing.T, s aos.Store) {
	entries := []aos.StoredEntry{
		{Leaf: []byte("first"), Salt: []byte("salt 0"), Payload: []byte("secret-free detail 0")},
		{Leaf: []byte("second"), Salt: []byte("salt 1"), Payload: []byte("secret-free detail 1")},
	}
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return appendEntries(ctx, tx, entries) })
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.RedactEntry(ctx, 1, minute(10)) })

	got := readEntries(t, s, 0, 2)
	if len(got) != 2 {
		t.Fatalf("Entries(0, 2) returned %d entries, want 2", len(got))
	}
	checkEntry(t, got[0], entries[0])
	redacted := entries[1]
	redacted.Payload = nil
	redacted.RedactedAt = new(minute(10))
	checkEntry(t, got[1], redacted)

	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.RedactEntry(t.Context(), 1, minute(11)) })
	wantCode(t, "RedactEntry(already redacted)", err, aos.EConflict)
	err = s.Update(t.Context(), func(tx aos.Tx) error { return tx.RedactEntry(t.Context(), 2, minute(11)) })
	wantCode(t, "RedactEntry(missing)", err, aos.ENotFound)
	if got := readEntries(t, s, 1, 2); len(got) == 1 {
		checkTimePtr(t, "RedactedAt after a second redaction", got[0].RedactedAt, new(minute(10)))
	}
}
