package storecheck

import "github.com/aos-dev/aos"

// NoEntries checks an append of no entries: it may not bring tree hashes.
// With none it is a no-op, and NoEntries returns nil.
func NoEntries(hashes [][32]byte) error {
	if len(hashes) > 0 {
		return aos.Errorf(aos.EBadRequest, "evidence: tree hashes without entries")
	}
	return nil
}

// Append checks that entries, at least one, continue a log of the given
// size without gap and that each has a leaf. It returns EConflict if the
// first entry is not at size, and EBadRequest for a gap or a missing leaf.
func Append(entries []aos.StoredEntry, size int64) error {
	if entries[0].Index != size {
		return aos.Errorf(aos.EConflict, "evidence: entry %d does not continue the log of size %d",
			entries[0].Index, size)
	}
	for i, e := range entries {
		if e.Index != size+int64(i) {
			return aos.Errorf(aos.EBadRequest, "evidence: entry %d follows entry %d", e.Index, size+int64(i)-1)
		}
		if len(e.Leaf) == 0 {
			return aos.Errorf(aos.EBadRequest, "evidence: entry %d has no leaf", e.Index)
		}
	}
	return nil
}

// HashStart checks that appended tree hashes start at next, the first free
// storage index: hashes are stored without gaps. It returns EConflict if not.
func HashStart(start, next int64) error {
	if start != next {
		return aos.Errorf(aos.EConflict, "evidence: tree hashes start at %d, want %d", start, next)
	}
	return nil
}

// EntryRange checks the range [from, to) of entries asked for.
func EntryRange(from, to int64) error {
	if from < 0 || to < from {
		return aos.Errorf(aos.EBadRequest, "evidence: bad entry range [%d, %d)", from, to)
	}
	return nil
}

// Checkpoint checks a checkpoint before it is added.
func Checkpoint(size int64, signed []byte) error {
	if size < 0 || len(signed) == 0 {
		return aos.Errorf(aos.EBadRequest, "evidence: a checkpoint needs a size and a signed note")
	}
	return nil
}
