package evidence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aos-dev/aos"
)

// Problem is one finding of a verification.
type Problem struct {
	// Index is the first entry the problem concerns, -1 when it concerns a
	// checkpoint or the framing of an export rather than entries.
	Index int64 `json:"index"`
	// Last is the last entry of the range; Last == Index for one entry.
	Last int64 `json:"last"`
	// Message says what is wrong, naming the entries. It never contains a
	// payload.
	Message string `json:"message"`
}

// Report is the outcome of Verify or VerifyExport.
type Report struct {
	// Size is the number of entries the log (or export) claims.
	Size int64 `json:"size"`
	// Checkpoints is the number of signed checkpoints checked.
	Checkpoints int `json:"checkpoints"`
	// Redacted lists the entries whose payload was redacted.
	Redacted []int64 `json:"redacted,omitempty"`
	// StateRows is the number of rows of the state the entries build.
	StateRows int `json:"state_rows"`
	// Unanswered lists the call.authorized entries that no call.outcome
	// entry answers: calls in flight when the log was read, or whose
	// outcome a stop or a crash lost (outcomes are recorded after the
	// answer; the authorisation, before anything is sent). Not a problem.
	Unanswered []int64 `json:"unanswered,omitempty"`
	// OK is true when there is no problem.
	OK bool `json:"ok"`
	// Problems are sorted by Index; those that concern no entry come first.
	Problems []Problem `json:"problems,omitempty"`
}

// FirstBad returns the problem naming the lowest entry or, when no problem
// names an entry, the first problem. It returns nil when r is OK.
func (r *Report) FirstBad() *Problem {
	for i := range r.Problems {
		if r.Problems[i].Index >= 0 {
			return &r.Problems[i]
		}
	}
	if len(r.Problems) > 0 {
		return &r.Problems[0]
	}
	return nil
}

// Source names used in problem messages.
const (
	sourceStore  = "the store"
	sourceFile   = "the checkpoint file"
	sourceExport = "the export"
)

// verifyChunk is how many entries Verify reads at a time.
const verifyChunk = 4096

