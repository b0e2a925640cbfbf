package evidence

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aos-dev/aos"
)

// maxBatch bounds how many Record calls share one store transaction.
const maxBatch = 256

// Config configures a Log.
type Config struct {
	// Store keeps the entries, tree hashes and checkpoints. Required.
	Store aos.Store
	// Signer signs checkpoints; Verifier is its public half. Both required,
	// and they must be a pair.
	Signer   note.Signer
	Verifier note.Verifier
	// Origin is the first line of every checkpoint, naming this log
	// ("aos.local/<instance id>"). Required.
	Origin string
	// CheckpointFile, if not "", is a file outside the store that holds the
	// checkpoints the store keeps (see DefaultCheckpointSpan), each written after
	// its commit (those committed within witnessInterval of each other in
	// one write), the latest replacing the one it supersedes. It lets
	// Verify notice a store whose tail was cut together with its newest
	// checkpoints. A failure to write it is logged, not returned: the
	// batch is committed by then, and the next batch's checkpoint
	// supersedes the lost one.
	CheckpointFile string
	// CheckpointSpan is how many sizes of the log share one kept
	// checkpoint; 0 means DefaultCheckpointSpan, and 1 keeps every
	// batch's checkpoint.
	CheckpointSpan int64
	// Now gives entry times. Required: the package reads no clock.
	Now func() time.Time
	// Logger receives the detail of store and file failures. Optional.
	Logger *slog.Logger
	// Observer, if set, is told of every batch (see Observer). Optional.
	Observer Observer
}

// Log is the evidence log of an instance. Concurrent Record calls are
// committed in batches by a single committer goroutine: while one batch
// commits, new calls queue for the next one. On a store that can commit
// without syncing (DeferredSyncer) the batches are pipelined: the committer
// commits a batch and goes on with the next while a second goroutine makes
// the committed ones durable with one sync and only then answers their
// callers, so a caller still hears of success only once its entries are
// durable, and a crash loses only batches nobody was told of (the store
// keeps commits in order, so a batch that survives has every earlier one).
//
// Each batch is one store transaction holding the callers' changes, their
// entries, the new tree hashes and a checkpoint of the new tree signed by
// Config.Signer, so that the store never holds an entry no checkpoint covers.
// The checkpoint is then queued for the checkpoint file, which is written off
// the commit path: callers hear of success without waiting for it. Leaves
// commit to payloads only through salted hashes, so that a later
// tx.RedactEntry removes a payload and Verify still passes.
//
// A Log is safe for concurrent use. Several Logs (in several processes) may
// append to one store: the store's LogSize serialises them. Close stops it.
type Log struct {
	store    aos.Store
	signer   note.Signer
	verifier note.Verifier
	origin   string
	now      func() time.Time
	logger   *slog.Logger
	observer Observer
	span     int64    // Config.CheckpointSpan, or its default
	witness  *witness // nil without a checkpoint file; fed only by the one goroutine that answers batches
	// syncer is the store when it can commit without syncing (see
	// DeferredSyncer); then batches pass through toSync to syncLoop, which
	// answers them once durable.
	syncer      DeferredSyncer
	toSync      chan *committed
	syncStopped chan struct{}
	syncFailed  atomic.Bool // set by syncLoop, cleared by the committer
	// checkpointFile is Config.CheckpointFile.
	checkpointFile string
	// proj is the state the log has built; only the committer touches it.
	proj projection
	// gen is the state generation: it moves whenever proj's state may have
	// changed (see StateGeneration).
	gen atomic.Uint64
	// others moves whenever a batch finds entries it did not append, and
	// othersAt is when it last moved, in Unix nanoseconds (see
	// OthersGeneration).
	others   atomic.Uint64
	othersAt atomic.Int64
	// othersSeen says the batch under way moved others; only the
	// committer touches it.
	othersSeen bool
	// hashes are tree hashes known from earlier batches (keepHashes); only
	// the committer touches them.
	hashes map[int64]tlog.Hash

	mu      sync.Mutex
	pending []*request
	closed  bool

	wake    chan struct{} // capacity 1: "pending changed or closed"
	stopped chan struct{} // closed when the committer has exited
}

