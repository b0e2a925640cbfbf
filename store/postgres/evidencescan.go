package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

var _ aos.EvidenceScanTx = (*tx)(nil)

// ScanEntries calls fn with each stored entry with from <= Index < to, by
// index, as one query streams them.
func (t *tx) ScanEntries(ctx context.Context, from, to int64, fn func(aos.StoredEntry) error) error {
	if err := storecheck.EntryRange(from, to); err != nil {
		return err
	}
	rows, err := t.tx.Query(ctx, `SELECT idx, leaf, salt, payload, redacted_at
		FROM evidence_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx`, from, to)
	if err != nil {
		return fmt.Errorf("postgres: scan entries: %w", err)
	}
	var e aos.StoredEntry
	_, err = pgx.ForEachRow(rows, []any{&e.Index, &e.Leaf, &e.Salt, &e.Payload, &e.RedactedAt}, func() error {
		err := fn(e)
		e = aos.StoredEntry{} // fn may keep the entry's slices: scan into new ones
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: scan entries: %w", err)
	}
	return nil
}

// ScanHashes calls fn with each tree hash stored at an index in [from, to),
// by index, as stored, as one query streams them.
func (t *tx) ScanHashes(ctx context.Context, from, to int64, fn func(index int64, hash []byte) error) error {
	if from < 0 || to < from {
		return aos.Errorf(aos.EBadRequest, "evidence: bad hash range [%d, %d)", from, to)
	}
	rows, err := t.tx.Query(ctx, `SELECT id, hash FROM evidence_hashes WHERE id >= $1 AND id < $2 ORDER BY id`, from, to)
	if err != nil {
		return fmt.Errorf("postgres: scan hashes: %w", err)
	}
	var id int64
	var h []byte
	_, err = pgx.ForEachRow(rows, []any{&id, &h}, func() error { return fn(id, h) })
	if err != nil {
		return fmt.Errorf("postgres: scan hashes: %w", err)
	}
	return nil
}
