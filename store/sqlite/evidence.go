package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

// LogSize returns the number of entries appended, from the log head. Inside
// Update it needs no lock of its own: Update holds the database's write lock
// from its start, so appenders are already serialised.
func (t *tx) LogSize(ctx context.Context) (int64, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT size FROM evidence_head`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: log size: %w", err)
	}
	defer rows.Close()
	var size int64
	n := 0
	for rows.Next() {
		if err := rows.Scan(&size); err != nil {
			return 0, fmt.Errorf("sqlite: log size: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlite: log size: %w", err)
	}
	if n != 1 {
		return 0, fmt.Errorf("sqlite: log size: evidence_head has %d rows, want 1", n)
	}
	return size, nil
}

// AppendEntries stores entries and the tree hashes from storage index
// hashStart, and advances the log head. It returns EConflict, storing
// nothing, unless entries[0].Index is the log size and hashStart the next
// free storage index (hashes are stored without gaps); and EBadRequest unless
// the entries are consecutive and each has a leaf.
//
// It runs once per batch of the evidence log, on every allowed call's
// path: one query reads the head and the next free hash index, and the
// rows go in by multi-row inserts.
func (t *tx) AppendEntries(ctx context.Context, entries []aos.StoredEntry, hashStart int64, hashes [][32]byte) error {
	if err := t.writable("append entries"); err != nil {
		return err
	}
	if len(entries) == 0 {
		return storecheck.NoEntries(hashes)
	}
	size, next, err := t.appendHead(ctx)
	if err != nil {
		return err
	}
	if err := storecheck.Append(entries, size); err != nil {
		return err
	}
	if len(hashes) > 0 {
		if err := storecheck.HashStart(hashStart, next); err != nil {
			return err
		}
	}
	if err := t.insertEntries(ctx, entries); err != nil {
		return err
	}
	if err := t.insertHashes(ctx, hashStart, hashes); err != nil {
		return err
	}
	newSize := size + int64(len(entries))
	if _, err := t.tx.ExecContext(ctx, `UPDATE evidence_head SET size = ?`, newSize); err != nil {
		return fmt.Errorf("sqlite: append entries: %w", err)
	}
	return nil
}

// appendHead returns the log size, as LogSize does, and the next free tree
// hash storage index, in one query.
func (t *tx) appendHead(ctx context.Context) (size, nextHash int64, err error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT size,
		(SELECT coalesce(max(id) + 1, 0) FROM evidence_hashes) FROM evidence_head`)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: append entries: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := rows.Scan(&size, &nextHash); err != nil {
			return 0, 0, fmt.Errorf("sqlite: append entries: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("sqlite: append entries: %w", err)
	}
	if n != 1 {
		return 0, 0, fmt.Errorf("sqlite: log size: evidence_head has %d rows, want 1", n)
	}
	return size, nextHash, nil
}

// maxInsertRows bounds the rows of one multi-row INSERT. Rows go in chunks
// whose sizes are powers of two up to it, so that the inserts of a table
// have a handful of statement texts, each prepared once per connection
// (see stmt.go) rather than one per batch size.
const maxInsertRows = 64

// insertChunk returns how many of n remaining rows the next INSERT takes:
// the largest power of two not above n or maxInsertRows.
func insertChunk(n int) int {
	c := maxInsertRows
	for c > n {
		c >>= 1
	}
	return c
}

// insertSQL holds, for each chunk size 1, 2, 4, ... maxInsertRows, the
// INSERT of that many rows into a table.
type insertSQL map[int]string

func newInsertSQL(head, row string) insertSQL {
	m := insertSQL{}
	for n := 1; n <= maxInsertRows; n *= 2 {
		m[n] = head + strings.Repeat(row+", ", n-1) + row
	}
	return m
}

var (
	insertEntriesSQL = newInsertSQL(`INSERT INTO evidence_entries (idx, leaf, salt, payload, redacted_at) VALUES `, `(?, ?, ?, ?, ?)`)
	insertHashesSQL  = newInsertSQL(`INSERT INTO evidence_hashes (id, hash) VALUES `, `(?, ?)`)
)

