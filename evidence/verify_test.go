package evidence

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aos-dev/aos"
)

// editLeaf re-encodes entry i's leaf canonically after fn changed it, as an
// attacker who knows the format would.
func editLeaf(t testing.TB, st *memState, i int64, fn func(e *aos.Entry)) []byte {
	t.Helper()
	row := st.entries[i]
	e, err := DecodeLeaf(row.Leaf)
	if err != nil {
		t.Fatal(err)
	}
	fn(&e)
	leaf, err := EncodeLeaf(e)
	if err != nil {
		t.Fatal(err)
	}
	row.Leaf = leaf
	st.entries[i] = row
	return leaf
}

// rebuildHashes recomputes every stored hash from the rows, as an attacker
// covering an edit would, and returns the roots by tree size.
func rebuildHashes(t testing.TB, st *memState) map[int64]tlog.Hash {
	t.Helper()
	var all memHashes
	roots := map[int64]tlog.Hash{}
	for i := range st.size {
		hs, err := tlog.StoredHashes(i, st.entries[i].Leaf, all)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, hs...)
		if roots[i+1], err = tlog.TreeHash(i+1, all); err != nil {
			t.Fatal(err)
		}
	}
	clear(st.hashes)
	for x, h := range all {
		st.hashes[int64(x)] = h
	}
	return roots
}

// resign replaces every stored checkpoint from size from on with one over
// the current hashes signed by s.
func resign(t testing.TB, st *memState, roots map[int64]tlog.Hash, s note.Signer, from int64) {
	t.Helper()
	for i, cp := range st.checkpoints {
		if cp.Size < from {
			continue
		}
		signed, err := SignCheckpoint(Checkpoint{Origin: testOrigin, Size: cp.Size, Root: roots[cp.Size]}, s)
		if err != nil {
			t.Fatal(err)
		}
		st.checkpoints[i].Signed = signed
	}
}

// flipSignature flips one bit of the (first) signature of a signed note.
func flipSignature(t testing.TB, signed []byte) []byte {
	t.Helper()
	text, sigs, ok := strings.Cut(string(signed), "\n\n— ")
	name, rest, _ := strings.Cut(sigs, " ")
	b64, tail, _ := strings.Cut(rest, "\n")
	sig, err := base64.StdEncoding.DecodeString(b64)
	if !ok || err != nil {
		t.Fatalf("not a signed note: %q", signed)
	}
	sig[len(sig)-1] ^= 1
	return []byte(text + "\n\n— " + name + " " + base64.StdEncoding.EncodeToString(sig) + "\n" + tail)
}

// truncateTail cuts the log to size n with its hashes and checkpoints.
func truncateTail(st *memState, n int64) {
	for i := n; i < st.size; i++ {
		delete(st.entries, i)
	}
	for x := range st.hashes {
		if x >= tlog.StoredHashCount(n) {
			delete(st.hashes, x)
		}
	}
	kept := st.checkpoints[:0]
	for _, cp := range st.checkpoints {
		if cp.Size <= n {
			kept = append(kept, cp)
		}
	}
	st.checkpoints, st.size = kept, n
}

