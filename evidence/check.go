package evidence

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"runtime"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/aos-dev/aos"
)

// checker is the verification shared by Verify and VerifyExport. It is fed
// every position of the log in index order (present, absent or absentRange),
// then rows that have no position (extra), then the signed checkpoints, and
// concludes with report.
//
// Findings come in two strengths. Strong ones name what is wrong directly: a
// missing row, a leaf that is not canonical or sits at the wrong index, a
// payload that does not match its commitment, a leaf whose hash differs from
// the stored one, a bad checkpoint. Weak ones only bound where the damage is:
// a checkpoint root that differs from the recomputed tree, a stored interior
// hash that differs, entries no valid checkpoint covers. A weak finding is
// reported only when no finding already reported explains it, so that the
// first problem names the first bad entry as closely as the evidence allows.
type checker struct {
	verifier note.Verifier
	size     int64 // the entries the log claims to have
	// compareLeafHashes says whether stored level-0 hashes are available to
	// compare (the store, not an export).
	compareLeafHashes bool

	next    int64 // the next position to be fed
	gapFrom int64 // first position of the current run of missing rows, or -1
	// leaves is the length of the longest prefix of the log whose leaf
	// hashes are known: from its rows, or, for a missing row, from the
	// store. tree holds the stored hashes of that prefix, recomputed as its
	// leaves come.
	leaves   int64
	prefixOK bool
	tree     []tlog.Hash

	origin      string // expected checkpoint origin; "" until the first valid checkpoint
	trees       []signedTree
	checkpoints int

	problems []Problem
	weak     []Problem // interior-hash findings, weighed at the end
	redacted []int64

	replay *replayer
}

// signedTree is a checkpoint with a valid signature, and where it came from.
type signedTree struct {
	source string
	Checkpoint
}

func newChecker(v note.Verifier, size int64, compareLeafHashes bool) *checker {
	return &checker{verifier: v, size: size, compareLeafHashes: compareLeafHashes, gapFrom: -1, prefixOK: true,
		replay: newReplayer()}
}

func (c *checker) add(index, last int64, format string, args ...any) {
	c.problems = append(c.problems, Problem{Index: index, Last: last, Message: fmt.Sprintf(format, args...)})
}

// addUnexplained adds p unless a problem already reported touches its range.
func (c *checker) addUnexplained(p Problem) {
	c.addIfUnexplained(p, false)
}

// addIfUnexplained adds p unless a problem already reported touches its
// range and, if narrower, spans no more entries than p does.
func (c *checker) addIfUnexplained(p Problem, narrower bool) {
	for _, q := range c.problems {
		if q.Index >= 0 && q.Index <= p.Last && p.Index <= q.Last && (!narrower || q.Last-q.Index <= p.Last-p.Index) {
			return
		}
	}
	c.problems = append(c.problems, p)
}

// entryRange names a range of entries: "entry 5" or "entries 5-7".
func entryRange(from, last int64) string {
	if from == last {
		return fmt.Sprintf("entry %d", from)
	}
	return fmt.Sprintf("entries %d-%d", from, last)
}

// present checks the row at position row.Index; stored is the stored leaf
// hash at that position.
func (c *checker) present(row aos.StoredEntry, stored storedHash) {
	c.presentDecoded(row, stored, decodeRow(row))
}

// decodedRow is what checking a row needs that depends on the row alone:
// computed for many rows at once, on every core (decodeRows).
type decodedRow struct {
	hash tlog.Hash // the leaf hash
	// e is the entry, its Attrs only those the replay reads (replayReads).
	e        aos.Entry
	err      error // DecodeLeaf's
	commitOK bool  // the payload matches the leaf's commitment
}

func decodeRow(row aos.StoredEntry) decodedRow {
	return newRowDecoder().decode(row)
}

// rowDecoder decodes rows, one goroutine's: it keeps the strings it has
// seen (interner) and its hash, so that a row costs few allocations.
type rowDecoder struct {
	in interner
	h  hash.Hash
}

func newRowDecoder() *rowDecoder { return &rowDecoder{in: interner{}, h: sha256.New()} }

