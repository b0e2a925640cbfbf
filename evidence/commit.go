package evidence

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aos-dev/aos"
)

// errRequestFailed rolls back a batch transaction because one request's fn
// (or one of its records) failed; the batch is then re-run without it.
var errRequestFailed = errors.New("evidence: a request in the batch failed")

// errUnavailable is what every waiter of a batch gets when the store cannot
// take it. The detail goes to the log, never to callers.
var errUnavailable = aos.Errorf(aos.EEvidenceUnavailable, "evidence log unavailable")

// batchOutcome is what one attempt at committing a batch produced.
type batchOutcome struct {
	indexes [][]int64        // per request
	signed  []byte           // the new checkpoint; nil if the batch added no entry
	kept    bool             // whether signed stays stored once superseded (keptCheckpoint)
	size    int64            // the log size after the batch
	digest  string           // the state digest after the batch
	hashes  *batchHashReader // the tree hashes the batch read and wrote

	failed int   // index in the batch of the request that failed, or -1
	reqErr error // its error
}

// commitBatch commits batch in one store transaction, re-running it without
// any request that fails, and answers every request in it.
func (l *Log) commitBatch(batch []*request) {
	start := time.Now()
	for len(batch) > 0 {
		out, err := l.tryBatch(batch)
		if out.failed >= 0 && errors.Is(err, errRequestFailed) {
			batch[out.failed].reply(nil, out.reqErr)
			batch = slices.Delete(batch, out.failed, out.failed+1)
			continue
		}
		if err != nil {
			l.logger.Error("evidence: batch not committed", "requests", len(batch), "err", err)
			l.observeBatch(len(batch), 0, start, err)
			for _, req := range batch {
				req.reply(nil, errUnavailable)
			}
			return
		}
		entries := 0
		for _, ix := range out.indexes {
			entries += len(ix)
		}
		c := &committed{batch: batch, out: out, entries: entries, start: start}
		if l.syncer != nil {
			l.toSync <- c
		} else {
			l.answer(c, nil)
		}
		return
	}
}

// tryBatch runs one store transaction for batch: each request's fn, then the
// entries, tree hashes and signed checkpoint of everything they recorded.
// Each fn writes through a recordingTx, so the state rows it changes enter
// its first record; the checkpoint states the digest of the state after the
// batch.
func (l *Log) tryBatch(batch []*request) (batchOutcome, error) {
	ctx := context.Background() // a batch, once begun, completes
	var out batchOutcome
	var work *workState
	if l.syncFailed.Swap(false) {
		l.forget()
	}
	err := l.update(ctx, func(tx aos.Tx) error {
		// Update may run this more than once; start afresh each time.
		out = batchOutcome{indexes: make([][]int64, len(batch)), failed: -1}
		size, err := tx.LogSize(ctx)
		if err != nil {
			return fmt.Errorf("log size: %w", err)
		}
		if err := l.stateAt(ctx, tx, size); err != nil {
			return fmt.Errorf("state: %w", err)
		}
		work = newWorkState(l.proj.state)
		now := l.now().UTC().Round(0)
		if l.othersSeen {
			l.othersAt.Store(now.UnixNano())
			l.othersSeen = false
		}
		// Most requests record one entry.
		entries := make([]aos.StoredEntry, 0, len(batch)+1)
		if l.proj.baseline {
			entries, err = buildEntries(entries, size, now, []aos.Record{{
				Kind: KindStateBaseline, Actor: "system", State: l.proj.state.Changes(),
				Attrs: map[string]string{"reason": "the log's state images are older than this version of aos", "state_version": strconv.Itoa(StateVersion)},
			}})
			if err != nil {
				return err
			}
		}
		for i, req := range batch {
			rtx := &recordingTx{Tx: tx, work: work, log: l}
			records, err := runFn(req.fn, rtx)
			if err == nil && len(rtx.changes) > 0 {
				if len(records) == 0 {
					err = errStateWithoutRecord
				} else {
					records[0].State = append(records[0].State, rtx.changes...)
				}
			}
			if err == nil {
				entries, err = buildEntries(entries, size+int64(len(entries)), now, records)
			}
			if err != nil {
				out.failed, out.reqErr = i, err
				return errRequestFailed
			}
			out.indexes[i] = indexesOf(entries[len(entries)-len(records):])
		}
		if len(entries) == 0 {
			out.size = size
			return nil
		}
		out.size = size + int64(len(entries))
		out.digest = l.proj.digest
		if work.changed {
			out.digest = work.digest()
		}
		out.signed, out.hashes, err = l.appendEntries(ctx, tx, size, entries, out.digest)
		out.kept = l.keptCheckpoint(size, out.size)
		return err
	})
	if err == nil && out.signed != nil {
		work.commit()
		l.proj = projection{state: l.proj.state, size: out.size, digest: out.digest}
		if work.changed {
			l.gen.Add(1)
		}
		l.keepHashes(out.hashes, out.size)
	} else if err != nil && !errors.Is(err, errRequestFailed) {
		// The store may have moved on without us (or failed half-way):
		// prove the state again next time.
		l.forget()
	}
	return out, err
}