func TestVerify_Tamper(t *testing.T) {
	attacker, _ := newTestKeys(t)
	tests := []struct {
		name      string
		noFile    bool // verify without the checkpoint file
		tamper    func(t *testing.T, tl *testLog, st *memState)
		first     int64 // FirstBad().Index
		last      int64 // FirstBad().Last
		wantInMsg string
	}{
		{
			name: "edit leaf",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				editLeaf(t, st, 3, func(e *aos.Entry) { e.Kind = "call.denied" })
			},
			first: 3, last: 3, wantInMsg: "entry 3: leaf hash differs from the stored leaf hash",
		},
		{
			name: "leaf not canonical",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				row := st.entries[3]
				row.Leaf = append([]byte(nil), row.Leaf[:len(row.Leaf)-1]...)
				row.Leaf = append(row.Leaf, " }"...)
				st.entries[3] = row
			},
			first: 3, last: 3, wantInMsg: "entry 3: leaf does not decode canonically",
		},
		{
			name: "edit payload",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				row := st.entries[6]
				row.Payload = []byte(`{"path":"/repos/acme/other"}`)
				st.entries[6] = row
			},
			first: 6, last: 6, wantInMsg: "entry 6: payload does not match its commitment",
		},
		{
			name: "drop payload without redaction",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				row := st.entries[6]
				row.Payload = nil
				st.entries[6] = row
			},
			first: 6, last: 6, wantInMsg: "entry 6: payload missing without a redaction",
		},
		{
			name: "edit leaf and its stored hash",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				leaf := editLeaf(t, st, 3, func(e *aos.Entry) { e.Actor = "owner" })
				st.hashes[tlog.StoredHashIndex(0, 3)] = tlog.RecordHash(leaf)
			},
			first: 3, last: 3, wantInMsg: "entry 3: differs from the signed tree of size 4",
		},
		{
			name: "edit leaf and rebuild every hash",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				editLeaf(t, st, 5, func(e *aos.Entry) { e.Attrs["operation"] = "DELETE" })
				rebuildHashes(t, st)
			},
			first: 5, last: 5, wantInMsg: "entry 5: differs from the signed tree of size 6 in the store (the tree of size 5 matches)",
		},
		{
			name: "rewrite history and re-sign with another key",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				editLeaf(t, st, 5, func(e *aos.Entry) { e.Subject = "stripe" })
				resign(t, st, rebuildHashes(t, st), attacker, 6)
			},
			first: 5, last: 5, wantInMsg: "in the checkpoint file",
		},
		{
			name:   "rewrite history and re-sign, no checkpoint file",
			noFile: true,
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				editLeaf(t, st, 5, func(e *aos.Entry) { e.Subject = "stripe" })
				resign(t, st, rebuildHashes(t, st), attacker, 6)
			},
			first: 5, last: 9, wantInMsg: "entries 5-9: not covered by any valid signed checkpoint",
		},
		{
			name:   "delete a row",
			tamper: func(t *testing.T, tl *testLog, st *memState) { delete(st.entries, 4) },
			first:  4, last: 4, wantInMsg: "entry 4 missing",
		},
		{
			name: "delete three rows",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				delete(st.entries, 5)
				delete(st.entries, 6)
				delete(st.entries, 7)
			},
			first: 5, last: 7, wantInMsg: "entries 5-7 missing",
		},
		{
			name: "swap two rows",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				a, b := st.entries[2], st.entries[5]
				a.Index, b.Index = 5, 2
				st.entries[2], st.entries[5] = b, a
			},
			first: 2, last: 2, wantInMsg: "entry 2: row holds the leaf of entry 5",
		},
		{
			name:   "truncate tail with its checkpoints",
			tamper: func(t *testing.T, tl *testLog, st *memState) { truncateTail(st, 7) },
			first:  7, last: 9, wantInMsg: "entries 7-9 missing: the checkpoint file has a signed tree of size 10",
		},
		{
			name: "delete tail rows only",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				delete(st.entries, 8)
				delete(st.entries, 9)
			},
			first: 8, last: 9, wantInMsg: "entries 8-9 missing",
		},
		{
			name: "forged checkpoint signature",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				cp := &st.checkpoints[len(st.checkpoints)-1]
				cp.Signed = flipSignature(t, cp.Signed)
			},
			first: -1, last: -1, wantInMsg: "the store: checkpoint of size 10: invalid signature by key aos.test+",
		},
		{
			name:   "forged latest checkpoint, no checkpoint file",
			noFile: true,
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				resign(t, st, rebuildHashes(t, st), attacker, 10)
			},
			first: 9, last: 9, wantInMsg: "entry 9: not covered by any valid signed checkpoint",
		},
		{
			name: "row beyond the log size",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				row := cloneEntry(st.entries[9])
				row.Index = 10
				st.entries[10] = row
			},
			first: 10, last: 10, wantInMsg: "entry 10: row beyond the log size 10",
		},
		{
			name: "edit an interior hash",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				st.hashes[tlog.StoredHashIndex(1, 1)] = tlog.Hash{1}
			},
			first: 2, last: 3, wantInMsg: "entries 2-3: the stored tree hash over them differs",
		},
		{
			name: "interior hash deleted",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				delete(st.hashes, tlog.StoredHashIndex(1, 1))
			},
			first: 2, last: 3, wantInMsg: "entries 2-3: the stored tree hash over them is missing",
		},
		{
			name: "stored leaf hash deleted",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				delete(st.hashes, tlog.StoredHashIndex(0, 3))
			},
			first: 3, last: 3, wantInMsg: "entry 3: stored leaf hash missing",
		},
		{
			name: "checkpoint file edited",
			tamper: func(t *testing.T, tl *testLog, st *memState) {
				data, err := os.ReadFile(tl.cpFile)
				if err != nil {
					t.Fatal(err)
				}
				data = []byte(strings.Replace(string(data), "\n4\n", "\n40\n", 1))
				if err := os.WriteFile(tl.cpFile, data, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			first: -1, last: -1, wantInMsg: "the checkpoint file: note 4: invalid signature",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := newTestLog(t)
			tl.fill(t, 10)
			mustOK(t, tl.verify(t))
			tl.Close()
			tl.store.edit(func(st *memState) { tt.tamper(t, tl, st) })
			if tt.noFile {
				tl.cpFile = ""
			}
			r := tl.verify(t)
			if r.OK {
				t.Fatal("tampered log verifies OK")
			}
			// The store's bulk reads find the same.
			scanned, err := Verify(context.Background(), scanStore{memStore: tl.store}, tl.verifier, tl.cpFile)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(scanned, r) {
				t.Errorf("Verify through the bulk reads = %+v\nthrough Entries and ReadHashes = %+v", scanned, r)
			}
			for _, p := range r.Problems {
				t.Logf("problem: %d-%d %s", p.Index, p.Last, p.Message)
			}
			p := r.FirstBad()
			if p.Index != tt.first || p.Last != tt.last || !strings.Contains(p.Message, tt.wantInMsg) {
				t.Errorf("FirstBad = %+v\nwant %d-%d %q\nall: %+v", *p, tt.first, tt.last, tt.wantInMsg, r.Problems)
			}
		})
	}
}