func (r *rowDecoder) decode(row aos.StoredEntry) decodedRow {
	var d decodedRow
	// tlog.RecordHash
	r.h.Reset()
	r.h.Write([]byte{0})
	r.h.Write(row.Leaf)
	r.h.Sum(d.hash[:0])
	e, ok := decodeCanonicalLeafIn(row.Leaf, r.in, true)
	if ok {
		d.e = e
	} else if d.e, d.err = decodeLeafJSON(row.Leaf); d.err == nil {
		d.e.Attrs = replayedAttrs(d.e.Attrs)
	}
	if d.err == nil && d.e.Commitment != "" && len(row.Payload) > 0 {
		d.commitOK = r.commits(row.Salt, row.Payload, d.e.Commitment)
	}
	return d
}

// replayedAttrs returns the attributes of attrs the replay reads
// (replayReads), nil if none.
func replayedAttrs(attrs map[string]string) map[string]string {
	var m map[string]string
	for k, v := range attrs {
		if replayReads(k) {
			if m == nil {
				m = make(map[string]string, 1)
			}
			m[k] = v
		}
	}
	return m
}

// commits reports whether Commit(salt, payload) is commitment.
func (r *rowDecoder) commits(salt, payload []byte, commitment string) bool {
	r.h.Reset()
	writeCommitted(r.h, salt, payload)
	var sum [sha256.Size]byte
	r.h.Sum(sum[:0])
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], sum[:])
	return string(hx[:]) == commitment
}

// decodeRows decodes rows on every core, with the decoders in decs (one per
// worker, as many as there are; more are made as needed).
func decodeRows(rows []aos.StoredEntry, decs *[]*rowDecoder) []decodedRow {
	out := make([]decodedRow, len(rows))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(rows)/64))
	per := (len(rows) + workers - 1) / max(workers, 1)
	for len(*decs) < workers {
		*decs = append(*decs, newRowDecoder())
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, len(rows))
		if lo >= hi {
			break
		}
		dec := (*decs)[w]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				out[i] = dec.decode(rows[i])
			}
		}()
	}
	wg.Wait()
	return out
}

// presentDecoded is present with the row decoded already.
func (c *checker) presentDecoded(row aos.StoredEntry, stored storedHash, d decodedRow) {
	c.closeGap(row.Index)
	c.next = row.Index + 1
	h := d.hash
	c.addLeaf(h)
	if !c.checkRow(row, d) {
		return
	}
	switch {
	case !c.compareLeafHashes:
	case stored.state == hashMissing:
		c.add(row.Index, row.Index, "entry %d: stored leaf hash missing", row.Index)
	case stored.state == hashMalformed:
		c.add(row.Index, row.Index, "entry %d: stored leaf hash is not %d bytes", row.Index, tlog.HashSize)
	case stored.h != h:
		c.add(row.Index, row.Index, "entry %d: leaf hash differs from the stored leaf hash", row.Index)
	}
}

// checkRow checks a row on its own: leaf, index and payload. It reports
// whether the row is in its place, so that its leaf hash is worth comparing.
func (c *checker) checkRow(row aos.StoredEntry, d decodedRow) bool {
	i := row.Index
	e, err := d.e, d.err
	if err != nil {
		c.replay.incomplete = true
		c.add(i, i, "entry %d: leaf does not decode canonically (%s)", i, strings.TrimPrefix(err.Error(), "evidence: "))
		return true
	}
	if e.Index != i {
		c.replay.incomplete = true
		c.add(i, i, "entry %d: row holds the leaf of entry %d (rows reordered?)", i, e.Index)
		return false
	}
	c.replay.entry(e)
	if row.RedactedAt != nil {
		c.redacted = append(c.redacted, i)
		return true
	}
	switch {
	case e.Commitment == "" && len(row.Payload) > 0:
		c.add(i, i, "entry %d: payload present but the leaf commits to none", i)
	case e.Commitment != "" && len(row.Payload) == 0:
		c.add(i, i, "entry %d: payload missing without a redaction", i)
	case e.Commitment != "" && !d.commitOK:
		c.add(i, i, "entry %d: payload does not match its commitment", i)
	}
	return true
}

