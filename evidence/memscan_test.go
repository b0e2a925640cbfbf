package evidence

import (
	"context"
	"maps"
	"slices"

	"github.com/aos-dev/aos"
)

// scanStore is a memStore whose transactions also have the bulk reads
// (aos.EvidenceScanTx), so that Verify takes its scanning path. stored, if
// set, replaces the bytes ScanHashes gives for those storage indexes: how
// tests store a hash that is not 32 bytes.
type scanStore struct {
	*memStore
	stored map[int64][]byte
}

func (s scanStore) View(ctx context.Context, fn func(aos.Tx) error) error {
	return s.memStore.View(ctx, func(tx aos.Tx) error {
		return fn(&memScanTx{memTx: tx.(*memTx), stored: s.stored})
	})
}

type memScanTx struct {
	*memTx
	stored map[int64][]byte
}

var _ aos.EvidenceScanTx = (*memScanTx)(nil)

func (tx *memScanTx) ScanEntries(ctx context.Context, from, to int64, fn func(aos.StoredEntry) error) error {
	es, err := tx.Entries(ctx, from, to)
	if err != nil {
		return err
	}
	for _, e := range es {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (tx *memScanTx) ScanHashes(ctx context.Context, from, to int64, fn func(int64, []byte) error) error {
	keys := maps.Keys(tx.st.hashes)
	for _, x := range slices.Sorted(keys) {
		if x < from || x >= to {
			continue
		}
		h := tx.st.hashes[x]
		b := h[:]
		if o, ok := tx.stored[x]; ok {
			b = o
		}
		if err := fn(x, b); err != nil {
			return err
		}
	}
	return nil
}
