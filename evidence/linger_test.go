package evidence

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aos-dev/aos"
)

// batchSizes records the requests of every batch a log commits.
type batchSizes struct{ sizes chan int }

func (b *batchSizes) Batch(requests, _ int, _ time.Duration, err error) {
	if err == nil {
		b.sizes <- requests
	}
}

// TestLog_SubmittedWaitForARecord: a submitted function (an outcome)
// waits, while nothing else is queued, for a Record to share its batch,
// so that an outcome does not take a batch and a sync of its own just
// before an authorisation needs one; alone, it is committed once the
// linger is over; Close commits it at once.
func TestLog_SubmittedWaitForARecord(t *testing.T) {
	s, v := newTestKeys(t)
	obs := &batchSizes{sizes: make(chan int, 64)}
	l, err := New(Config{Store: newMemStore(), Signer: s, Verifier: v, Origin: testOrigin, Now: newFakeClock().Now, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	record := func(i int) func(aos.Tx) ([]aos.Record, error) {
		return func(aos.Tx) ([]aos.Record, error) { return []aos.Record{testRecord(i)}, nil }
	}
	// A Submit, then a Record a fraction of the linger later (the
	// committer has seen the Submit by then): one batch. A machine that
	// stalls this goroutine for the whole linger splits a few pairs, so
	// most pairs must share.
	shared := 0
	const pairs = 20
	for i := range pairs {
		if err := l.Submit(record(2*i), nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(submittedLinger / 8)
		if _, err := l.Record(context.Background(), record(2*i+1)); err != nil {
			t.Fatal(err)
		}
		n := <-obs.sizes
		if n == 1 {
			<-obs.sizes // the pair's other batch
		} else {
			shared++
		}
	}
	if shared < pairs*3/4 {
		t.Fatalf("%d of %d submitted outcomes shared the batch of the Record that followed them", shared, pairs)
	}

	// Alone, it is committed after the linger.
	var done atomic.Bool
	start := time.Now()
	if err := l.Submit(record(100), func(_ []int64, err error) { done.Store(err == nil) }); err != nil {
		t.Fatal(err)
	}
	if n := <-obs.sizes; n != 1 {
		t.Fatalf("a lone submitted function was committed in a batch of %d", n)
	}
	if took := time.Since(start); took < submittedLinger/2 {
		t.Fatalf("a lone submitted function was committed after %v, before lingering", took)
	}
	for deadline := time.Now().Add(5 * time.Second); !done.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the lone submitted function was not answered")
		}
	}

	// Close does not linger.
	done.Store(false)
	if err := l.Submit(record(101), func(_ []int64, err error) { done.Store(err == nil) }); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	l.Close()
	if !done.Load() {
		t.Fatal("Close did not commit the submitted function")
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Close took %v", took)
	}
}