// absent records that position i has no row. stored is the stored leaf
// hash there, which keeps the tree computable past the hole.
func (c *checker) absent(i int64, stored storedHash) {
	c.replay.incomplete = true
	if c.gapFrom < 0 {
		c.gapFrom = i
	}
	c.next = i + 1
	if stored.state == hashStored {
		c.addLeaf(stored.h)
	} else {
		c.prefixOK = false
	}
}

// treeReserve bounds the tree hashes reserveTree makes room for: those of
// 2^21 leaves (128 MiB), whatever size the log claims.
const treeReserve = 1 << 21

// reserveTree makes room in the recomputed tree for the hashes of a log of
// size entries (up to treeReserve), so that it does not grow by copying.
func (c *checker) reserveTree(size int64) {
	if size > 0 {
		c.tree = make([]tlog.Hash, 0, tlog.StoredHashCount(min(size, treeReserve)))
	}
}

// addLeaf extends the recomputed tree by the next leaf hash of the prefix,
// unless the prefix has already ended: the leaf hash, then the hash of each
// subtree it completes (what tlog.StoredHashesForRecordHash returns, made in
// place).
func (c *checker) addLeaf(h tlog.Hash) {
	if !c.prefixOK {
		return
	}
	n := c.leaves
	c.tree = append(c.tree, h)
	for level := 0; n>>level&1 == 1; level++ {
		h = tlog.NodeHash(c.tree[tlog.StoredHashIndex(level, n>>level-1)], h)
		c.tree = append(c.tree, h)
	}
	c.leaves++
}

// absentRange records that positions [from, to) have no row and no known
// leaf hash.
func (c *checker) absentRange(from, to int64) {
	if from >= to {
		return
	}
	if c.gapFrom < 0 {
		c.gapFrom = from
	}
	c.replay.incomplete = true
	c.next = to
	c.prefixOK = false
}

func (c *checker) closeGap(at int64) {
	if c.gapFrom >= 0 {
		c.add(c.gapFrom, at-1, "%s missing", entryRange(c.gapFrom, at-1))
		c.gapFrom = -1
	}
}

// extra reports a row that has no place in the log.
func (c *checker) extra(row aos.StoredEntry, why string) {
	c.add(row.Index, row.Index, "entry %d: %s", row.Index, why)
}

// finishEntries closes the entries: positions never fed are missing.
func (c *checker) finishEntries() {
	c.absentRange(c.next, c.size)
	c.closeGap(c.size)
}

// matches reports whether t is within the recomputed prefix and its root
// equals the recomputed one.
func (c *checker) matches(t signedTree) bool {
	if t.Size > c.leaves {
		return false
	}
	root, err := tlog.TreeHash(t.Size, memHashes(c.tree))
	return err == nil && root == t.Root
}

// memHashes is a tlog.HashReader over hashes held in memory, by storage index.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m)) {
			return nil, fmt.Errorf("tree hash %d not computed", x)
		}
		out[i] = m[x]
	}
	return out, nil
}

// checkpoint checks one signed checkpoint from source (where it came from)
// and label (which one it is there); claimed is the size the source filed
// it under, -1 if none.
func (c *checker) checkpoint(source, label string, signed []byte, claimed int64) {
	var o openedNote
	o.cp, o.err = OpenCheckpoint(signed, c.verifier)
	c.checkpointOpened(source, label, o, claimed)
}

// checkpointOpened is checkpoint with the note opened already.
func (c *checker) checkpointOpened(source, label string, o openedNote, claimed int64) {
	c.checkpoints++
	cp, err := o.cp, o.err
	if err != nil {
		c.add(-1, -1, "%s: %s: %v", source, label, err)
		return
	}
	if c.origin == "" {
		c.origin = cp.Origin
	} else if cp.Origin != c.origin {
		c.add(-1, -1, "%s: %s: origin %q, want %q", source, label, cp.Origin, c.origin)
		return
	}
	if claimed >= 0 && claimed != cp.Size {
		c.add(-1, -1, "%s: %s: signs a tree of size %d", source, label, cp.Size)
	}
	c.trees = append(c.trees, signedTree{source: source, Checkpoint: cp})
}

