package evidence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

func newTestLog(t testing.TB) *testLog {
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
		CheckpointFile: tl.cpFile, Now: tl.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	tl.Log = l
	return tl
}

// record appends records in one Record call and returns their indexes.
func (tl *testLog) record(t testing.TB, records ...aos.Record) []int64 {
	t.Helper()
	idx, err := tl.Record(context.Background(), func(aos.Tx) ([]aos.Record, error) { return records, nil })
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	return idx
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
			return nil, tx.PutSetting(context.Background(), "k", "v")
		})
		if err != nil || len(idx) != 0 {
			t.Fatalf("Record = %v, %v", idx, err)
		}
		if got := settingOf(t, tl.store, "k"); got != "v" {
			t.Fatalf("setting = %q", got)
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

// holdUpdates makes the store's Updates wait until release is closed, and
// returns a channel that receives once per Update started.
func holdUpdates(s *memStore) (started <-chan struct{}, release func()) {
	ch := make(chan struct{}, 1000)
	gate := make(chan struct{})
	s.beforeUpdate = func() {
		ch <- struct{}{}
		<-gate
	}
	var once sync.Once
	return ch, func() { once.Do(func() { close(gate) }) }
}

// waitPending waits until n requests are queued in l.
func waitPending(t testing.TB, l *Log, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l.mu.Lock()
		got := len(l.pending)
		l.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// recordAsync starts Record calls in goroutines and returns their results.
type asyncResult struct {
	indexes []int64
	err     error
}

func recordAsync(ctx context.Context, l *Log, fn func(aos.Tx) ([]aos.Record, error)) <-chan asyncResult {
	ch := make(chan asyncResult, 1)
	go func() {
		idx, err := l.Record(ctx, fn)
		ch <- asyncResult{idx, err}
	}()
	return ch
}

func records(recs ...aos.Record) func(aos.Tx) ([]aos.Record, error) {
	return func(aos.Tx) ([]aos.Record, error) { return recs, nil }
}

func TestLog_Record_GroupCommit(t *testing.T) {
	tl := newTestLog(t)
	started, release := holdUpdates(tl.store)
	defer release()

	const n = 50
	first := recordAsync(context.Background(), tl.Log, records(testRecord(0)))
	<-started // the first batch is committing; the rest must queue behind it
	results := []<-chan asyncResult{first}
	for i := 1; i < n; i++ {
		results = append(results, recordAsync(context.Background(), tl.Log, records(testRecord(i))))
	}
	waitPending(t, tl.Log, n-1)
	release()

	seen := map[int64]bool{}
	for _, ch := range results {
		r := <-ch
		if r.err != nil || len(r.indexes) != 1 {
			t.Fatalf("Record = %v, %v", r.indexes, r.err)
		}
		seen[r.indexes[0]] = true
	}
	for i := range int64(n) {
		if !seen[i] {
			t.Errorf("index %d not returned", i)
		}
	}
	if got := tl.store.updateCount(); got != 2 {
		t.Errorf("store transactions = %d, want 2 for %d records", got, n)
	}
	r := tl.verify(t)
	mustOK(t, r)
	if r.Size != n {
		t.Fatalf("Size = %d, want %d", r.Size, n)
	}
}

// TestLog_Record_Concurrent runs many writers without coordination.
func TestLog_Record_Concurrent(t *testing.T) {
	tl := newTestLog(t)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { tl.record(t, testRecord(i), testRecord(i)) })
	}
	wg.Wait()
	r := tl.verify(t)
	mustOK(t, r)
	if r.Size != 100 {
		t.Fatalf("Size = %d, want 100", r.Size)
	}
}

func TestLog_Record_FnErrorIsolated(t *testing.T) {
	tl := newTestLog(t)
	started, release := holdUpdates(tl.store)
	defer release()

	first := recordAsync(context.Background(), tl.Log, records(testRecord(0)))
	<-started
	errDenied := aos.Errorf(aos.EConflict, "grant exists")
	put := func(key string, fail bool) func(aos.Tx) ([]aos.Record, error) {
		return func(tx aos.Tx) ([]aos.Record, error) {
			if err := tx.PutSetting(context.Background(), key, "set"); err != nil {
				return nil, err
			}
			if fail {
				return nil, errDenied
			}
			return []aos.Record{{Kind: "setting.put", Actor: "owner", Subject: key}}, nil
		}
	}
	a := recordAsync(context.Background(), tl.Log, put("a", false))
	waitPending(t, tl.Log, 1)
	b := recordAsync(context.Background(), tl.Log, put("b", true))
	waitPending(t, tl.Log, 2)
	c := recordAsync(context.Background(), tl.Log, put("c", false))
	waitPending(t, tl.Log, 3)
	release()

	if r := <-first; r.err != nil {
		t.Fatal(r.err)
	}
	ra, rb, rc := <-a, <-b, <-c
	if rb.err != errDenied {
		t.Errorf("failing request got %v, want its own error", rb.err)
	}
	if ra.err != nil || rc.err != nil || fmt.Sprint(ra.indexes, rc.indexes) != "[1] [2]" {
		t.Errorf("others got %v %v, %v %v", ra.indexes, ra.err, rc.indexes, rc.err)
	}
	for key, want := range map[string]string{"a": "set", "b": "", "c": "set"} {
		if got := settingOf(t, tl.store, key); got != want {
			t.Errorf("setting %s = %q, want %q", key, got, want)
		}
	}
	if got := tl.store.updateCount(); got != 2 {
		t.Errorf("store transactions = %d, want 2", got)
	}
	mustOK(t, tl.verify(t))
}

