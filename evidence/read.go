package evidence

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aos-dev/aos"
)

// Entries returns the entries with from <= Index < to, by index, decoded from
// their leaves. Payload is filled in unless the entry was redacted, in which
// case Redacted and RedactedAt say when. Entries checks that each leaf
// decodes and belongs at its index, and fails otherwise; the full check of
// payloads and tree is Verify's job.
func (l *Log) Entries(ctx context.Context, from, to int64) ([]aos.Entry, error) {
	if from < 0 || to < from {
		return nil, aos.Errorf(aos.EBadRequest, "bad entry range %d-%d", from, to)
	}
	var out []aos.Entry
	err := l.store.View(ctx, func(tx aos.Tx) error {
		var err error
		out, err = readEntries(ctx, tx, from, to)
		return err
	})
	return out, err
}

// Tail returns the last n entries (fewer if the log is shorter), by index.
func (l *Log) Tail(ctx context.Context, n int64) ([]aos.Entry, error) {
	if n < 0 {
		return nil, aos.Errorf(aos.EBadRequest, "bad entry count %d", n)
	}
	var out []aos.Entry
	err := l.store.View(ctx, func(tx aos.Tx) error {
		size, err := tx.LogSize(ctx)
		if err != nil {
			return err
		}
		out, err = readEntries(ctx, tx, max(size-n, 0), size)
		return err
	})
	return out, err
}

func readEntries(ctx context.Context, tx aos.EvidenceTx, from, to int64) ([]aos.Entry, error) {
	stored, err := tx.Entries(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]aos.Entry, 0, len(stored))
	for _, se := range stored {
		e, err := entryFromStored(se)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// entryFromStored decodes a stored entry's leaf and adds what lives beside it.
func entryFromStored(se aos.StoredEntry) (aos.Entry, error) {
	e, err := DecodeLeaf(se.Leaf)
	if err != nil {
		return aos.Entry{}, fmt.Errorf("evidence: entry %d: %w", se.Index, err)
	}
	if e.Index != se.Index {
		return aos.Entry{}, fmt.Errorf("evidence: entry %d holds the leaf of entry %d", se.Index, e.Index)
	}
	if se.RedactedAt != nil {
		t := se.RedactedAt.UTC()
		e.Redacted, e.RedactedAt = true, &t
	} else if len(se.Payload) > 0 {
		e.Payload = append([]byte(nil), se.Payload...)
	}
	return e, nil
}

// Latest returns the newest stored checkpoint: the size of the tree it signs
// and the signed note. An empty log has size 0 and no checkpoint.
func (l *Log) Latest(ctx context.Context) (size int64, signed []byte, err error) {
	err = l.store.View(ctx, func(tx aos.Tx) error {
		last, err := tx.LatestCheckpoint(ctx)
		if aos.ErrorCode(err) == aos.ENotFound {
			return nil
		} else if err != nil {
			return err
		}
		size, signed = last.Size, last.Signed
		return nil
	})
	return size, signed, err
}

// ProveEntry returns the proof that the tree of the given size contains the
// entry at index, to be checked with tlog.CheckRecord against the root of a
// checkpoint of that size and tlog.RecordHash of the entry's leaf.
func (l *Log) ProveEntry(ctx context.Context, index, size int64) (tlog.RecordProof, error) {
	var proof tlog.RecordProof
	err := l.store.View(ctx, func(tx aos.Tx) error {
		if err := checkProofSize(ctx, tx, size); err != nil {
			return err
		}
		if index < 0 || index >= size {
			return aos.Errorf(aos.EBadRequest, "entry %d is not in a tree of size %d", index, size)
		}
		var err error
		proof, err = tlog.ProveRecord(size, index, storeHashReader{ctx, tx})
		return err
	})
	return proof, err
}

// ProveTree returns the proof that the tree of the given size extends the
// tree of oldSize, to be checked with tlog.CheckTree against the roots of
// two checkpoints.
func (l *Log) ProveTree(ctx context.Context, size, oldSize int64) (tlog.TreeProof, error) {
	var proof tlog.TreeProof
	err := l.store.View(ctx, func(tx aos.Tx) error {
		if err := checkProofSize(ctx, tx, size); err != nil {
			return err
		}
		if oldSize < 1 || oldSize > size {
			return aos.Errorf(aos.EBadRequest, "no consistency proof from size %d to %d", oldSize, size)
		}
		var err error
		proof, err = tlog.ProveTree(size, oldSize, storeHashReader{ctx, tx})
		return err
	})
	return proof, err
}

func checkProofSize(ctx context.Context, tx aos.EvidenceTx, size int64) error {
	n, err := tx.LogSize(ctx)
	if err != nil {
		return err
	}
	if size < 1 || size > n {
		return aos.Errorf(aos.EBadRequest, "no tree of size %d (the log has %d entries)", size, n)
	}
	return nil
}