var _ aos.EvidenceLog = (*Log)(nil)

// New checks cfg, opens the checkpoint file if any, and starts the committer.
func New(cfg Config) (*Log, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("evidence: no store")
	case cfg.Signer == nil || cfg.Verifier == nil:
		return nil, errors.New("evidence: no signer or verifier")
	case cfg.Now == nil:
		return nil, errors.New("evidence: no clock")
	case cfg.CheckpointSpan < 0:
		return nil, errors.New("evidence: negative checkpoint span")
	}
	if err := checkOrigin(cfg.Origin); err != nil {
		return nil, fmt.Errorf("evidence: origin %q: %w", cfg.Origin, err)
	}
	if err := checkKeyPair(cfg.Signer, cfg.Verifier); err != nil {
		return nil, err
	}
	l := &Log{
		store:    cfg.Store,
		signer:   cfg.Signer,
		verifier: cfg.Verifier,
		origin:   cfg.Origin,
		now:      cfg.Now,
		logger:   cfg.Logger,
		observer: cfg.Observer,
		span:     cmp.Or(cfg.CheckpointSpan, DefaultCheckpointSpan),
		wake:     make(chan struct{}, 1),
		stopped:  make(chan struct{}),

		checkpointFile: cfg.CheckpointFile,
	}
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CheckpointFile != "" {
		f, err := openCheckpointFile(cfg.CheckpointFile)
		if err != nil {
			return nil, fmt.Errorf("evidence: checkpoint file: %w", err)
		}
		if l.witness, err = newWitness(f, l.logger); err != nil {
			f.Close()
			return nil, fmt.Errorf("evidence: checkpoint file: %w", err)
		}
	}
	if ds, ok := cfg.Store.(DeferredSyncer); ok {
		l.syncer = ds
		l.toSync = make(chan *committed, syncQueue)
		l.syncStopped = make(chan struct{})
		go l.syncLoop()
	}
	go l.run()
	return l, nil
}

// checkKeyPair signs a probe note with s and opens it with v.
func checkKeyPair(s note.Signer, v note.Verifier) error {
	probe, err := note.Sign(&note.Note{Text: "aos evidence key check\n"}, s)
	if err != nil {
		return fmt.Errorf("evidence: signer: %w", err)
	}
	if _, err := note.Open(probe, note.VerifierList(v)); err != nil {
		return fmt.Errorf("evidence: signer and verifier keys do not match: %w", err)
	}
	return nil
}

// Request states. A request leaves stateQueued exactly once: the committer
// takes it into a batch, or its caller gives up on it first.
const (
	stateQueued int32 = iota
	stateTaken
	stateAbandoned
)

type request struct {
	ctx   context.Context
	fn    func(aos.Tx) ([]aos.Record, error)
	state atomic.Int32
	done  chan result // capacity 1; receives exactly one result once taken
	// then, if set (Submit), receives the result instead of done.
	then func([]int64, error)
	// at is when Submit queued it.
	at time.Time
}

type result struct {
	indexes []int64
	err     error
}

func (r *request) reply(indexes []int64, err error) {
	if r.then != nil {
		r.then(indexes, err)
		return
	}
	r.done <- result{indexes, err}
}

// errClosed is what Record returns once Close has begun.
var errClosed = aos.Errorf(aos.EEvidenceUnavailable, "evidence log closed")

