package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

var _ aos.EvidenceScanTx = (*tx)(nil)

// The bulk reads of the evidence log (aos.EvidenceScanTx) fetch a block of
// rows as one row of aggregates: the indexes and the lengths of the values
// as text lists, the values themselves concatenated. SQLite then runs the
// whole block inside one statement step, rather than a step and a call per
// column for each row, which is what reading a row costs most through the
// driver. A block that the aggregates cannot carry exactly (a redacted
// entry, whose time is text to parse; a value too big to concatenate) is
// read row by row instead.
//
// A block of entries is sized so that its values come to about
// entryBlockBytes, from the size of the entries of the block before (up to
// entryScanBlock entries; the first block has entryFirstBlock): what one
// block holds in memory at once stays bounded where payloads are large.
const (
	entryFirstBlock = 64
	entryScanBlock  = 1024
	entryBlockBytes = 4 << 20
	hashScanBlock   = 4096
)

// The aggregates list every row's index (group_concat(idx)), so nothing
// depends on the order in which SQLite feeds the rows to them: each value is
// matched with its index, and the block is read row by row if the indexes do
// not come in increasing order. octet_length is the length in bytes of a
// blob or of a text's UTF-8 (the bytes database/sql would give); a NULL
// salt or payload has length -1 and adds nothing to the concatenation, which
// skips NULLs.
const (
	entryBlockQuery = `SELECT count(*), count(redacted_at), group_concat(idx),
		group_concat(octet_length(leaf)), group_concat(coalesce(octet_length(salt), -1)),
		group_concat(coalesce(octet_length(payload), -1)),
		CAST(group_concat(leaf, x'') AS BLOB), CAST(group_concat(salt, x'') AS BLOB),
		CAST(group_concat(payload, x'') AS BLOB)
		FROM evidence_entries WHERE idx >= ? AND idx < ?`
	entryRowsQuery = `SELECT idx, leaf, salt, payload, redacted_at
		FROM evidence_entries WHERE idx >= ? AND idx < ? ORDER BY idx`
	entryNextQuery = `SELECT min(idx) FROM evidence_entries WHERE idx >= ? AND idx < ?`

	hashBlockQuery = `SELECT count(*), group_concat(id), sum(octet_length(hash) = 32),
		CAST(group_concat(hash, x'') AS BLOB)
		FROM evidence_hashes WHERE id >= ? AND id < ?`
	hashRowsQuery = `SELECT id, hash FROM evidence_hashes WHERE id >= ? AND id < ? ORDER BY id`
	hashNextQuery = `SELECT min(id) FROM evidence_hashes WHERE id >= ? AND id < ?`
)

// ScanEntries calls fn with each stored entry with from <= Index < to, by
// index. The entries of a block share one buffer, which fn may keep.
func (t *tx) ScanEntries(ctx context.Context, from, to int64, fn func(aos.StoredEntry) error) error {
	if err := storecheck.EntryRange(from, to); err != nil {
		return err
	}
	size := int64(entryFirstBlock)
	return scanBlocks(ctx, t, from, to, &size, entryNextQuery, func(lo, hi int64) (int64, error) {
		n, bytes, err := t.scanEntryBlock(ctx, lo, hi, fn)
		if errors.Is(err, errRowByRow) {
			return t.scanEntryRows(ctx, lo, hi, fn)
		}
		if n > 0 {
			size = min(entryScanBlock, max(1, entryBlockBytes*n/max(bytes, 1)))
		}
		return n, err
	})
}

// ScanHashes calls fn with each tree hash stored at an index in [from, to),
// by index, as stored (of any length).
func (t *tx) ScanHashes(ctx context.Context, from, to int64, fn func(index int64, hash []byte) error) error {
	if from < 0 || to < from {
		return aos.Errorf(aos.EBadRequest, "evidence: bad hash range [%d, %d)", from, to)
	}
	size := int64(hashScanBlock)
	return scanBlocks(ctx, t, from, to, &size, hashNextQuery, func(lo, hi int64) (int64, error) {
		n, err := t.scanHashBlock(ctx, lo, hi, fn)
		if errors.Is(err, errRowByRow) {
			return t.scanHashRows(ctx, lo, hi, fn)
		}
		return n, err
	})
}