func (t *tx) insertEntries(ctx context.Context, entries []aos.StoredEntry) error {
	args := make([]any, 0, 5*min(len(entries), maxInsertRows))
	for len(entries) > 0 {
		chunk := entries[:insertChunk(len(entries))]
		entries = entries[len(chunk):]
		args = args[:0]
		var enc encoder
		for _, e := range chunk {
			args = append(args, e.Index, e.Leaf, nullBlob(e.Salt), nullBlob(e.Payload), enc.timePtr("redacted_at", e.RedactedAt))
		}
		if enc.err != nil {
			return enc.err
		}
		_, err := t.tx.ExecContext(ctx, insertEntriesSQL[len(chunk)], args...)
		if isUnique(err) {
			return t.existing(ctx, "evidence_entries", "idx", chunk[0].Index, int64(len(chunk)), storecheck.EntryExists)
		}
		if err != nil {
			return fmt.Errorf("sqlite: append entries %d-%d: %w", chunk[0].Index, chunk[len(chunk)-1].Index, err)
		}
	}
	return nil
}

func (t *tx) insertHashes(ctx context.Context, start int64, hashes [][32]byte) error {
	args := make([]any, 0, 2*min(len(hashes), maxInsertRows))
	for i := 0; i < len(hashes); {
		n := insertChunk(len(hashes) - i)
		args = args[:0]
		for j := i; j < i+n; j++ {
			args = append(args, start+int64(j), hashes[j][:])
		}
		_, err := t.tx.ExecContext(ctx, insertHashesSQL[n], args...)
		if isUnique(err) {
			return t.existing(ctx, "evidence_hashes", "id", start+int64(i), int64(n), storecheck.HashExists)
		}
		if err != nil {
			return fmt.Errorf("sqlite: append hashes %d-%d: %w", start+int64(i), start+int64(i+n-1), err)
		}
		i += n
	}
	return nil
}

// existing returns the error conflict gives for the first of the n keys
// from first on that table already holds: the multi-row insert that met
// it does not say which one it was.
func (t *tx) existing(ctx context.Context, table, key string, first, n int64, conflict func(int64) error) error {
	var at sql.NullInt64
	err := t.tx.QueryRowContext(ctx, `SELECT min(`+key+`) FROM `+table+` WHERE `+key+` >= ? AND `+key+` < ?`, first, first+n).Scan(&at)
	if err != nil {
		return fmt.Errorf("sqlite: append to %s: %w", table, err)
	}
	if !at.Valid {
		return fmt.Errorf("sqlite: append to %s: a key from %d to %d conflicts and none is stored", table, first, first+n-1)
	}
	return conflict(at.Int64)
}

// ReadHashes returns the tree hashes stored at the indexes, in their order.
// It returns ENotFound if one is missing, and an error if one is not 32 bytes.
func (t *tx) ReadHashes(ctx context.Context, indexes []int64) ([][32]byte, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	if lo, hi := slices.Min(indexes), slices.Max(indexes); len(indexes) >= 16 && hi-lo < 4*int64(len(indexes)) {
		return t.readHashRange(ctx, indexes, lo, hi)
	}
	stmt, err := t.tx.PrepareContext(ctx, `SELECT hash FROM evidence_hashes WHERE id = ?`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read hashes: %w", err)
	}
	defer stmt.Close()
	out := make([][32]byte, len(indexes))
	for i, id := range indexes {
		var h []byte
		err := stmt.QueryRowContext(ctx, id).Scan(&h)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, storecheck.HashNotFound(id)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: read hash %d: %w", id, err)
		}
		if len(h) != len(out[i]) {
			return nil, fmt.Errorf("sqlite: read hash %d: stored hash is %d bytes, want 32", id, len(h))
		}
		copy(out[i][:], h)
	}
	return out, nil
}

