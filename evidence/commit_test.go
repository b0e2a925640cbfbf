package evidence

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
)

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