// errRowByRow says a block is to be read row by row.
var errRowByRow = errors.New("read the block row by row")

// scanBlocks runs block over [from, to) in ranges of *size keys (which
// block may change for the next range). A range
// without rows makes it look up the next key there is (nextQuery), so that
// a sparse range such as [size, MaxInt64) costs one query per row, not one
// per block.
func scanBlocks(ctx context.Context, t *tx, from, to int64, size *int64, nextQuery string, block func(lo, hi int64) (int64, error)) error {
	for lo := from; lo < to; {
		hi := to
		if to-lo > *size {
			hi = lo + *size
		}
		n, err := block(lo, hi)
		if err != nil {
			return err
		}
		if n > 0 || hi == to {
			lo = hi
			continue
		}
		var next sql.NullInt64
		if err := t.tx.QueryRowContext(ctx, nextQuery, hi, to).Scan(&next); err != nil {
			return fmt.Errorf("sqlite: scan evidence: %w", err)
		}
		if !next.Valid {
			return nil
		}
		lo = next.Int64
	}
	return nil
}

// scanEntryBlock reads the entries of [lo, hi) as one row of aggregates and
// returns how many there were and the bytes of their values. It returns
// errRowByRow where the aggregates do not carry the block exactly.
func (t *tx) scanEntryBlock(ctx context.Context, lo, hi int64, fn func(aos.StoredEntry) error) (n, bytes int64, err error) {
	var count, redacted int64
	var idxs, leafLens, saltLens, payloadLens sql.NullString
	var leaves, salts, payloads []byte
	err = t.tx.QueryRowContext(ctx, entryBlockQuery, lo, hi).Scan(&count, &redacted, &idxs,
		&leafLens, &saltLens, &payloadLens, &leaves, &salts, &payloads)
	if sqliteCode(err) == sqliteTooBig {
		return 0, 0, errRowByRow
	}
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: scan entries: %w", err)
	}
	if count == 0 {
		return 0, 0, nil
	}
	if redacted > 0 {
		return 0, 0, errRowByRow // redacted_at is text to parse as Entries does
	}
	var ix, ll, sl, pl intList
	ix.s, ll.s, sl.s, pl.s = idxs.String, leafLens.String, saltLens.String, payloadLens.String
	leaf, salt, payload := byteList{b: leaves}, byteList{b: salts}, byteList{b: payloads}
	entries := make([]aos.StoredEntry, 0, count)
	prev := lo - 1
	for range count {
		idx, ok := ix.next()
		if !ok || idx <= prev || idx >= hi {
			return 0, 0, errRowByRow
		}
		prev = idx
		e := aos.StoredEntry{Index: idx}
		var ok1, ok2, ok3 bool
		e.Leaf, ok1 = leaf.take(&ll, false)
		e.Salt, ok2 = salt.take(&sl, true)
		e.Payload, ok3 = payload.take(&pl, true)
		if !ok1 || !ok2 || !ok3 {
			return 0, 0, errRowByRow
		}
		entries = append(entries, e)
	}
	if !ix.done() || !ll.done() || !sl.done() || !pl.done() || !leaf.done() || !salt.done() || !payload.done() {
		return 0, 0, errRowByRow
	}
	for _, e := range entries {
		if err := fn(e); err != nil {
			return 0, 0, err
		}
	}
	return count, int64(len(leaves) + len(salts) + len(payloads)), nil
}