// TestVerify_TruncatedWithoutFile documents the limit: a store cut with its
// newest checkpoints is consistent on its own.
func TestVerify_TruncatedWithoutFile(t *testing.T) {
	tl := newTestLog(t)
	tl.fill(t, 10)
	tl.store.edit(func(st *memState) { truncateTail(st, 7) })
	r, err := Verify(context.Background(), tl.store, tl.verifier, "")
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Size != 7 {
		t.Fatalf("Verify = %+v; want OK at size 7 (only the checkpoint file can tell)", r)
	}
}

// TestVerify_Localise checks that with one checkpoint per batch, an edit
// whose only trace is a checkpoint root is bounded by the batch.
func TestVerify_Localise(t *testing.T) {
	tl := newTestLog(t)
	tl.record(t, testRecord(0), testRecord(1), testRecord(2), testRecord(3))
	tl.record(t, testRecord(4), testRecord(5), testRecord(6), testRecord(7))
	tl.record(t, testRecord(8))
	tl.store.edit(func(st *memState) {
		editLeaf(t, st, 6, func(e *aos.Entry) { e.Kind = "call.denied" })
		rebuildHashes(t, st)
	})
	r := tl.verify(t)
	p := r.FirstBad()
	if p == nil || p.Index != 4 || p.Last != 7 || !strings.Contains(p.Message, "entries 4-7: the first bad entry is among these") {
		t.Fatalf("FirstBad = %+v, want entries 4-7; all: %+v", p, r.Problems)
	}
}