// Record implements aos.EvidenceLog. It queues fn for the next batch and waits
// for the batch to commit and the indexes to be known. The batch's signed
// checkpoint is appended to the checkpoint file afterwards.
//
// fn runs on the committer goroutine inside the batch's store transaction,
// after the fns queued before it; it must use only the Tx it is given and
// must not call Record (that would wait for its own batch). The entries of
// one batch share one time, read from Config.Now when the batch begins.
//
// If ctx ends while the request is still queued, Record returns ctx.Err() and
// fn's changes are not committed. Once its batch has begun, Record waits for
// the batch to finish, so its answer is always definite: indexes means
// committed, an error means not committed. It returns fn's own error when fn
// fails, and an *aos.Error with code EEvidenceUnavailable when the store
// cannot take the batch or the log is closed.
func (l *Log) Record(ctx context.Context, fn func(aos.Tx) ([]aos.Record, error)) ([]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	req := &request{ctx: ctx, fn: fn, done: make(chan result, 1)}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, errClosed
	}
	l.pending = append(l.pending, req)
	l.mu.Unlock()
	l.signal()

	select {
	case r := <-req.done:
		return r.indexes, r.err
	case <-ctx.Done():
		if req.state.CompareAndSwap(stateQueued, stateAbandoned) {
			return nil, ctx.Err()
		}
		r := <-req.done // taken into a batch: its outcome is on the way
		return r.indexes, r.err
	}
}

// Submit queues fn for the next batch as Record does, but returns at once:
// then, if not nil, receives what Record would have returned, on the
// goroutine that answers batches once the batch is durable (it must return quickly
// and must not call Record or Submit). A submitted function is committed
// even if the log is closed meanwhile: Close commits everything queued.
// Submit returns an error, and then is not called, only when the log is
// already closed.
//
// It is for what may be recorded after the fact: the outcome of a call
// whose authorisation Record has already made durable.
func (l *Log) Submit(fn func(aos.Tx) ([]aos.Record, error), then func([]int64, error)) error {
	if then == nil {
		then = func([]int64, error) {}
	}
	req := &request{ctx: context.Background(), fn: fn, then: then, at: time.Now()}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return errClosed
	}
	l.pending = append(l.pending, req)
	l.mu.Unlock()
	l.signal()
	return nil
}

// Close stops accepting records, commits those already queued, stops the
// committer, writes the checkpoints still queued for the file and closes
// it. It is safe to call more than once.
func (l *Log) Close() error {
	l.mu.Lock()
	already := l.closed
	l.closed = true
	l.mu.Unlock()
	l.signal()
	<-l.stopped
	if already || l.witness == nil {
		return nil
	}
	return l.witness.close()
}

func (l *Log) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// run is the committer: it commits whatever is queued, then sleeps until
// more arrives, and exits once closed and drained.
func (l *Log) run() {
	defer close(l.stopped)
	if l.syncer != nil {
		defer func() {
			close(l.toSync)
			<-l.syncStopped
		}()
	}
	for {
		if until := l.lingering(); until > 0 {
			t := time.NewTimer(until)
			select {
			case <-l.wake:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		batch, closed := l.take()
		if len(batch) > 0 {
			l.commitBatch(batch)
			continue
		}
		if closed {
			return
		}
		<-l.wake
	}
}

// submittedLinger is how long submitted functions (Submit: outcomes, which
// nobody waits for) may wait, when nothing else is queued, for a Record
// to share their batch. Each batch costs a transaction, a signature and a
// sync whatever it holds; an outcome-only batch also takes a sync cycle an
// authorisation arriving just after it would then wait for.
const submittedLinger = 2 * time.Millisecond

// lingering returns how much longer the committer lets the queued
// requests wait: only submitted ones are queued, the oldest for less than
// submittedLinger, and the log is open. It returns 0 when it should take
// them now.
func (l *Log) lingering() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || len(l.pending) == 0 || len(l.pending) >= maxBatch {
		return 0
	}
	for _, req := range l.pending {
		if req.then == nil {
			return 0
		}
	}
	return time.Until(l.pending[0].at.Add(submittedLinger))
}

// take claims up to maxBatch queued requests. Requests whose caller gave up
// are dropped; those whose context already ended are answered with its error.
func (l *Log) take() (batch []*request, closed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for n < len(l.pending) && len(batch) < maxBatch {
		req := l.pending[n]
		n++
		if err := req.ctx.Err(); err != nil {
			if req.state.CompareAndSwap(stateQueued, stateAbandoned) {
				req.reply(nil, err)
			}
			continue
		}
		if req.state.CompareAndSwap(stateQueued, stateTaken) {
			batch = append(batch, req)
		}
	}
	l.pending = append([]*request(nil), l.pending[n:]...)
	return batch, l.closed
}