// scanEntryRows reads the entries of [lo, hi) a row at a time, as Entries.
func (t *tx) scanEntryRows(ctx context.Context, lo, hi int64, fn func(aos.StoredEntry) error) (int64, error) {
	rows, err := t.tx.QueryContext(ctx, entryRowsQuery, lo, hi)
	if err != nil {
		return 0, fmt.Errorf("sqlite: scan entries: %w", err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var e aos.StoredEntry
		if err := rows.Scan(&e.Index, &e.Leaf, &e.Salt, &e.Payload, scanTimePtr{&e.RedactedAt}); err != nil {
			return 0, fmt.Errorf("sqlite: scan entries: %w", err)
		}
		if err := fn(e); err != nil {
			return 0, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlite: scan entries: %w", err)
	}
	return n, nil
}

// scanHashBlock reads the hashes of [lo, hi) as one row of aggregates. A
// block with a hash that is not 32 bytes is read row by row.
func (t *tx) scanHashBlock(ctx context.Context, lo, hi int64, fn func(int64, []byte) error) (int64, error) {
	var count int64
	var ids sql.NullString
	var full sql.NullInt64
	var hashes []byte
	err := t.tx.QueryRowContext(ctx, hashBlockQuery, lo, hi).Scan(&count, &ids, &full, &hashes)
	if sqliteCode(err) == sqliteTooBig {
		return 0, errRowByRow
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: scan hashes: %w", err)
	}
	if count == 0 {
		return 0, nil
	}
	if full.Int64 != count || int64(len(hashes)) != 32*count {
		return 0, errRowByRow
	}
	// Check every index before handing out any hash, so that a block read
	// again row by row is not handed out twice.
	ix := intList{s: ids.String}
	prev := lo - 1
	for range count {
		id, ok := ix.next()
		if !ok || id <= prev || id >= hi {
			return 0, errRowByRow
		}
		prev = id
	}
	if !ix.done() {
		return 0, errRowByRow
	}
	ix = intList{s: ids.String}
	for k := range count {
		id, _ := ix.next()
		if err := fn(id, hashes[32*k:32*k+32:32*k+32]); err != nil {
			return 0, err
		}
	}
	return count, nil
}

// scanHashRows reads the hashes of [lo, hi) a row at a time.
func (t *tx) scanHashRows(ctx context.Context, lo, hi int64, fn func(int64, []byte) error) (int64, error) {
	rows, err := t.tx.QueryContext(ctx, hashRowsQuery, lo, hi)
	if err != nil {
		return 0, fmt.Errorf("sqlite: scan hashes: %w", err)
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var id int64
		var h []byte
		if err := rows.Scan(&id, &h); err != nil {
			return 0, fmt.Errorf("sqlite: scan hashes: %w", err)
		}
		if err := fn(id, h); err != nil {
			return 0, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlite: scan hashes: %w", err)
	}
	return n, nil
}

// sqliteTooBig is SQLITE_TOOBIG: a concatenation longer than SQLite allows.
const sqliteTooBig = 18

// intList reads a group_concat of integers: decimal, comma-separated.
type intList struct {
	s string
	i int
}

// next returns the next integer of the list.
func (l *intList) next() (int64, bool) {
	if l.i >= len(l.s) {
		return 0, false
	}
	end := l.i
	for end < len(l.s) && l.s[end] != ',' {
		end++
	}
	v, err := strconv.ParseInt(l.s[l.i:end], 10, 64)
	if err != nil {
		return 0, false
	}
	l.i = end
	if l.i < len(l.s) {
		l.i++ // the comma
	}
	return v, true
}

// done reports whether the whole list was read.
func (l *intList) done() bool { return l.i == len(l.s) }

// byteList cuts a concatenation of values into the values, by their lengths.
type byteList struct {
	b []byte
	i int
}

// take returns the next value, whose length is the next of lens; a length
// of -1 is NULL where nullable. NULL and an empty value are both nil, as
// the driver reads them.
func (l *byteList) take(lens *intList, nullable bool) ([]byte, bool) {
	n, ok := lens.next()
	switch {
	case !ok || n < -1 || (n == -1 && !nullable) || n > int64(len(l.b)-l.i):
		return nil, false
	case n <= 0:
		return nil, true
	}
	v := l.b[l.i : l.i+int(n) : l.i+int(n)]
	l.i += int(n)
	return v, true
}

// done reports whether every byte was taken.
func (l *byteList) done() bool { return l.i == len(l.b) }