func TestVerify_Redaction(t *testing.T) {
	tl := newTestLog(t)
	tl.fill(t, 5)
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	tl.redactApproved(t, 2, at)
	r := tl.verify(t)
	mustOK(t, r)
	if len(r.Redacted) != 1 || r.Redacted[0] != 2 {
		t.Errorf("Redacted = %v, want [2]", r.Redacted)
	}
	got, err := tl.Entries(context.Background(), 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if e := got[0]; !e.Redacted || e.RedactedAt == nil || !e.RedactedAt.Equal(at) || e.Payload != nil || e.Commitment == "" {
		t.Fatalf("redacted entry = %+v", e)
	}
}

// A payload removed by hand, without an approved audit-edit redaction in
// the log, is tampering, however clean the row looks.
func TestVerify_RedactionByHand(t *testing.T) {
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for name, prepare := range map[string]func(t *testing.T, tl *testLog){
		"no redaction entry": func(t *testing.T, tl *testLog) {},
		"redaction entry without approval": func(t *testing.T, tl *testLog) {
			tl.record(t, aos.Record{Kind: "evidence.redact", Actor: "owner", Subject: "ap_x",
				Attrs: map[string]string{"entry": "2"}})
		},
		"approved redaction of another entry": func(t *testing.T, tl *testLog) {
			tl.redactApproved(t, 3, at)
		},
	} {
		t.Run(name, func(t *testing.T) {
			tl := newTestLog(t)
			tl.fill(t, 5)
			prepare(t, tl)
			tl.store.edit(func(st *memState) {
				e := st.entries[2]
				e.Payload, e.RedactedAt = nil, &at
				st.entries[2] = e
			})
			r := tl.verify(t)
			p := r.FirstBad()
			if p == nil || p.Index != 2 || !strings.Contains(p.Message, "entry 2: payload removed without an approved audit-edit redaction") {
				t.Fatalf("FirstBad = %+v; all: %+v", p, r.Problems)
			}
		})
	}
}

func TestVerify_Empty(t *testing.T) {
	tl := newTestLog(t)
	r := tl.verify(t)
	mustOK(t, r)
	if r.Size != 0 || r.Checkpoints != 0 || r.FirstBad() != nil {
		t.Fatalf("empty log report = %+v", r)
	}
}

func TestReport_FirstBad(t *testing.T) {
	tests := []struct {
		name     string
		problems []Problem
		want     int64
	}{
		{"entry before checkpoint problems", []Problem{{-1, -1, "cp"}, {4, 4, "e4"}, {7, 9, "e7"}}, 4},
		{"only checkpoint problems", []Problem{{-1, -1, "cp"}}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{Problems: tt.problems}
			if got := r.FirstBad(); got == nil || got.Index != tt.want {
				t.Fatalf("FirstBad = %+v, want index %d", got, tt.want)
			}
		})
	}
}

