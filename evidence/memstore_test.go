package evidence

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/aos-dev/aos"
)

// memStore is an in-memory aos.Store for tests. Only the evidence storage
// (and settings, so that tests can watch a state change commit or roll back
// with its evidence) behaves; the other Tx methods are not there. Update works on a
// copy of the state and installs it only if fn succeeds, so a failed Update
// leaves nothing behind. Tests tamper with the state through edit.
type memStore struct {
	mu    sync.Mutex // held for the whole of each Update and View
	state *memState

	updates int // committed Update transactions that appended entries
	// hashReads counts the tree hashes read inside Update.
	hashReads int
	// failCommit, if set, makes every Update fail with it after fn ran.
	failCommit error
	// beforeUpdate, if set, runs at the start of every Update, unlocked.
	beforeUpdate func()
}

type memState struct {
	size        int64
	entries     map[int64]aos.StoredEntry
	hashes      map[int64][32]byte
	checkpoints []aos.Checkpoint
	settings    map[string]string
}

func newMemStore() *memStore {
	return &memStore{state: &memState{
		entries:  map[int64]aos.StoredEntry{},
		hashes:   map[int64][32]byte{},
		settings: map[string]string{},
	}}
}

func (s *memState) clone() *memState {
	return &memState{
		size:        s.size,
		entries:     maps.Clone(s.entries),
		hashes:      maps.Clone(s.hashes),
		checkpoints: slices.Clone(s.checkpoints),
		settings:    maps.Clone(s.settings),
	}
}

func (m *memStore) Update(ctx context.Context, fn func(aos.Tx) error) error {
	if hook := m.beforeUpdate; hook != nil {
		hook()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	st := m.state.clone()
	oldSize := st.size
	if err := fn(&memTx{st: st, write: true, reads: &m.hashReads}); err != nil {
		return err
	}
	if m.failCommit != nil {
		return m.failCommit
	}
	m.state = st
	if st.size != oldSize {
		m.updates++
	}
	return nil
}

func (m *memStore) View(ctx context.Context, fn func(aos.Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(&memTx{st: m.state})
}

func (m *memStore) Close() error { return nil }

// edit runs fn on the committed state directly: how tests tamper.
func (m *memStore) edit(fn func(st *memState)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fn(m.state)
}

func (m *memStore) updateCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.updates
}

var _ aos.Store = (*memStore)(nil)

// memTx implements the evidence storage and settings. The rest of aos.Tx is
// not evidence's business: it comes from the embedded nil interface, so a
// call to it fails the test loudly (nil dereference), and the memstore keeps
// compiling as the root interface grows.
type memTx struct {
	aos.Tx
	st    *memState
	write bool
	reads *int // counts the tree hashes read, if set
}

var errReadOnly = errors.New("memstore: write in a read-only transaction")

func (tx *memTx) LogSize(ctx context.Context) (int64, error) { return tx.st.size, nil }

func (tx *memTx) AppendEntries(ctx context.Context, entries []aos.StoredEntry, hashStart int64, hashes [][32]byte) error {
	if !tx.write {
		return errReadOnly
	}
	for i, e := range entries {
		if e.Index != tx.st.size+int64(i) {
			return errors.New("memstore: entries do not continue the log")
		}
	}
	for _, e := range entries {
		tx.st.entries[e.Index] = cloneEntry(e)
	}
	for i, h := range hashes {
		tx.st.hashes[hashStart+int64(i)] = h
	}
	tx.st.size += int64(len(entries))
	return nil
}

func (tx *memTx) ReadHashes(ctx context.Context, indexes []int64) ([][32]byte, error) {
	if tx.reads != nil {
		*tx.reads += len(indexes)
	}
	out := make([][32]byte, len(indexes))
	for i, x := range indexes {
		h, ok := tx.st.hashes[x]
		if !ok {
			return nil, aos.Errorf(aos.ENotFound, "no tree hash %d", x)
		}
		out[i] = h
	}
	return out, nil
}

func (tx *memTx) Entries(ctx context.Context, from, to int64) ([]aos.StoredEntry, error) {
	var out []aos.StoredEntry
	for _, i := range slices.Sorted(maps.Keys(tx.st.entries)) {
		if i >= from && i < to {
			out = append(out, cloneEntry(tx.st.entries[i]))
		}
	}
	return out, nil
}

func (tx *memTx) AddCheckpoint(ctx context.Context, size int64, signed []byte) error {
	if !tx.write {
		return errReadOnly
	}
	tx.st.checkpoints = append(tx.st.checkpoints, aos.Checkpoint{Size: size, Signed: slices.Clone(signed)})
	return nil
}

func (tx *memTx) DropCheckpoint(ctx context.Context, size, keptFrom int64) error {
	if !tx.write {
		return errReadOnly
	}
	if !slices.ContainsFunc(tx.st.checkpoints, func(c aos.Checkpoint) bool { return c.Size >= keptFrom && c.Size < size }) {
		return nil
	}
	tx.st.checkpoints = slices.DeleteFunc(tx.st.checkpoints, func(c aos.Checkpoint) bool { return c.Size == size })
	return nil
}

func (tx *memTx) Checkpoints(ctx context.Context) ([]aos.Checkpoint, error) {
	out := slices.Clone(tx.st.checkpoints)
	slices.SortStableFunc(out, func(a, b aos.Checkpoint) int { return cmp.Compare(a.Size, b.Size) })
	return out, nil
}

func (tx *memTx) LatestCheckpoint(ctx context.Context) (aos.Checkpoint, error) {
	cps, _ := tx.Checkpoints(ctx)
	if len(cps) == 0 {
		return aos.Checkpoint{}, aos.Errorf(aos.ENotFound, "no checkpoint")
	}
	return cps[len(cps)-1], nil
}

func (tx *memTx) RedactEntry(ctx context.Context, index int64, at time.Time) error {
	if !tx.write {
		return errReadOnly
	}
	e, ok := tx.st.entries[index]
	if !ok {
		return aos.Errorf(aos.ENotFound, "no entry %d", index)
	}
	e.Payload, e.RedactedAt = nil, &at
	tx.st.entries[index] = e
	return nil
}

func (tx *memTx) Setting(ctx context.Context, key string) (string, error) {
	v, ok := tx.st.settings[key]
	if !ok {
		return "", aos.Errorf(aos.ENotFound, "no setting %q", key)
	}
	return v, nil
}

func (tx *memTx) PutSetting(ctx context.Context, key, value string) error {
	if !tx.write {
		return errReadOnly
	}
	tx.st.settings[key] = value
	return nil
}

func cloneEntry(e aos.StoredEntry) aos.StoredEntry {
	e.Leaf, e.Salt, e.Payload = slices.Clone(e.Leaf), slices.Clone(e.Salt), slices.Clone(e.Payload)
	return e
}

// The state listings: the memstore keeps no principals, connections, grants
// or approvals, only settings, so those are empty.

func (tx *memTx) AllPrincipals(ctx context.Context) ([]*aos.Principal, error) { return nil, nil }
func (tx *memTx) ListConnections(ctx context.Context) ([]*aos.Connection, error) {
	return nil, nil
}
func (tx *memTx) ListGrants(ctx context.Context, f aos.GrantFilter) ([]*aos.Grant, error) {
	return nil, nil
}
func (tx *memTx) ListApprovals(ctx context.Context, f aos.ApprovalFilter) ([]*aos.Approval, error) {
	return nil, nil
}
func (tx *memTx) ListSettings(ctx context.Context) (map[string]string, error) {
	return maps.Clone(tx.st.settings), nil
}
