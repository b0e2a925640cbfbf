package evidence

import (
	"log/slog"
	"os"
	"sync"
	"time"
)

// witness writes signed checkpoints to the checkpoint file off the commit
// path. The store has made each checkpoint durable before the witness sees
// it, and the file only has to be a copy that is never ahead of the store
// (Verify checks the store against it), so the committer hands notes over
// and goes on; notes queued while a write is under way, or in the
// witnessInterval after it, go out together, with one fsync.
//
// The file keeps what the store keeps (see DefaultCheckpointSpan): every kept
// checkpoint, and after them the latest, which each write replaces. The
// file is cut back to its kept notes before the write appends the new
// ones, so a crash between the two leaves it without its latest note
// (behind the store, which it may be) and never with a torn note between
// complete ones.
type witness struct {
	f      *os.File // opened for appending
	logger *slog.Logger
	queue  chan witnessNote
	done   chan struct{}

	// kept is the length of the file's kept notes and latest the length
	// of the note after them, which the next write replaces (0 when the
	// file ends with a kept note). Only run touches them.
	kept, latest int64

	mu      sync.Mutex
	cond    *sync.Cond
	pending int // notes added and not yet written
}

// witnessNote is a signed checkpoint for the file, and whether it is kept.
type witnessNote struct {
	signed []byte
	kept   bool
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

// newWitness starts the writer of f. Whatever f holds already is kept.
func newWitness(f *os.File, logger *slog.Logger) (*witness, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	w := &witness{f: f, logger: logger, queue: make(chan witnessNote, witnessQueue), done: make(chan struct{}), kept: fi.Size()}
	w.cond = sync.NewCond(&w.mu)
	go w.run()
	return w, nil
}

// add queues a signed checkpoint for the file; kept says whether it stays
// once a later one is written (keptCheckpoint).
func (w *witness) add(signed []byte, kept bool) {
	w.mu.Lock()
	w.pending++
	w.mu.Unlock()
	w.queue <- witnessNote{signed, kept}
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
	var buf []byte
	for first := range w.queue {
		group := []witnessNote{first}
	drain:
		for {
			select {
			case next, ok := <-w.queue:
				if !ok {
					break drain
				}
				group = append(group, next)
			default:
				break drain
			}
		}
		// The group's kept notes, then its last one if that is not kept:
		// the notes between are superseded by it, as in the store.
		buf, latest := buf[:0], 0
		for i, n := range group {
			if n.kept || i == len(group)-1 {
				buf = append(append(buf, n.signed...), '\n')
				if !n.kept {
					latest = len(n.signed) + 1
				}
			}
		}
		wrote := time.Now()
		if err := w.write(buf, int64(latest)); err != nil {
			// The checkpoints are in the store; the next write supersedes
			// these in the file.
			w.logger.Error("evidence: checkpoint file not written", "checkpoints", len(group), "err", err)
		}
		w.mu.Lock()
		w.pending -= len(group)
		w.cond.Broadcast()
		w.mu.Unlock()
		time.Sleep(time.Until(wrote.Add(witnessInterval)))
	}
}

// write cuts the file back to its kept notes, appends b, whose last
// latest bytes are a note that is not kept, and syncs.
func (w *witness) write(b []byte, latest int64) error {
	if w.latest > 0 {
		if err := w.f.Truncate(w.kept); err != nil {
			return w.resync(err)
		}
		w.latest = 0
	}
	if _, err := w.f.Write(b); err != nil {
		return w.resync(err)
	}
	if err := w.f.Sync(); err != nil {
		return w.resync(err)
	}
	w.kept += int64(len(b)) - latest
	w.latest = latest
	return nil
}

// resync takes the file as it is after a failed write, keeping all of it,
// and returns err.
func (w *witness) resync(err error) error {
	w.latest = 0
	if fi, serr := w.f.Stat(); serr == nil {
		w.kept = fi.Size()
	}
	return err
}

// close writes what is queued and closes the file.
func (w *witness) close() error {
	close(w.queue)
	<-w.done
	return w.f.Close()
}