// TestVerify_Unanswered: an authorised call whose outcome is not in the log
// (in flight, or lost in a crash: outcomes are recorded after the answer)
// is reported as such, and is no problem; an outcome, by entry or by
// approval, answers it. Submit queues a record without waiting for it.
func TestVerify_Unanswered(t *testing.T) {
	tl := newTestLog(t)
	auth := func(attrs map[string]string) int64 {
		return tl.record(t, aos.Record{Kind: "call.authorized", Actor: "agent:scout", Subject: "crm", Attrs: attrs})[0]
	}
	direct := auth(map[string]string{"connection": "crm"})
	approved := auth(map[string]string{"approval": "ap_1"})
	lost := auth(map[string]string{"connection": "crm"})
	r := tl.verify(t)
	mustOK(t, r)
	if want := []int64{direct, approved, lost}; !slices.Equal(r.Unanswered, want) {
		t.Fatalf("unanswered before any outcome: %v, want %v", r.Unanswered, want)
	}
	done := make(chan error, 1)
	if err := tl.Submit(func(aos.Tx) ([]aos.Record, error) {
		return []aos.Record{{Kind: "call.outcome", Actor: "agent:scout", Subject: "crm",
			Attrs: map[string]string{"authorized_entry": fmt.Sprint(direct), "status": "200"}}}, nil
	}, func(_ []int64, err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	tl.record(t, aos.Record{Kind: "call.outcome", Actor: "system", Subject: "ap_1", Attrs: map[string]string{"approval": "ap_1"}})
	r = tl.verify(t)
	mustOK(t, r)
	if !slices.Equal(r.Unanswered, []int64{lost}) {
		t.Fatalf("unanswered after two outcomes: %v, want [%d]", r.Unanswered, lost)
	}
	tl.Close()
	if err := tl.Submit(func(aos.Tx) ([]aos.Record, error) { return nil, nil }, nil); err == nil {
		t.Fatal("Submit on a closed log: no error")
	}
}

// TestVerify_StoredHashNot32Bytes: a stored hash of another length (which
// only the bulk reads hand over; ReadHashes fails on it) is reported where
// it is, as a leaf hash or as the tree hash over its entries.
func TestVerify_StoredHashNot32Bytes(t *testing.T) {
	tl := newTestLog(t)
	tl.fill(t, 10)
	st := scanStore{memStore: tl.store, stored: map[int64][]byte{
		tlog.StoredHashIndex(0, 3): {1, 2},
		tlog.StoredHashIndex(1, 2): make([]byte, 31),
	}}
	r, err := Verify(context.Background(), st, tl.verifier, tl.cpFile)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range r.Problems {
		got = append(got, fmt.Sprintf("%d-%d %s", p.Index, p.Last, p.Message))
	}
	want := []string{
		"3-3 entry 3: stored leaf hash is not 32 bytes",
		"4-5 entries 4-5: the stored tree hash over them is not 32 bytes",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
}

// TestVerify_AcrossChunks checks a log longer than the chunks Verify reads
// it in: the tree and the stored hashes compared across their boundaries,
// a row missing at the start of a chunk, through both ways of reading.
func TestVerify_AcrossChunks(t *testing.T) {
	tl := newTestLog(t)
	const n = 2*verifyChunk + 100
	for from := 0; from < n; from += 1000 {
		var recs []aos.Record
		for i := from; i < min(from+1000, n); i++ {
			recs = append(recs, testRecord(i))
		}
		tl.record(t, recs...)
	}
	for _, st := range []aos.Store{tl.store, scanStore{memStore: tl.store}} {
		r, err := Verify(context.Background(), st, tl.verifier, tl.cpFile)
		if err != nil {
			t.Fatal(err)
		}
		mustOK(t, r)
	}
	tl.Close()
	problems := func() []string {
		t.Helper()
		var reports []*Report
		for _, st := range []aos.Store{tl.store, scanStore{memStore: tl.store}} {
			r, err := Verify(context.Background(), st, tl.verifier, tl.cpFile)
			if err != nil {
				t.Fatal(err)
			}
			reports = append(reports, r)
		}
		if !reflect.DeepEqual(reports[0], reports[1]) {
			t.Errorf("through the bulk reads: %+v\nthrough Entries and ReadHashes: %+v", reports[1], reports[0])
		}
		var got []string
		for _, p := range reports[0].Problems {
			got = append(got, fmt.Sprintf("%d-%d %s", p.Index, p.Last, p.Message))
		}
		return got
	}
	tl.store.edit(func(st *memState) { st.hashes[tlog.StoredHashIndex(13, 0)] = tlog.Hash{9} })
	want := []string{"0-8191 entries 0-8191: the stored tree hash over them differs from the one recomputed from the leaves"}
	if got := problems(); !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
	// A row missing explains the hash over it.
	tl.store.edit(func(st *memState) { delete(st.entries, verifyChunk) })
	want = []string{
		"-1--1 state: not compared, since the log's entries are not all readable",
		"4096-4096 entry 4096 missing",
	}
	if got := problems(); !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
}