// compareInterior compares the stored interior hashes at storage indexes
// base, base+1, ... (stored) with the recomputed ones, where the recomputed
// prefix reaches. (Leaf hashes are compared as rows come.)
func (c *checker) compareInterior(base int64, stored []storedHash) {
	for i := range stored {
		x := base + int64(i)
		if x >= int64(len(c.tree)) {
			return
		}
		level, n := tlog.SplitStoredHashIndex(x)
		if level == 0 {
			continue
		}
		s := &stored[i]
		why := ""
		switch {
		case s.state == hashMissing:
			why = "the stored tree hash over them is missing"
		case s.state == hashMalformed:
			why = fmt.Sprintf("the stored tree hash over them is not %d bytes", tlog.HashSize)
		case s.h != c.tree[x]:
			why = "the stored tree hash over them differs from the one recomputed from the leaves"
		default:
			continue
		}
		first, last := n<<level, (n+1)<<level-1
		c.weak = append(c.weak, Problem{Index: first, Last: last, Message: entryRange(first, last) + ": " + why})
	}
}

// report weighs the checkpoints and the weak findings and returns the report.
func (c *checker) report() *Report {
	c.checkRedactions()
	c.checkNewestState()
	c.reportTreesBeyond()
	c.localise()
	// Narrowest first, so that a wider range does not hide a narrower one:
	// nor does the range between two checkpoints, which spans up to
	// DefaultCheckpointSpan entries, hide a stored hash that differs
	// within it.
	slices.SortStableFunc(c.weak, func(a, b Problem) int { return cmp.Compare(a.Last-a.Index, b.Last-b.Index) })
	for _, p := range c.weak {
		c.addIfUnexplained(p, true)
	}
	c.reportUncovered()
	slices.SortStableFunc(c.problems, func(a, b Problem) int { return cmp.Compare(a.Index, b.Index) })
	return &Report{
		Size:        c.size,
		Checkpoints: c.checkpoints,
		Redacted:    c.redacted,
		StateRows:   c.replay.state.Len(),
		Unanswered:  c.replay.unansweredEntries(),
		OK:          len(c.problems) == 0,
		Problems:    c.problems,
	}
}

// reportTreesBeyond reports, per source, a signed tree larger than the log:
// the entries it covers beyond the log's end were cut off.
func (c *checker) reportTreesBeyond() {
	var sources []string
	largest := map[string]int64{}
	for _, t := range c.trees {
		if t.Size <= c.size {
			continue
		}
		if _, ok := largest[t.source]; !ok {
			sources = append(sources, t.source)
		}
		largest[t.source] = max(largest[t.source], t.Size)
	}
	for _, s := range sources {
		c.add(c.size, largest[s]-1, "%s missing: %s has a signed tree of size %d",
			entryRange(c.size, largest[s]-1), s, largest[s])
	}
}

// localise compares every signed tree within the recomputed prefix with the
// recomputed root. The first bad entry lies between the end of the largest
// matching tree below the smallest differing one, and the end of that
// differing tree.
func (c *checker) localise() {
	slices.SortStableFunc(c.trees, func(a, b signedTree) int { return cmp.Compare(a.Size, b.Size) })
	var good int64
	for _, t := range c.trees {
		if t.Size > c.leaves {
			return // beyond what can be recomputed: explained by a gap or a cut tail
		}
		if c.matches(t) {
			good = t.Size
			continue
		}
		from, last := good, t.Size-1
		what := entryRange(from, last) + ": the first bad entry is among these; they differ"
		if from == last {
			what = entryRange(from, last) + ": differs"
		}
		matching := "no smaller signed tree matches"
		if good > 0 {
			matching = fmt.Sprintf("the tree of size %d matches", good)
		}
		c.addUnexplained(Problem{Index: from, Last: last, Message: fmt.Sprintf(
			"%s from the signed tree of size %d in %s (%s)", what, t.Size, t.source, matching)})
		return
	}
}

// reportUncovered reports entries that no valid checkpoint vouches for.
func (c *checker) reportUncovered() {
	var covered int64
	for _, t := range c.trees {
		if t.Size > covered && c.matches(t) {
			covered = t.Size
		}
	}
	if covered < c.size {
		c.addUnexplained(Problem{Index: covered, Last: c.size - 1, Message: fmt.Sprintf(
			"%s: not covered by any valid signed checkpoint", entryRange(covered, c.size-1))})
	}
}
