package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

// LogSize returns the number of entries appended, from the log head. Inside
// Update it needs no lock of its own: Update locked the head row at its
// start, so appenders are already serialised.
func (t *tx) LogSize(ctx context.Context) (int64, error) {
	rows, err := t.tx.Query(ctx, `SELECT size FROM evidence_head`)
	if err != nil {
		return 0, fmt.Errorf("postgres: log size: %w", err)
	}
	sizes, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("postgres: log size: %w", err)
	}
	if len(sizes) != 1 {
		return 0, fmt.Errorf("postgres: log size: evidence_head has %d rows, want 1", len(sizes))
	}
	return sizes[0], nil
}

// AppendEntries stores entries and the tree hashes from storage index
// hashStart, and advances the log head. It returns EConflict, storing
// nothing, unless entries[0].Index is the log size and hashStart the next
// free storage index (hashes are stored without gaps); and EBadRequest unless
// the entries are consecutive and each has a leaf.
func (t *tx) AppendEntries(ctx context.Context, entries []aos.StoredEntry, hashStart int64, hashes [][32]byte) error {
	if err := t.writable("append entries"); err != nil {
		return err
	}
	if len(entries) == 0 {
		return storecheck.NoEntries(hashes)
	}
	size, err := t.LogSize(ctx)
	if err != nil {
		return err
	}
	if err := storecheck.Append(entries, size); err != nil {
		return err
	}
	if len(hashes) > 0 {
		var next int64
		err := t.tx.QueryRow(ctx, `SELECT coalesce(max(id) + 1, 0) FROM evidence_hashes`).Scan(&next)
		if err != nil {
			return fmt.Errorf("postgres: append entries: %w", err)
		}
		if err := storecheck.HashStart(hashStart, next); err != nil {
			return err
		}
	}
	b := &pgx.Batch{}
	for _, e := range entries {
		var enc encoder
		redactedAt := enc.timePtr("redacted_at", e.RedactedAt)
		if enc.err != nil {
			return enc.err
		}
		b.Queue(`INSERT INTO evidence_entries (idx, leaf, salt, payload, redacted_at) VALUES ($1, $2, $3, $4, $5)`,
			e.Index, e.Leaf, e.Salt, e.Payload, redactedAt)
	}
	for i, h := range hashes {
		b.Queue(`INSERT INTO evidence_hashes (id, hash) VALUES ($1, $2)`, hashStart+int64(i), h[:])
	}
	b.Queue(`UPDATE evidence_head SET size = $1`, size+int64(len(entries)))
	return t.guard(ctx, func() error { return t.sendAppend(ctx, b, entries, hashStart) })
}

// sendAppend sends the batch AppendEntries built: one insert per entry, then
// one per hash, then the head's update, in one round trip.
func (t *tx) sendAppend(ctx context.Context, b *pgx.Batch, entries []aos.StoredEntry, hashStart int64) error {
	br := t.tx.SendBatch(ctx, b)
	defer br.Close()
	for i := range b.Len() {
		_, err := br.Exec()
		if err == nil {
			continue
		}
		switch {
		case i < len(entries) && isUnique(err):
			return storecheck.EntryExists(entries[i].Index)
		case i < len(entries):
			return fmt.Errorf("postgres: append entry %d: %w", entries[i].Index, err)
		case i < b.Len()-1 && isUnique(err):
			return storecheck.HashExists(hashStart + int64(i-len(entries)))
		}
		return fmt.Errorf("postgres: append entries: %w", err)
	}
	return br.Close()
}