// forget drops what the committer knows of the store, so that the next
// batch proves the state again from it.
func (l *Log) forget() {
	l.proj = projection{}
	l.gen.Add(1)
	l.hashes = nil
}

// DefaultCheckpointSpan is how many sizes of the log share one kept
// checkpoint unless Config.CheckpointSpan says otherwise. Every batch signs
// a checkpoint of the new tree and stores it in its transaction, so every
// entry any caller heard of is covered by a signed checkpoint; the
// checkpoint it supersedes is dropped in the same transaction unless it is
// the first stored for a size in its span (from a multiple of the span to
// the next). The store thus keeps the latest checkpoint and about one per
// span of entries, however the entries came in batches, and Verify checks
// a signature per span instead of one per batch. The checkpoint file keeps
// the same ones (see witness).
const DefaultCheckpointSpan = 1024

// spanStart returns the first size of the span size is in.
func (l *Log) spanStart(size int64) int64 { return size - size%l.span }

// keptCheckpoint says whether the checkpoint a batch adds to a log of the
// given size, making it newSize, is kept once later batches supersede it:
// when it is the first of its span, that is, when the log had none before
// (size 0) or its last checkpoint, of size, is in an earlier span.
func (l *Log) keptCheckpoint(size, newSize int64) bool {
	return size == 0 || size < l.spanStart(newSize)
}

// appendEntries stores entries, which continue a log of the given size, with
// their tree hashes, and a signed checkpoint of the new tree stating the
// state digest, dropping the checkpoint it supersedes (see DefaultCheckpointSpan).
// It returns the checkpoint.
func (l *Log) appendEntries(ctx context.Context, tx aos.EvidenceTx, size int64, entries []aos.StoredEntry, state string) ([]byte, *batchHashReader, error) {
	newSize := size + int64(len(entries))
	r := &batchHashReader{stored: storeHashReader{ctx, tx}, start: tlog.StoredHashIndex(0, size), known: l.hashes}
	r.hashes = make([]tlog.Hash, 0, tlog.StoredHashCount(newSize)-r.start)
	for i, e := range entries {
		hashes, err := tlog.StoredHashes(size+int64(i), e.Leaf, r)
		if err != nil {
			return nil, nil, fmt.Errorf("tree hashes: %w", err)
		}
		r.hashes = append(r.hashes, hashes...)
	}
	root, err := tlog.TreeHash(newSize, r)
	if err != nil {
		return nil, nil, fmt.Errorf("tree hash: %w", err)
	}
	// The checkpoint is signed on another goroutine while the store takes
	// the entries: signing costs about as much as the inserts, and both
	// are on the path of every caller in the batch.
	type signature struct {
		signed []byte
		err    error
	}
	signing := make(chan signature, 1)
	go func() {
		signed, err := SignCheckpoint(Checkpoint{Origin: l.origin, Size: newSize, Root: root, State: state, StateVersion: StateVersion}, l.signer)
		signing <- signature{signed, err}
	}()
	hashes := make([][32]byte, len(r.hashes))
	for i, h := range r.hashes {
		hashes[i] = h
	}
	err = tx.AppendEntries(ctx, entries, r.start, hashes)
	sig := <-signing
	if err != nil {
		return nil, nil, fmt.Errorf("append entries: %w", err)
	}
	signed, err := sig.signed, sig.err
	if err != nil {
		return nil, nil, err
	}
	if size > 0 {
		// The checkpoint of the log before this batch is superseded by
		// this one unless it is the first of its span (see
		// DefaultCheckpointSpan).
		if err := tx.DropCheckpoint(ctx, size, l.spanStart(size)); err != nil {
			return nil, nil, fmt.Errorf("drop checkpoint: %w", err)
		}
	}
	if err := tx.AddCheckpoint(ctx, newSize, signed); err != nil {
		return nil, nil, fmt.Errorf("add checkpoint: %w", err)
	}
	return signed, r, nil
}

// runFn calls fn, turning a panic into an error for its caller alone, so
// that one faulty caller cannot stop the committer.
func runFn(fn func(aos.Tx) ([]aos.Record, error), tx aos.Tx) (records []aos.Record, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("evidence: record function panicked: %v", p)
		}
	}()
	return fn(tx)
}

