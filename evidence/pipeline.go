package evidence

import (
	"context"
	"time"

	"github.com/aos-dev/aos"
)

// DeferredSyncer is a store that can commit a transaction without waiting
// for it to reach the disk, and make every such commit durable later. A
// Log on such a store pipelines its batches: while one group of committed
// batches is being made durable (Sync), the committer already commits the
// next, so concurrent Record calls share one sync and the committer never
// idles while the disk flushes.
//
// UpdateUnsynced commits like aos.Store.Update (the writes are visible to
// every later transaction) but may return before they are durable. Sync
// returns once every commit that returned before it was called is durable.
// Commits must reach the disk in commit order (a crash keeps a prefix of
// them), as a write-ahead log's do.
type DeferredSyncer interface {
	UpdateUnsynced(ctx context.Context, fn func(aos.Tx) error) error
	Sync(ctx context.Context) error
}

// syncQueue is how many committed batches may wait for a sync besides the
// one the committer is handing over. With none, the committer commits one
// batch while the last one syncs and then waits for the sync to take it,
// so the requests arriving meanwhile gather into one large next batch
// instead of several small ones: each batch costs a transaction, a signed
// checkpoint and a few pages of the write-ahead log whatever its size
// (with 64 writers, batches of 26-30 entries instead of 17, and about a
// tenth less CPU per entry; BenchmarkRecord_SQLite). The price: a request
// that arrives while the committer waits for the sync to take its batch
// goes out one commit and one sync later than it would if the committer
// could commit it ahead.
const syncQueue = 0

// committed is a batch that its store transaction has committed and that
// waits for a sync before its callers hear of it.
type committed struct {
	batch   []*request
	out     batchOutcome
	entries int
	start   time.Time
}

// update runs fn in one store transaction: unsynced when the log
// pipelines (the syncer makes it durable before anyone is answered).
func (l *Log) update(ctx context.Context, fn func(aos.Tx) error) error {
	if l.syncer != nil {
		return l.syncer.UpdateUnsynced(ctx, fn)
	}
	return l.store.Update(ctx, fn)
}

// syncLoop makes committed batches durable: it takes every batch committed
// so far, syncs the store once for all of them, and only then feeds their
// checkpoints to the checkpoint file and answers their callers. It exits
// once the committer has closed toSync and everything is answered.
func (l *Log) syncLoop() {
	defer close(l.syncStopped)
	for c := range l.toSync {
		group := []*committed{c}
	more:
		for {
			select {
			case c, ok := <-l.toSync:
				if !ok {
					break more
				}
				group = append(group, c)
			default:
				break more
			}
		}
		err := l.syncer.Sync(context.Background())
		if err != nil {
			// The commits may or may not be on disk: nobody is told they
			// are, and the committer proves the state again from the
			// store before its next batch.
			l.logger.Error("evidence: sync failed", "batches", len(group), "err", err)
			l.syncFailed.Store(true)
		}
		for _, c := range group {
			l.answer(c, err)
		}
	}
}

// answer tells a committed batch's callers its outcome once it is durable
// (err == nil) or cannot be said to be (err != nil).
func (l *Log) answer(c *committed, err error) {
	if err != nil {
		l.observeBatch(len(c.batch), 0, c.start, err)
		for _, req := range c.batch {
			req.reply(nil, errUnavailable)
		}
		return
	}
	if c.out.signed != nil && l.witness != nil {
		l.witness.add(c.out.signed, c.out.kept)
	}
	// Before the replies: a writer that has its answer finds its batch
	// counted.
	l.observeBatch(len(c.batch), c.entries, c.start, nil)
	for i, req := range c.batch {
		req.reply(c.out.indexes[i], nil)
	}
}