// readHashRange is ReadHashes for indexes that lie close together between
// lo and hi: one scan of the range (verify reads the whole tree this way)
// rather than a query per hash.
func (t *tx) readHashRange(ctx context.Context, indexes []int64, lo, hi int64) ([][32]byte, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT id, hash FROM evidence_hashes WHERE id >= ? AND id <= ? ORDER BY id`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read hashes: %w", err)
	}
	defer rows.Close()
	stored := make([][]byte, hi-lo+1)
	present := make([]bool, hi-lo+1)
	for rows.Next() {
		var id int64
		var h []byte
		if err := rows.Scan(&id, &h); err != nil {
			return nil, fmt.Errorf("sqlite: read hashes: %w", err)
		}
		if id >= lo && id <= hi {
			stored[id-lo], present[id-lo] = h, true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read hashes: %w", err)
	}
	out := make([][32]byte, len(indexes))
	for i, id := range indexes {
		h := stored[id-lo]
		if !present[id-lo] {
			return nil, storecheck.HashNotFound(id)
		}
		if len(h) != len(out[i]) {
			return nil, fmt.Errorf("sqlite: read hash %d: stored hash is %d bytes, want 32", id, len(h))
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
	rows, err := t.tx.QueryContext(ctx, `SELECT idx, leaf, salt, payload, redacted_at
		FROM evidence_entries WHERE idx >= ? AND idx < ? ORDER BY idx`, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: entries: %w", err)
	}
	defer rows.Close()
	var es []aos.StoredEntry
	for rows.Next() {
		var e aos.StoredEntry
		if err := rows.Scan(&e.Index, &e.Leaf, &e.Salt, &e.Payload, scanTimePtr{&e.RedactedAt}); err != nil {
			return nil, fmt.Errorf("sqlite: entries: %w", err)
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: entries: %w", err)
	}
	return es, nil
}

// AddCheckpoint stores a signed checkpoint for a tree of the given size. It
// returns EConflict if one is stored for that size already.
func (t *tx) AddCheckpoint(ctx context.Context, size int64, signed []byte) error {
	if err := t.writable("add checkpoint", storecheck.Checkpoint(size, signed)); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO evidence_checkpoints (size, signed) VALUES (?, ?)`, size, signed)
	if isUnique(err) {
		return storecheck.CheckpointExists(size)
	}
	if err != nil {
		return fmt.Errorf("sqlite: add checkpoint: %w", err)
	}
	return nil
}

// DropCheckpoint removes the checkpoint stored for size if another is
// stored for a size from keptFrom to size-1.
func (t *tx) DropCheckpoint(ctx context.Context, size, keptFrom int64) error {
	if err := t.writable("drop checkpoint"); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `DELETE FROM evidence_checkpoints WHERE size = ?1
		AND EXISTS (SELECT 1 FROM evidence_checkpoints WHERE size >= ?2 AND size < ?1)`, size, keptFrom)
	if err != nil {
		return fmt.Errorf("sqlite: drop checkpoint: %w", err)
	}
	return nil
}

// Checkpoints returns every stored checkpoint, by size.
func (t *tx) Checkpoints(ctx context.Context) ([]aos.Checkpoint, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT size, signed FROM evidence_checkpoints ORDER BY size`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: checkpoints: %w", err)
	}
	defer rows.Close()
	var cs []aos.Checkpoint
	for rows.Next() {
		var c aos.Checkpoint
		if err := rows.Scan(&c.Size, &c.Signed); err != nil {
			return nil, fmt.Errorf("sqlite: checkpoints: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: checkpoints: %w", err)
	}
	return cs, nil
}

// LatestCheckpoint returns the checkpoint of the largest size, or
// ENotFound when none is stored.
func (t *tx) LatestCheckpoint(ctx context.Context) (aos.Checkpoint, error) {
	var c aos.Checkpoint
	err := t.tx.QueryRowContext(ctx, `SELECT size, signed FROM evidence_checkpoints ORDER BY size DESC LIMIT 1`).
		Scan(&c.Size, &c.Signed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return c, storecheck.NoCheckpoint()
	case err != nil:
		return c, fmt.Errorf("sqlite: latest checkpoint: %w", err)
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
	res, err := t.tx.ExecContext(ctx, `UPDATE evidence_entries SET payload = NULL, redacted_at = ?
		WHERE idx = ? AND redacted_at IS NULL`, redactedAt, index)
	if err != nil {
		return fmt.Errorf("sqlite: redact entry %d: %w", index, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: redact entry %d: %w", index, err)
	}
	if n == 1 {
		return nil
	}
	var exists int
	err = t.tx.QueryRowContext(ctx, `SELECT count(*) FROM evidence_entries WHERE idx = ?`, index).Scan(&exists)
	if err != nil {
		return fmt.Errorf("sqlite: redact entry %d: %w", index, err)
	}
	return storecheck.RedactFailed(index, exists > 0)
}