func TestLog_Record_StoreFailure(t *testing.T) {
	tl := newTestLog(t)
	tl.fill(t, 2)
	started, release := holdUpdates(tl.store)
	defer release()
	tl.store.mu.Lock()
	tl.store.failCommit = errors.New("disk I/O error")
	tl.store.mu.Unlock()

	var results []<-chan asyncResult
	results = append(results, recordAsync(context.Background(), tl.Log, records(testRecord(2))))
	<-started
	for i := range 5 {
		results = append(results, recordAsync(context.Background(), tl.Log, records(testRecord(3+i))))
	}
	waitPending(t, tl.Log, 5)
	release()
	for _, ch := range results {
		r := <-ch
		if aos.ErrorCode(r.err) != aos.EEvidenceUnavailable || r.indexes != nil {
			t.Errorf("Record = %v, %v, want %s", r.indexes, r.err, aos.EEvidenceUnavailable)
		}
		if strings.Contains(aos.ErrorMessage(r.err), "disk") {
			t.Errorf("message leaks detail: %q", aos.ErrorMessage(r.err))
		}
	}
	r := tl.verify(t)
	mustOK(t, r)
	if r.Size != 2 {
		t.Fatalf("Size = %d after failed batches, want 2", r.Size)
	}

	tl.store.mu.Lock()
	tl.store.failCommit = nil
	tl.store.mu.Unlock()
	if idx := tl.record(t, testRecord(9)); idx[0] != 2 {
		t.Fatalf("after recovery index = %d, want 2", idx[0])
	}
	mustOK(t, tl.verify(t))
}

func TestLog_Record_ContextCanceled(t *testing.T) {
	tl := newTestLog(t)
	started, release := holdUpdates(tl.store)
	defer release()

	first := recordAsync(context.Background(), tl.Log, records(testRecord(0)))
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	queued := recordAsync(ctx, tl.Log, records(testRecord(1)))
	waitPending(t, tl.Log, 1)
	cancel()
	if r := <-queued; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("canceled while queued: %v, %v", r.indexes, r.err)
	}
	release()
	if r := <-first; r.err != nil {
		t.Fatal(r.err)
	}
	tl.record(t, testRecord(2))
	r := tl.verify(t)
	mustOK(t, r)
	if r.Size != 2 {
		t.Fatalf("Size = %d, want 2: the canceled record must not be in the log", r.Size)
	}
}

func TestLog_Record_CanceledWhileCommitting(t *testing.T) {
	tl := newTestLog(t)
	started, release := holdUpdates(tl.store)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	res := recordAsync(ctx, tl.Log, records(testRecord(0)))
	<-started
	cancel()
	time.Sleep(10 * time.Millisecond)
	release()
	// The batch had begun: the answer is its outcome, not ctx.Err().
	if r := <-res; r.err != nil || fmt.Sprint(r.indexes) != "[0]" {
		t.Fatalf("Record = %v, %v, want [0]", r.indexes, r.err)
	}
}

func TestLog_Close(t *testing.T) {
	tl := newTestLog(t)
	started, release := holdUpdates(tl.store)
	first := recordAsync(context.Background(), tl.Log, records(testRecord(0)))
	<-started
	second := recordAsync(context.Background(), tl.Log, records(testRecord(1)))
	waitPending(t, tl.Log, 1)
	closed := make(chan error)
	go func() { closed <- tl.Close() }()
	release()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	// Close drained the queue: both were committed.
	for _, ch := range []<-chan asyncResult{first, second} {
		if r := <-ch; r.err != nil {
			t.Fatalf("Record = %v", r.err)
		}
	}
	mustOK(t, tl.verify(t))
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