// ReadHashes returns the tree hashes stored at the indexes, in their order.
// It returns ENotFound if one is missing, and an error if one is not 32 bytes.
func (t *tx) ReadHashes(ctx context.Context, indexes []int64) ([][32]byte, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT id, hash FROM evidence_hashes WHERE id = ANY($1)`, indexes)
	if err != nil {
		return nil, fmt.Errorf("postgres: read hashes: %w", err)
	}
	stored := make(map[int64][]byte, len(indexes))
	var id int64
	var h []byte
	_, err = pgx.ForEachRow(rows, []any{&id, &h}, func() error {
		stored[id] = h
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read hashes: %w", err)
	}
	out := make([][32]byte, len(indexes))
	for i, id := range indexes {
		h, ok := stored[id]
		if !ok {
			return nil, storecheck.HashNotFound(id)
		}
		if len(h) != len(out[i]) {
			return nil, fmt.Errorf("postgres: read hash %d: stored hash is %d bytes, want 32", id, len(h))
		}
		copy(out[i][:], h)
	}
	return out, nil
}

// Entries returns the stored entries with from <= Index < to, by index. It
// returns EBadRequest for a negative from or a to before from.
func (t *tx) Entries(ctx context.Context, from, to int64) ([]aos.StoredEntry, error) {
	if err := storecheck.EntryRange(from, to); err != nil {
		return nil, err
	}
	rows, err := t.tx.Query(ctx, `SELECT idx, leaf, salt, payload, redacted_at
		FROM evidence_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx`, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres: entries: %w", err)
	}
	es, err := collect(rows, func(r pgx.Rows) (aos.StoredEntry, error) {
		var e aos.StoredEntry
		err := r.Scan(&e.Index, &e.Leaf, &e.Salt, &e.Payload, &e.RedactedAt)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: entries: %w", err)
	}
	return es, nil
}

// AddCheckpoint stores a signed checkpoint for a tree of the given size. It
// returns EConflict if one is stored for that size already.
func (t *tx) AddCheckpoint(ctx context.Context, size int64, signed []byte) error {
	if err := t.writable("add checkpoint", storecheck.Checkpoint(size, signed)); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO evidence_checkpoints (size, signed) VALUES ($1, $2)`, size, signed)
	if isUnique(err) {
		return storecheck.CheckpointExists(size)
	}
	if err != nil {
		return fmt.Errorf("postgres: add checkpoint: %w", err)
	}
	return nil
}

// DropCheckpoint removes the checkpoint stored for size if another is
// stored for a size from keptFrom to size-1.
func (t *tx) DropCheckpoint(ctx context.Context, size, keptFrom int64) error {
	if err := t.writable("drop checkpoint"); err != nil {
		return err
	}
	_, err := t.exec(ctx, `DELETE FROM evidence_checkpoints WHERE size = $1
		AND EXISTS (SELECT 1 FROM evidence_checkpoints WHERE size >= $2 AND size < $1)`, size, keptFrom)
	if err != nil {
		return fmt.Errorf("postgres: drop checkpoint: %w", err)
	}
	return nil
}

// Checkpoints returns every stored checkpoint, by size.
func (t *tx) Checkpoints(ctx context.Context) ([]aos.Checkpoint, error) {
	rows, err := t.tx.Query(ctx, `SELECT size, signed FROM evidence_checkpoints ORDER BY size`)
	if err != nil {
		return nil, fmt.Errorf("postgres: checkpoints: %w", err)
	}
	cs, err := collect(rows, func(r pgx.Rows) (aos.Checkpoint, error) {
		var c aos.Checkpoint
		err := r.Scan(&c.Size, &c.Signed)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: checkpoints: %w", err)
	}
	return cs, nil
}

// LatestCheckpoint returns the checkpoint of the largest size, or
// ENotFound when none is stored.
func (t *tx) LatestCheckpoint(ctx context.Context) (aos.Checkpoint, error) {
	var c aos.Checkpoint
	err := t.tx.QueryRow(ctx, `SELECT size, signed FROM evidence_checkpoints ORDER BY size DESC LIMIT 1`).
		Scan(&c.Size, &c.Signed)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return c, storecheck.NoCheckpoint()
	case err != nil:
		return c, fmt.Errorf("postgres: latest checkpoint: %w", err)
	}
	return c, nil
}

// RedactEntry removes the entry's payload and records when; its leaf and
// salt stay, so the tree and the commitment still verify. It returns
// ENotFound for a missing entry and EConflict for one already redacted.
func (t *tx) RedactEntry(ctx context.Context, index int64, at time.Time) error {
	if err := t.writable("redact entry"); err != nil {
		return err
	}
	var enc encoder
	redactedAt := enc.time("redacted_at", at)
	if enc.err != nil {
		return enc.err
	}
	tag, err := t.exec(ctx, `UPDATE evidence_entries SET payload = NULL, redacted_at = $1
		WHERE idx = $2 AND redacted_at IS NULL`, redactedAt, index)
	if err != nil {
		return fmt.Errorf("postgres: redact entry %d: %w", index, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	err = t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM evidence_entries WHERE idx = $1)`, index).Scan(&exists)
	if err != nil {
		return fmt.Errorf("postgres: redact entry %d: %w", index, err)
	}
	return storecheck.RedactFailed(index, exists)
}