// buildEntries turns records into stored entries starting at index first
// and appends them to out: each gets its index, the batch time, and, when
// it has a payload, a fresh random salt and the commitment in its leaf. On
// error, out is returned as it came.
func buildEntries(out []aos.StoredEntry, first int64, now time.Time, records []aos.Record) ([]aos.StoredEntry, error) {
	n := len(out)
	for i, r := range records {
		if r.Kind == "" {
			return out[:n], fmt.Errorf("evidence: record %d has no kind", i)
		}
		e := aos.Entry{Index: first + int64(i), Time: now, Record: r}
		se := aos.StoredEntry{Index: e.Index}
		if len(r.Payload) > 0 {
			if !json.Valid(r.Payload) {
				return out[:n], fmt.Errorf("evidence: record %d (%s): payload is not valid JSON", i, r.Kind)
			}
			// The salt and a copy of the payload share one allocation.
			buf := make([]byte, SaltSize+len(r.Payload))
			se.Salt = buf[:SaltSize:SaltSize]
			rand.Read(se.Salt)
			se.Payload = buf[SaltSize:]
			copy(se.Payload, r.Payload)
			e.Commitment = Commit(se.Salt, se.Payload)
		}
		leaf, err := EncodeLeaf(e)
		if err != nil {
			return out[:n], fmt.Errorf("evidence: record %d (%s): %w", i, r.Kind, err)
		}
		se.Leaf = leaf
		out = append(out, se)
	}
	return out, nil
}

func indexesOf(entries []aos.StoredEntry) []int64 {
	out := make([]int64, len(entries))
	for i, e := range entries {
		out[i] = e.Index
	}
	return out
}

// batchHashReader reads tree hashes from the store, and those computed
// earlier in the same batch (storage indexes from start on) or known from
// earlier batches from memory.
type batchHashReader struct {
	stored storeHashReader
	start  int64
	hashes []tlog.Hash
	known  map[int64]tlog.Hash // from earlier committed batches; read only
	read   map[int64]tlog.Hash // what this batch read from the store
}

// keepHashes keeps, after a batch committed the log up to size, the tree
// hashes the next batch needs: the roots of the complete subtrees that
// make up the tree of that size (its right edge, at most one per level).
// Appending a leaf combines it only with those and with hashes of its own
// batch, and the tree hash of a larger size reads no others, so the next
// batch of this log reads no hash from the store. A stored hash never
// changes (its position in the tree fixes it), so only this log's own
// commits feed the map, and a failed batch empties it.
func (l *Log) keepHashes(r *batchHashReader, size int64) {
	if r == nil {
		return
	}
	edge := make(map[int64]tlog.Hash, bits.OnesCount64(uint64(size)))
	for level := 0; size>>level > 0; level++ {
		if (size>>level)&1 == 0 {
			continue
		}
		x := tlog.StoredHashIndex(level, size>>level-1)
		if h, ok := r.lookup(x); ok {
			edge[x] = h
		}
	}
	l.hashes = edge
}

// lookup returns the tree hash at storage index x if the batch computed,
// read or knew it.
func (r *batchHashReader) lookup(x int64) (tlog.Hash, bool) {
	if x >= r.start && x < r.start+int64(len(r.hashes)) {
		return r.hashes[x-r.start], true
	}
	if h, ok := r.read[x]; ok {
		return h, true
	}
	h, ok := r.known[x]
	return h, ok
}

func (r *batchHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var stored []int64
	for i, x := range indexes {
		switch {
		case x >= r.start+int64(len(r.hashes)):
			return nil, fmt.Errorf("tree hash %d not yet computed", x)
		case x >= r.start:
			out[i] = r.hashes[x-r.start]
		default:
			if h, ok := r.known[x]; ok {
				out[i] = h
			} else {
				stored = append(stored, x)
			}
		}
	}
	if len(stored) == 0 {
		return out, nil
	}
	got, err := r.stored.ReadHashes(stored)
	if err != nil {
		return nil, err
	}
	if r.read == nil {
		r.read = make(map[int64]tlog.Hash, len(stored))
	}
	for j, x := range stored {
		r.read[x] = got[j]
	}
	for i, x := range indexes {
		if h, ok := r.read[x]; ok && x < r.start {
			out[i] = h
		}
	}
	return out, nil
}

// readStoredHashes reads tree hashes from the store, checking the count.
func readStoredHashes(ctx context.Context, tx aos.EvidenceTx, indexes []int64) ([]tlog.Hash, error) {
	got, err := tx.ReadHashes(ctx, indexes)
	if err != nil {
		return nil, err
	}
	if len(got) != len(indexes) {
		return nil, fmt.Errorf("store returned %d hashes for %d indexes", len(got), len(indexes))
	}
	out := make([]tlog.Hash, len(got))
	for i, h := range got {
		out[i] = h
	}
	return out, nil
}

// storeHashReader reads tree hashes from a store transaction.
type storeHashReader struct {
	ctx context.Context
	tx  aos.EvidenceTx
}

func (r storeHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return readStoredHashes(r.ctx, r.tx, indexes)
}
