package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aos-dev/aos"
)

// fakeClock starts at a fixed instant and moves one second per reading.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(time.Second)
	return t
}

// testLog is a Log over a memStore with a fresh key and a checkpoint file.
type testLog struct {
	*Log
	store    *memStore
	signer   note.Signer
	verifier note.Verifier
	cpFile   string
	clock    *fakeClock
}

const testOrigin = "aos.local/test"

func newTestKeys(t testing.TB) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := GenerateKey("aos.test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// newTestLog returns a log on a memory store that keeps every batch's
// checkpoint (CheckpointSpan 1), as the tests that find tampering between
// two checkpoints need; newTestLogSpan gives another span.
func newTestLog(t testing.TB) *testLog {
	t.Helper()
	return newTestLogSpan(t, 1)
}

func newTestLogSpan(t testing.TB, span int64) *testLog {
	t.Helper()
	s, v := newTestKeys(t)
	tl := &testLog{
		store:    newMemStore(),
		signer:   s,
		verifier: v,
		cpFile:   filepath.Join(t.TempDir(), "checkpoints"),
		clock:    newFakeClock(),
	}
	l, err := New(Config{
		Store: tl.store, Signer: s, Verifier: v, Origin: testOrigin,
		CheckpointFile: tl.cpFile, Now: tl.clock.Now, CheckpointSpan: span,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	tl.Log = l
	return tl
}

// record appends records in one Record call and returns their indexes,
// once their checkpoint is in the checkpoint file too (which the committer
// writes after Record returns).
func (tl *testLog) record(t testing.TB, records ...aos.Record) []int64 {
	t.Helper()
	idx, err := tl.Record(context.Background(), func(aos.Tx) ([]aos.Record, error) { return records, nil })
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	if tl.witness != nil {
		tl.witness.flush()
	}
	return idx
}

// redactApproved redacts entry as the approval package does once the
// owner approved an audit-edit: an approval.approve entry, then the
// redaction with its evidence.redact entry in one Record call.
func (tl *testLog) redactApproved(t testing.TB, entry int64, at time.Time) {
	t.Helper()
	tl.record(t, aos.Record{Kind: "approval.approve", Actor: "owner", Subject: "ap_redact",
		Attrs: map[string]string{"approval": "ap_redact", "points": "audit-edit"}})
	_, err := tl.Record(context.Background(), func(tx aos.Tx) ([]aos.Record, error) {
		if err := tx.RedactEntry(context.Background(), entry, at); err != nil {
			return nil, err
		}
		return []aos.Record{{Kind: "evidence.redact", Actor: "owner", Subject: "ap_redact",
			Attrs: map[string]string{"approval": "ap_redact", "entry": fmt.Sprint(entry)}}}, nil
	})
	if err != nil {
		t.Fatalf("redact: %v", err)
	}
	if tl.witness != nil {
		tl.witness.flush()
	}
}

// fill appends n records, one per Record call, each with a payload.
func (tl *testLog) fill(t testing.TB, n int) {
	t.Helper()
	for i := range n {
		tl.record(t, testRecord(i))
	}
}

func testRecord(i int) aos.Record {
	return aos.Record{
		Kind:    "call.authorized",
		Actor:   "agent:scout",
		Subject: "github",
		Attrs:   map[string]string{"operation": "GET", "n": fmt.Sprint(i)},
		Payload: json.RawMessage(fmt.Sprintf(`{"path":"/repos/acme/site/issues/%d"}`, i)),
	}
}

func (tl *testLog) verify(t testing.TB) *Report {
	t.Helper()
	r, err := Verify(context.Background(), tl.store, tl.verifier, tl.cpFile)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return r
}

func mustOK(t testing.TB, r *Report) {
	t.Helper()
	if !r.OK || len(r.Problems) > 0 {
		t.Fatalf("Verify: not OK: %+v", r.Problems)
	}
}

func TestLog_New(t *testing.T) {
	s, v := newTestKeys(t)
	_, otherV := newTestKeys(t)
	now := newFakeClock().Now
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no store", Config{Signer: s, Verifier: v, Origin: testOrigin, Now: now}},
		{"no signer", Config{Store: newMemStore(), Verifier: v, Origin: testOrigin, Now: now}},
		{"no clock", Config{Store: newMemStore(), Signer: s, Verifier: v, Origin: testOrigin}},
		{"no origin", Config{Store: newMemStore(), Signer: s, Verifier: v, Now: now}},
		{"origin with newline", Config{Store: newMemStore(), Signer: s, Verifier: v, Origin: "a\nb", Now: now}},
		{"keys not a pair", Config{Store: newMemStore(), Signer: s, Verifier: otherV, Origin: testOrigin, Now: now}},
		{"checkpoint file in missing dir", Config{Store: newMemStore(), Signer: s, Verifier: v, Origin: testOrigin, Now: now,
			CheckpointFile: filepath.Join(t.TempDir(), "no", "such", "dir", "cp")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if l, err := New(tt.cfg); err == nil {
				l.Close()
				t.Fatal("New succeeded")
			}
		})
	}
}

func TestLog_Record(t *testing.T) {
	t.Run("appends and verifies", func(t *testing.T) {
		tl := newTestLog(t)
		idx := tl.record(t, testRecord(0), aos.Record{Kind: "grant.create", Actor: "owner"})
		if fmt.Sprint(idx) != "[0 1]" {
			t.Fatalf("indexes = %v, want [0 1]", idx)
		}
		idx = tl.record(t, testRecord(2))
		if fmt.Sprint(idx) != "[2]" {
			t.Fatalf("indexes = %v, want [2]", idx)
		}
		r := tl.verify(t)
		mustOK(t, r)
		if r.Size != 3 || r.Checkpoints != 4 { // 2 in the store, 2 in the file
			t.Fatalf("Size, Checkpoints = %d, %d, want 3, 4", r.Size, r.Checkpoints)
		}
		got, err := tl.Entries(context.Background(), 0, 3)
		if err != nil {
			t.Fatal(err)
		}
		want0 := time.Date(2026, 3, 1, 11, 0, 0, 123456789, time.UTC) // the clock's first reading, in UTC
		if !got[0].Time.Equal(want0) || got[0].Time.Location() != time.UTC || !got[1].Time.Equal(want0) {
			t.Errorf("batch times = %v, %v, want %v", got[0].Time, got[1].Time, want0)
		}
		if !got[2].Time.Equal(want0.Add(time.Second)) {
			t.Errorf("second batch time = %v", got[2].Time)
		}
		if string(got[0].Payload) != string(testRecord(0).Payload) || got[0].Commitment == "" || got[0].Attrs["n"] != "0" {
			t.Errorf("entry 0 = %+v", got[0])
		}
		if got[1].Payload != nil || got[1].Commitment != "" {
			t.Errorf("entry 1 without payload = %+v", got[1])
		}
	})
	t.Run("no records commits fn alone", func(t *testing.T) {
		tl := newTestLog(t)
		idx, err := tl.Record(context.Background(), func(tx aos.Tx) ([]aos.Record, error) {
			_, err := tx.Setting(context.Background(), "k")
			if aos.ErrorCode(err) != aos.ENotFound {
				return nil, fmt.Errorf("Setting = %v", err)
			}
			return nil, nil
		})
		if err != nil || len(idx) != 0 {
			t.Fatalf("Record = %v, %v", idx, err)
		}
		mustOK(t, tl.verify(t))
	})
	t.Run("a state change without a record is refused", func(t *testing.T) {
		tl := newTestLog(t)
		_, err := tl.Record(context.Background(), func(tx aos.Tx) ([]aos.Record, error) {
			return nil, tx.PutSetting(context.Background(), "k", "v")
		})
		if !errors.Is(err, errStateWithoutRecord) {
			t.Fatalf("Record = %v, want errStateWithoutRecord", err)
		}
		if _, err := settingErr(tl.store, "k"); aos.ErrorCode(err) != aos.ENotFound {
			t.Fatalf("the setting was committed without evidence: %v", err)
		}
		mustOK(t, tl.verify(t))
	})
	t.Run("invalid records are the caller's error", func(t *testing.T) {
		tl := newTestLog(t)
		for _, rec := range []aos.Record{
			{Actor: "owner"}, // no kind
			{Kind: "x", Actor: "owner", Payload: json.RawMessage(`{not json`)},
			{Kind: "x", Actor: "\xff"},
		} {
			_, err := tl.Record(context.Background(), func(aos.Tx) ([]aos.Record, error) { return []aos.Record{rec}, nil })
			if err == nil || aos.ErrorCode(err) == aos.EEvidenceUnavailable {
				t.Errorf("Record(%+v) = %v, want the record's error", rec, err)
			}
		}
		tl.record(t, testRecord(0))
		if r := tl.verify(t); !r.OK || r.Size != 1 {
			t.Fatalf("after bad records: %+v", r)
		}
	})
	t.Run("a panicking fn fails alone", func(t *testing.T) {
		tl := newTestLog(t)
		_, err := tl.Record(context.Background(), func(aos.Tx) ([]aos.Record, error) { panic("boom") })
		if err == nil || !strings.Contains(err.Error(), "panicked") {
			t.Fatalf("Record = %v", err)
		}
		tl.record(t, testRecord(0))
	})
	t.Run("closed", func(t *testing.T) {
		tl := newTestLog(t)
		tl.record(t, testRecord(0))
		if err := tl.Close(); err != nil {
			t.Fatal(err)
		}
		_, err := tl.Record(context.Background(), func(aos.Tx) ([]aos.Record, error) { return nil, nil })
		if aos.ErrorCode(err) != aos.EEvidenceUnavailable {
			t.Fatalf("Record after Close = %v", err)
		}
		if err := tl.Close(); err != nil {
			t.Fatalf("second Close = %v", err)
		}
	})
}

func settingOf(t testing.TB, s aos.Store, key string) string {
	t.Helper()
	var v string
	s.View(context.Background(), func(tx aos.Tx) error {
		v, _ = tx.Setting(context.Background(), key)
		return nil
	})
	return v
}

// TestLog_ReverifyEveryAppend re-verifies the whole log after each append,
// with batches of varying size.
func TestLog_ReverifyEveryAppend(t *testing.T) {
	tl := newTestLog(t)
	var size int64
	for i := range 100 {
		recs := []aos.Record{testRecord(i)}
		for range i % 4 {
			recs = append(recs, aos.Record{Kind: "call.outcome", Actor: "agent:scout"})
		}
		tl.record(t, recs...)
		size += int64(len(recs))
		r := tl.verify(t)
		mustOK(t, r)
		if r.Size != size {
			t.Fatalf("after append %d: Size = %d, want %d", i, r.Size, size)
		}
	}
}

func TestLog_CheckpointFile(t *testing.T) {
	tl := newTestLog(t)
	tl.fill(t, 3)
	data, err := os.ReadFile(tl.cpFile)
	if err != nil {
		t.Fatal(err)
	}
	notes := SplitCheckpointFile(data)
	if len(notes) != 3 {
		t.Fatalf("checkpoint file has %d notes, want 3:\n%s", len(notes), data)
	}
	for i, n := range notes {
		cp, err := OpenCheckpoint(n, tl.verifier)
		if err != nil || cp.Size != int64(i+1) || cp.Origin != testOrigin {
			t.Errorf("note %d: %+v, %v", i, cp, err)
		}
	}
	size, latest, err := tl.Latest(context.Background())
	if err != nil || size != 3 || string(latest) != string(notes[2]) {
		t.Fatalf("Latest = %d, %q, %v; want the file's last note", size, latest, err)
	}
}

// TestVerify_CheckpointFileBeingWritten reads the checkpoint file while a
// note is half written (or was cut short by a crash): that note is not a
// checkpoint yet, and the log still verifies.
func TestVerify_CheckpointFileBeingWritten(t *testing.T) {
	tl := newTestLog(t)
	tl.fill(t, 3)
	data, err := os.ReadFile(tl.cpFile)
	if err != nil {
		t.Fatal(err)
	}
	notes := SplitCheckpointFile(data)
	last := notes[len(notes)-1]
	for _, cut := range []int{1, len(last) / 2, bytes.Index(last, []byte("\n\n")) + 2, len(last) - 1, len(last)} {
		torn := append(append([]byte(nil), data...), last[:cut]...)
		if err := os.WriteFile(tl.cpFile, torn, 0o644); err != nil {
			t.Fatal(err)
		}
		mustOK(t, tl.verify(t))
	}
}

func settingErr(s aos.Store, key string) (string, error) {
	var v string
	err := s.View(context.Background(), func(tx aos.Tx) (err error) {
		v, err = tx.Setting(context.Background(), key)
		return err
	})
	return v, err
}

// replica returns another log on tl's store, with its keys and clock, as
// a second replica runs, closed when the test ends.
func (tl *testLog) replica(t *testing.T) *Log {
	t.Helper()
	b, err := New(Config{Store: tl.store, Signer: tl.signer, Verifier: tl.verifier, Origin: testOrigin, Now: tl.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestLog_StateGeneration: the generation moves once a batch that changed
// the state commits, and once a batch of another log on the same store
// (a replica) finds entries that changed it, even back to what it was;
// inside a Record function, StateCurrent says whether the state is still
// that of a generation.
func TestLog_StateGeneration(t *testing.T) {
	ctx := context.Background()
	a := newTestLog(t)
	b := a.replica(t)
	put := func(l *Log, value string) {
		t.Helper()
		if _, err := l.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
			if err := tx.PutSetting(ctx, "caps", value); err != nil {
				return nil, err
			}
			return []aos.Record{{Kind: "caps.set", Actor: "owner"}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// current runs an empty Record on l and reports StateCurrent(gen) in it.
	current := func(l *Log, gen uint64) bool {
		t.Helper()
		var ok bool
		if _, err := l.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
			ok = l.StateCurrent(tx, gen)
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	put(a.Log, "1")
	current(b, 0) // b loads the state
	gb := b.StateGeneration()
	if !current(b, gb) {
		t.Fatal("nothing changed, yet the state is not current")
	}
	ga := a.StateGeneration()
	a.record(t, testRecord(1)) // no state change
	if a.StateGeneration() != ga {
		t.Fatal("a batch that changed no state moved the generation")
	}
	put(a.Log, "2")
	if a.StateGeneration() == ga {
		t.Fatal("a committed state change did not move the generation")
	}
	put(a.Log, "1") // and back: the state is what b last saw
	if current(b, gb) {
		t.Fatal("another writer changed the state (and back), yet b's state is current")
	}
	if b.StateGeneration() == gb {
		t.Fatal("b's generation did not move after catching up")
	}
	gb = b.StateGeneration()
	var inBatch bool
	if _, err := b.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		if err := tx.PutSetting(ctx, "caps", "3"); err != nil {
			return nil, err
		}
		inBatch = b.StateCurrent(tx, gb)
		return []aos.Record{{Kind: "caps.set", Actor: "owner"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if inBatch {
		t.Fatal("a function that changed the state still finds it current")
	}
	if b.StateCurrent(nil, b.StateGeneration()) {
		t.Fatal("StateCurrent outside a Record function")
	}
}

// TestLog_OthersGeneration: the generation of other writers' entries
// moves when a batch finds entries another log on the same store (a
// replica) appended, and never for a log's own; inside a Record function,
// OthersCurrent says whether no other writer appended since a generation.
func TestLog_OthersGeneration(t *testing.T) {
	ctx := context.Background()
	a := newTestLog(t)
	b := a.replica(t)
	current := func(l *Log, gen uint64) bool {
		t.Helper()
		var ok bool
		if _, err := l.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
			ok = l.OthersCurrent(tx, gen)
			return []aos.Record{testRecord(0)}, nil
		}); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	a.record(t, testRecord(1))
	current(b, 0) // b's first batch reads the store afresh
	gb, at := b.OthersGeneration()
	if gb == 0 || !at.IsZero() {
		t.Fatalf("after b's first batch, which read the store afresh: generation %d, time %v; want it moved, no time (no other writer seen)", gb, at)
	}
	for range 3 { // b's own entries
		if !current(b, gb) {
			t.Fatal("only b appended, yet another writer did")
		}
	}
	if g, _ := b.OthersGeneration(); g != gb {
		t.Fatal("b's own batches moved the generation")
	}
	ga, _ := a.OthersGeneration()
	a.record(t, testRecord(2))
	if current(b, gb) {
		t.Fatal("a appended, yet b finds no other writer did")
	}
	if g, at := b.OthersGeneration(); g == gb || at.IsZero() {
		t.Fatalf("after catching up a's entries: generation %d (was %d), time %v", g, gb, at)
	}
	if current(a.Log, ga) {
		t.Fatal("b appended, yet a finds no other writer did")
	}
	if g, _ := b.OthersGeneration(); b.OthersCurrent(nil, g) {
		t.Fatal("OthersCurrent outside a Record function")
	}
}

// TestLog_KnownHashes: a batch reads the tree's right edge from what the
// log's earlier batches wrote, not from the store, and the tree it signs
// still verifies.
func TestLog_KnownHashes(t *testing.T) {
	tl := newTestLog(t)
	tl.fill(t, 3)
	tl.store.mu.Lock()
	before := tl.store.hashReads
	tl.store.mu.Unlock()
	tl.fill(t, 200)
	tl.store.mu.Lock()
	after := tl.store.hashReads
	tl.store.mu.Unlock()
	if after != before {
		t.Fatalf("200 batches read %d tree hashes from the store; want none", after-before)
	}
	// Batches of several entries, of every size up to 40, end at every
	// shape of the right edge.
	n := 203
	for k := 1; k <= 40; k++ {
		recs := make([]aos.Record, k)
		for i := range recs {
			recs[i] = testRecord(n + i)
		}
		tl.record(t, recs...)
		n += k
	}
	tl.store.mu.Lock()
	after = tl.store.hashReads
	tl.store.mu.Unlock()
	if after != before {
		t.Fatalf("240 batches read %d tree hashes from the store; want none", after-before)
	}
	if max := bits.Len64(uint64(n)); len(tl.hashes) > max {
		t.Errorf("the log keeps %d tree hashes between batches; want at most %d (the right edge)", len(tl.hashes), max)
	}
	mustOK(t, tl.verify(t))
}
