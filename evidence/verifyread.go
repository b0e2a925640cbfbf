package evidence

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aos-dev/aos"
)

// How Verify reads the store: chunk by chunk, the entries of a chunk and
// every tree hash stored from its first leaf up to the next chunk's (the
// leaf hashes and the interior hashes those leaves complete), so that the
// stored hashes are compared as the tree is recomputed. One goroutine reads,
// one decodes and hashes the leaves (on every core), and the caller's checks
// the chunk in log order and replays it: the three overlap.

// storedHash is a stored tree hash as the checker sees it.
type storedHash struct {
	h     tlog.Hash
	state uint8 // hashMissing, hashStored or hashMalformed
}

const (
	hashMissing   uint8 = iota // no hash stored at the index
	hashStored                 // h is the stored hash
	hashMalformed              // the stored value is not 32 bytes
)

// logReader reads a range of the log: from the store's bulk reads
// (aos.EvidenceScanTx) where the transaction has them, or from Entries and
// ReadHashes.
type logReader interface {
	// entries returns the stored entries with from <= Index < to, by index.
	entries(ctx context.Context, from, to int64) ([]aos.StoredEntry, error)
	// hashes fills out[i] with the hash stored at storage index from+i.
	hashes(ctx context.Context, from int64, out []storedHash) error
}

func newLogReader(tx aos.EvidenceTx) logReader {
	if s, ok := tx.(aos.EvidenceScanTx); ok {
		return scanReader{s}
	}
	return txReader{tx}
}

// scanReader reads through aos.EvidenceScanTx.
type scanReader struct{ tx aos.EvidenceScanTx }

func (r scanReader) entries(ctx context.Context, from, to int64) ([]aos.StoredEntry, error) {
	var rows []aos.StoredEntry
	if to-from <= verifyChunk {
		rows = make([]aos.StoredEntry, 0, to-from)
	}
	last := from - 1
	err := r.tx.ScanEntries(ctx, from, to, func(e aos.StoredEntry) error {
		if e.Index <= last || e.Index >= to {
			return fmt.Errorf("store returned entry %d out of order in [%d, %d)", e.Index, from, to)
		}
		last = e.Index
		rows = append(rows, e)
		return nil
	})
	return rows, err
}

func (r scanReader) hashes(ctx context.Context, from int64, out []storedHash) error {
	to := from + int64(len(out))
	last := from - 1
	return r.tx.ScanHashes(ctx, from, to, func(x int64, h []byte) error {
		if x <= last || x >= to {
			return fmt.Errorf("store returned tree hash %d out of order in [%d, %d)", x, from, to)
		}
		last = x
		s := &out[x-from]
		if len(h) != tlog.HashSize {
			s.state = hashMalformed
			return nil
		}
		copy(s.h[:], h)
		s.state = hashStored
		return nil
	})
}

// txReader reads through Entries and ReadHashes.
type txReader struct{ tx aos.EvidenceTx }

func (r txReader) entries(ctx context.Context, from, to int64) ([]aos.StoredEntry, error) {
	return r.tx.Entries(ctx, from, to)
}

func (r txReader) hashes(ctx context.Context, from int64, out []storedHash) error {
	indexes := make([]int64, len(out))
	for i := range indexes {
		indexes[i] = from + int64(i)
	}
	got, err := readStoredHashes(ctx, r.tx, indexes)
	if err == nil {
		for i := range got {
			out[i] = storedHash{h: got[i], state: hashStored}
		}
		return nil
	}
	if aos.ErrorCode(err) != aos.ENotFound {
		return err
	}
	// Some are missing: find which, one by one.
	for i, x := range indexes {
		h, err := readStoredHashes(ctx, r.tx, []int64{x})
		switch {
		case err == nil:
			out[i] = storedHash{h: h[0], state: hashStored}
		case aos.ErrorCode(err) != aos.ENotFound:
			return err
		}
	}
	return nil
}

// chunk is the part of the log [from, to) on its way through verifyRows.
type chunk struct {
	from, to int64
	rows     []aos.StoredEntry
	decoded  []decodedRow
	// stored are the hashes stored at storage indexes from
	// StoredHashIndex(0, from) up to StoredHashIndex(0, to).
	stored []storedHash
	err    error
}

// readChunks sends the chunks of [0, size) on out, read by r, until one
// fails or stop is closed; then it closes out.
func readChunks(ctx context.Context, r logReader, size int64, out chan<- *chunk, stop <-chan struct{}) {
	defer close(out)
	for from := int64(0); from < size; from += verifyChunk {
		ch := &chunk{from: from, to: min(from+verifyChunk, size)}
		ch.rows, ch.err = r.entries(ctx, ch.from, ch.to)
		if ch.err == nil {
			lo := tlog.StoredHashIndex(0, ch.from)
			ch.stored = make([]storedHash, tlog.StoredHashIndex(0, ch.to)-lo)
			ch.err = r.hashes(ctx, lo, ch.stored)
		}
		select {
		case out <- ch:
		case <-stop:
			return
		}
		if ch.err != nil {
			return
		}
	}
}

// decodeChunks decodes the rows of each chunk from in, on every core, and
// passes the chunk on.
func decodeChunks(in <-chan *chunk, out chan<- *chunk, stop <-chan struct{}) {
	defer close(out)
	var decs []*rowDecoder
	for ch := range in {
		if ch.err == nil {
			ch.decoded = decodeRows(ch.rows, &decs)
		}
		select {
		case out <- ch:
		case <-stop:
			return
		}
	}
}

// openedNote is a signed note opened by OpenCheckpoint.
type openedNote struct {
	cp  Checkpoint
	err error
}

// openNotes opens every note with OpenCheckpoint on every core, in the
// background, and returns a function that waits for the results, in the
// order of notes. A note given twice (the store and the checkpoint file
// hold the same ones) is opened once: the outcome depends on its bytes and
// the verifier only. Calling cancel instead makes the workers stop early.
func openNotes(notes [][]byte, v note.Verifier) (wait func() []openedNote, cancel func()) {
	out := make([]openedNote, len(notes))
	first := make([]int, len(notes)) // the index of the first note with the same bytes
	seen := make(map[string]int, len(notes))
	var todo []int
	for i, n := range notes {
		if j, ok := seen[string(n)]; ok {
			first[i] = j
			continue
		}
		seen[string(n)] = i
		first[i] = i
		todo = append(todo, i)
	}
	var next atomic.Int64
	var stopped atomic.Bool
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(todo))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stopped.Load() {
				k := int(next.Add(1)) - 1
				if k >= len(todo) {
					return
				}
				i := todo[k]
				out[i].cp, out[i].err = OpenCheckpoint(notes[i], v)
			}
		}()
	}
	wait = func() []openedNote {
		wg.Wait()
		for i, j := range first {
			out[i] = out[j]
		}
		return out
	}
	cancel = func() {
		stopped.Store(true)
		wg.Wait()
	}
	return wait, cancel
}