// Verify re-derives the whole evidence log in store and checks it, in the
// manner of a file-system check. In one read transaction it reads every
// entry by index and reports missing rows, rows holding another index's leaf,
// leaves that do not decode canonically, payloads that do not match their
// commitment (unless redacted), and leaf hashes that differ from the stored
// ones. It then recomputes the tree from the leaves alone and checks every
// stored checkpoint: signature valid under verifier, one origin throughout,
// root equal to the recomputed root at its size. Interior stored hashes
// (those proofs are made from) are compared with the recomputed ones as the
// tree is recomputed; one missing or not 32 bytes long is a problem too.
// Where the store's transactions offer aos.EvidenceScanTx, the entries and
// hashes are read through it (see verifyread.go).
//
// If checkpointFile is not "" and exists, its checkpoints are checked the same
// way. It is read before the store, so that checkpoints appended meanwhile
// are already in the store's snapshot. This is what catches a store whose tail
// was cut together with its newest checkpoints; without the file such a cut
// is undetectable.
//
// Where a checkpoint root is the only sign of an edit, the report bounds the
// first bad entry by the last checkpoint that matches and the first that does
// not. Verify needs only the public key. It returns an error only when it
// cannot read the store or the file; everything wrong with their content is a
// Problem in the report.
func Verify(ctx context.Context, store aos.Store, verifier note.Verifier, checkpointFile string) (*Report, error) {
	if store == nil || verifier == nil {
		return nil, errors.New("evidence: verify: no store or verifier")
	}
	var fileNotes [][]byte
	fileMissing := false
	if checkpointFile != "" {
		data, err := os.ReadFile(checkpointFile)
		if errors.Is(err, fs.ErrNotExist) {
			fileMissing = true
		} else if err != nil {
			return nil, fmt.Errorf("evidence: verify: %w", err)
		}
		fileNotes = completeNotes(data)
	}
	var c *checker
	var fileOpened []openedNote
	err := store.View(ctx, func(tx aos.Tx) error {
		size, err := tx.LogSize(ctx)
		if err != nil {
			return err
		}
		c = newChecker(verifier, size, true)
		c.reserveTree(size)
		cps, err := tx.Checkpoints(ctx)
		if err != nil {
			return err
		}
		// The signatures are checked while the rows are read.
		notes := make([][]byte, 0, len(cps)+len(fileNotes))
		for _, cp := range cps {
			notes = append(notes, cp.Signed)
		}
		notes = append(notes, fileNotes...)
		waitNotes, cancelNotes := openNotes(notes, verifier)
		if err := verifyRows(ctx, tx, c); err != nil {
			cancelNotes()
			return err
		}
		opened := waitNotes()
		for i, cp := range cps {
			c.checkpointOpened(sourceStore, fmt.Sprintf("checkpoint of size %d", cp.Size), opened[i], cp.Size)
		}
		fileOpened = opened[len(cps):]
		if c.replay.incomplete {
			c.add(-1, -1, "state: not compared, since the log's entries are not all readable")
			return nil
		}
		stored, err := LoadState(ctx, tx)
		if err != nil {
			return err
		}
		c.compareState(stored)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("evidence: verify: %w", err)
	}
	for i := range fileNotes {
		c.checkpointOpened(sourceFile, fmt.Sprintf("note %d", i+1), fileOpened[i], -1)
	}
	if fileMissing && c.size > 0 {
		c.add(-1, -1, "the checkpoint file %s is missing: without it, entries cut from the end of the store together with their checkpoints cannot be noticed (restore it, or pass --no-checkpoint-file to accept that weaker check)", checkpointFile)
	}
	return c.report(), nil
}

// verifyRows feeds c every position of the log, chunk by chunk, with the
// tree hashes stored up to it, then the rows stored beyond the log's size.
func verifyRows(ctx context.Context, tx aos.EvidenceTx, c *checker) error {
	r := newLogReader(tx)
	read := make(chan *chunk, 2)
	decoded := make(chan *chunk, 2)
	stop := make(chan struct{})
	defer close(stop)
	go readChunks(ctx, r, c.size, read, stop)
	go decodeChunks(read, decoded, stop)
	for ch := range decoded {
		if ch.err != nil {
			return ch.err
		}
		base := tlog.StoredHashIndex(0, ch.from)
		rows := ch.rows
		j := 0
		for i := ch.from; i < ch.to; i++ {
			for ; j < len(rows) && rows[j].Index < i; j++ {
				c.extra(rows[j], "duplicate or misplaced row")
			}
			leaf := ch.stored[tlog.StoredHashIndex(0, i)-base]
			if j < len(rows) && rows[j].Index == i {
				c.presentDecoded(rows[j], leaf, ch.decoded[j])
				j++
			} else {
				c.absent(i, leaf)
			}
		}
		for ; j < len(rows); j++ {
			c.extra(rows[j], "duplicate or misplaced row")
		}
		c.compareInterior(base, ch.stored)
	}
	beyond, err := r.entries(ctx, c.size, math.MaxInt64)
	if err != nil {
		return err
	}
	c.finishEntries()
	for _, row := range beyond {
		c.extra(row, fmt.Sprintf("row beyond the log size %d", c.size))
	}
	return nil
}

// completeNotes returns the notes of a checkpoint file, leaving out a last
// one that is not complete: being written as Verify reads, or cut short by
// a crash. It is not a checkpoint yet, and the store holds it (the file is
// only ever written after the store).
func completeNotes(data []byte) [][]byte {
	notes := SplitCheckpointFile(data)
	if n := len(notes); n > 0 && (!bytes.HasSuffix(data, []byte("\n\n")) || !bytes.Contains(notes[n-1], []byte("\n\u2014 "))) {
		notes = notes[:n-1]
	}
	return notes
}

// Verify runs Verify on the log's own store, with its verifier and its
// checkpoint file: `aos evidence verify` as the server can run it. It reads
// the whole log, so callers run it on demand or cache its report with the
// Size it covered.
func (l *Log) Verify(ctx context.Context) (*Report, error) {
	return Verify(ctx, l.store, l.verifier, l.checkpointFile)
}
