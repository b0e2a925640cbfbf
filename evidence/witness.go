package evidence

import (
	"log/slog"
	"os"
	"sync"
	"time"
)

// witness appends signed checkpoints to the checkpoint file off the commit
// path. The store has made each checkpoint durable before the witness sees
// it, and the file only has to be a copy that is never ahead of the store
// (Verify checks the store against it), so the committer hands notes over
// and goes on; notes queued while a write is under way, or in the
// witnessInterval after it, go out together, with one fsync.
type witness struct {
	f      *os.File
	logger *slog.Logger
	queue  chan []byte
	done   chan struct{}

	mu      sync.Mutex
	cond    *sync.Cond
	pending int // notes added and not yet written
}

// witnessQueue bounds how many checkpoints may wait for the file; the
// committer waits when it is full.
const witnessQueue = 256

// witnessInterval is the least time from one write of the file to the
// next: checkpoints committed meanwhile wait and go out together. Each
// write ends with an fsync, which costs about as much CPU and disk time as
// the store's own sync of a batch, and nobody waits for the file; left
// unthrottled it would sync once per batch beside the store's sync. A
// crash may cost the file the checkpoints of the last interval, which the
// file allows (it must never be ahead of the store, and may be behind).
const witnessInterval = 5 * time.Millisecond

func newWitness(f *os.File, logger *slog.Logger) *witness {
	w := &witness{f: f, logger: logger, queue: make(chan []byte, witnessQueue), done: make(chan struct{})}
	w.cond = sync.NewCond(&w.mu)
	go w.run()
	return w
}

// add queues a signed checkpoint for the file.
func (w *witness) add(signed []byte) {
	w.mu.Lock()
	w.pending++
	w.mu.Unlock()
	w.queue <- signed
}

// flush waits until every checkpoint added so far is in the file.
func (w *witness) flush() {
	w.mu.Lock()
	for w.pending > 0 {
		w.cond.Wait()
	}
	w.mu.Unlock()
}

func (w *witness) run() {
	defer close(w.done)
	for first := range w.queue {
		buf := append(append([]byte(nil), first...), '\n')
		n := 1
	drain:
		for {
			select {
			case next, ok := <-w.queue:
				if !ok {
					break drain
				}
				buf = append(append(buf, next...), '\n')
				n++
			default:
				break drain
			}
		}
		wrote := time.Now()
		if err := writeSynced(w.f, buf); err != nil {
			// The checkpoints are in the store; the next write supersedes
			// these in the file.
			w.logger.Error("evidence: checkpoint file not written", "checkpoints", n, "err", err)
		}
		w.mu.Lock()
		w.pending -= n
		w.cond.Broadcast()
		w.mu.Unlock()
		time.Sleep(time.Until(wrote.Add(witnessInterval)))
	}
}

// close writes what is queued and closes the file.
func (w *witness) close() error {
	close(w.queue)
	<-w.done
	return w.f.Close()
}

func writeSynced(f *os.File, b []byte) error {
	if _, err := f.Write(b); err != nil {
		return err
	}
	return f.Sync()
}
