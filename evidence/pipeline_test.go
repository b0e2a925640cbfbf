package evidence

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
)

// syncStore is a memStore whose commits become durable only at Sync
// (a DeferredSyncer): committed counts the unsynced commits, durable the
// commits the last Sync covered. A test holds Sync with gate and fails it
// with fail.
type syncStore struct {
	*memStore

	mu        sync.Mutex
	committed int
	durable   int
	syncs     int
	gate      chan struct{} // if set, each Sync waits for a value
	entered   chan struct{} // if set, each Sync sends on entry
	fail      error         // if set, Sync returns it
}

func (s *syncStore) UpdateUnsynced(ctx context.Context, fn func(aos.Tx) error) error {
	if err := s.memStore.Update(ctx, fn); err != nil {
		return err
	}
	s.mu.Lock()
	s.committed++
	s.mu.Unlock()
	return nil
}

func (s *syncStore) Sync(ctx context.Context) error {
	s.mu.Lock()
	covered, gate, entered, fail := s.committed, s.gate, s.entered, s.fail
	s.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	if fail != nil {
		return fail
	}
	s.mu.Lock()
	s.durable = max(s.durable, covered)
	s.syncs++
	s.mu.Unlock()
	return nil
}

func (s *syncStore) counts() (committed, durable int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.committed, s.durable
}

func newSyncLog(t *testing.T, s *syncStore) (*Log, string) {
	t.Helper()
	signer, verifier := newTestKeys(t)
	cp := filepath.Join(t.TempDir(), "checkpoints")
	l, err := New(Config{Store: s, Signer: signer, Verifier: verifier, Origin: testOrigin,
		CheckpointFile: cp, Now: newFakeClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, cp
}

// waitFor polls cond (the committer and syncer run on their own
// goroutines); it fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestLog_Pipelined: on a DeferredSyncer the committer commits the next
// batch while the last one syncs, and nobody hears of a batch before a sync
// that covers it returned; its checkpoint reaches the file only then.
func TestLog_Pipelined(t *testing.T) {
	s := &syncStore{memStore: newMemStore(), gate: make(chan struct{}), entered: make(chan struct{}, 16)}
	l, cpFile := newSyncLog(t, s)
	ctx := context.Background()

	a := recordAsync(ctx, l, records(testRecord(0)))
	<-s.entered // a is committed and its sync is held
	if c, d := s.counts(); c != 1 || d != 0 {
		t.Fatalf("committed %d, durable %d; want 1, 0", c, d)
	}
	b := recordAsync(ctx, l, records(testRecord(1)))
	// b commits while a's sync is still held: the pipeline.
	waitFor(t, "the second batch to commit during the first sync", func() bool { c, _ := s.counts(); return c == 2 })
	select {
	case r := <-a:
		t.Fatalf("first Record returned before its sync: %+v", r)
	case r := <-b:
		t.Fatalf("second Record returned before its sync: %+v", r)
	default:
	}
	if data, _ := os.ReadFile(cpFile); len(data) != 0 {
		t.Fatalf("checkpoint file written before the sync:\n%s", data)
	}
	s.gate <- struct{}{}
	ra := <-a
	if ra.err != nil || len(ra.indexes) != 1 || ra.indexes[0] != 0 {
		t.Fatalf("first Record = %+v", ra)
	}
	if _, d := s.counts(); d < 1 {
		t.Fatalf("first Record returned with %d commits durable", d)
	}
	<-s.entered
	s.gate <- struct{}{}
	rb := <-b
	if rb.err != nil || len(rb.indexes) != 1 || rb.indexes[0] != 1 {
		t.Fatalf("second Record = %+v", rb)
	}
	if _, d := s.counts(); d < 2 {
		t.Fatalf("second Record returned with %d commits durable", d)
	}
	s.mu.Lock()
	s.gate, s.entered = nil, nil
	s.mu.Unlock()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Verify(ctx, s.memStore, l.verifier, cpFile)
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, r)
	if r.Size != 2 {
		t.Fatalf("verified size %d, want 2", r.Size)
	}
}

// TestLog_Pipelined_SharesSyncs: many concurrent Record calls need far
// fewer syncs than calls, and every one is durable when answered.
func TestLog_Pipelined_SharesSyncs(t *testing.T) {
	s := &syncStore{memStore: newMemStore()}
	l, cpFile := newSyncLog(t, s)
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := l.Record(context.Background(), records(testRecord(i))); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	c, d := s.counts()
	if d != c {
		t.Fatalf("every Record answered, %d of %d commits durable", d, c)
	}
	l.Close()
	r, err := Verify(context.Background(), s.memStore, l.verifier, cpFile)
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, r)
	if r.Size != n {
		t.Fatalf("verified size %d, want %d", r.Size, n)
	}
	t.Logf("%d records, %d commits, %d syncs", n, c, s.syncs)
}

// TestLog_Pipelined_SyncFails: a batch whose sync fails is answered as not
// committed (evidence_unavailable), and the log goes on once syncs work.
func TestLog_Pipelined_SyncFails(t *testing.T) {
	s := &syncStore{memStore: newMemStore(), fail: errors.New("disk on fire")}
	l, cpFile := newSyncLog(t, s)
	ctx := context.Background()
	_, err := l.Record(ctx, records(testRecord(0)))
	if aos.ErrorCode(err) != aos.EEvidenceUnavailable {
		t.Fatalf("Record with a failing sync = %v, want %s", err, aos.EEvidenceUnavailable)
	}
	s.mu.Lock()
	s.fail = nil
	s.mu.Unlock()
	idx, err := l.Record(ctx, records(testRecord(1)))
	if err != nil || len(idx) != 1 {
		t.Fatalf("Record after the sync recovered = %v, %v", idx, err)
	}
	l.Close()
	r, err := Verify(ctx, s.memStore, l.verifier, cpFile)
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, r)
}
