package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/aos-dev/aos"
)

// KindStateBaseline is the kind of the entry that states the whole state of
// a log begun before entries carried state, or before the current
// StateVersion: replay starts again from its rows. The log writes one, by
// itself, with the first batch it commits on such a log. Until then the
// store's state is taken as it stands: an upgrade trusts the state it
// finds, and says so in the entry.
const KindStateBaseline = "state.baseline"

// ErrTampered is what errors.Is finds in the errors that say the store was
// changed outside aos: a *StateMismatchError, a *TailCutError.
var ErrTampered = errors.New("the store was changed outside aos")

// TailCutError says that the checkpoint file outside the store holds a
// signed tree larger than the store's log: entries were cut from its end.
type TailCutError struct {
	File      string
	FileSize  int64 // the largest tree the file signs
	StoreSize int64 // the store's log size
}

func (e *TailCutError) Error() string {
	return fmt.Sprintf("the checkpoint file %s holds a signed tree of size %d, but the store's log has %d entries: entries were removed from the store",
		e.File, e.FileSize, e.StoreSize)
}

func (e *TailCutError) Is(target error) bool { return target == ErrTampered }

// StateMismatchError says that the store's state is not the state the
// evidence log builds: the store was changed outside aos.
type StateMismatchError struct {
	// Size is the log size of the checkpoint whose state digest differs.
	Size int64
	// Want is the digest the signed checkpoint states; Got the store's.
	Want, Got string
}

func (e *StateMismatchError) Is(target error) bool { return target == ErrTampered }

func (e *StateMismatchError) Error() string {
	return fmt.Sprintf("the stored state does not match the evidence log: the signed checkpoint of size %d states state digest %.16s…, the store's state digests to %.16s…",
		e.Size, e.Want, e.Got)
}

// projection is the state the log has built, as the committer keeps it
// between batches. Only the committer goroutine touches it.
type projection struct {
	state  *State // nil until loaded
	size   int64  // the log size it reflects
	digest string
	// baseline is set when the log was begun before entries carried state:
	// the next batch starts with a state.baseline entry.
	baseline bool
}

// stateAt returns the projection for a log of the given size, inside the
// batch's transaction: as kept when nothing was appended since the last
// batch, caught up from the entries other writers (replicas) appended, or
// loaded from the store and proven against the newest signed checkpoint.
func (l *Log) stateAt(ctx context.Context, tx aos.Tx, size int64) error {
	p := &l.proj
	if p.state != nil && p.size == size {
		return nil
	}
	if p.state != nil && p.size < size {
		l.othersAppended()
		es, err := tx.Entries(ctx, p.size, size)
		if err != nil {
			return err
		}
		if int64(len(es)) != size-p.size {
			return fmt.Errorf("catching up the state: %d entries for %d positions", len(es), size-p.size)
		}
		state := p.state.Clone()
		changed := false
		for _, se := range es {
			e, err := DecodeLeaf(se.Leaf)
			if err != nil {
				return fmt.Errorf("catching up the state: entry %d: %w", se.Index, err)
			}
			replayEntry(state, e)
			changed = changed || len(e.State) > 0 || e.Kind == KindStateBaseline
		}
		digest := state.Digest()
		if changed || digest != p.digest {
			// Another writer changed the state, even if only to change it
			// back: a cache filled from the store meanwhile may hold what
			// it was in between.
			l.gen.Add(1)
		}
		p.state, p.size, p.digest = state, size, digest
		return nil
	}
	l.others.Add(1) // what the store holds now is not known to be ours; no other writer was seen, so no time
	state, cp, err := l.loadChecked(ctx, tx, size)
	if err != nil {
		return err
	}
	l.gen.Add(1)
	p.state, p.size, p.digest = state, size, state.Digest()
	p.baseline = size > 0 && (cp.State == "" || cp.StateVersion != StateVersion)
	return nil
}

// StateGeneration returns the generation of the state (principals,
// connections, credentials, grants, settings, approvals) as this log
// knows it. It moves once a batch that changed the state has committed,
// and when a batch finds that another writer (a replica sharing the
// store) changed it. A cache of the state tagged with the generation read
// before the cache read the store is current while the generation stays;
// StateCurrent tells, inside the batch that records a decision made on
// such a cache, whether it still is.
func (l *Log) StateGeneration() uint64 { return l.gen.Load() }

// StateCurrent reports, inside a Record function, whether the state is
// still that of generation gen as the batch sees it: the batch has caught
// up with every other writer's entries, so no writer changed the state
// since gen, and no Record function before this one in the batch changed
// it. tx is the Tx the function was given; any other Tx is never current.
func (l *Log) StateCurrent(tx aos.Tx, gen uint64) bool {
	rtx, ok := tx.(*recordingTx)
	return ok && rtx.log == l && !rtx.work.changed && l.gen.Load() == gen
}

// othersAppended notes that the store holds entries this log did not
// append. The batch stamps the time.
func (l *Log) othersAppended() {
	l.others.Add(1)
	l.othersSeen = true
}

// OthersGeneration returns a generation that moves whenever a batch of
// this log finds entries that another writer (a replica sharing the
// store) appended, or reads the store afresh (the first batch, and after a
// failure), and when a batch last found another writer's entries (the zero
// time if none did). It never moves on a store that only this log writes,
// after the first batch. A cache of what other
// writers may add to the store (say, fingerprints of customer data)
// tagged with it is current while it stays; OthersCurrent tells, inside
// the batch that records a decision made on such a cache, whether it
// still is.
func (l *Log) OthersGeneration() (gen uint64, at time.Time) {
	gen = l.others.Load()
	if ns := l.othersAt.Load(); ns != 0 {
		at = time.Unix(0, ns)
	}
	return gen, at
}

// OthersCurrent reports, inside a Record function, whether no other
// writer appended entries since generation gen as the batch sees it (the
// batch has caught up with every other writer's entries). tx is the Tx
// the function was given; any other Tx is never current.
func (l *Log) OthersCurrent(tx aos.Tx, gen uint64) bool {
	rtx, ok := tx.(*recordingTx)
	return ok && rtx.log == l && l.others.Load() == gen
}

// loadChecked loads the store's state and checks it against the newest
// signed checkpoint, which must cover the whole log. A log whose newest
// checkpoint states no state digest (begun before they did) is taken as it
// stands; the caller writes a baseline.
func (l *Log) loadChecked(ctx context.Context, tx aos.Tx, size int64) (*State, Checkpoint, error) {
	state, err := LoadState(ctx, tx)
	if err != nil {
		return nil, Checkpoint{}, fmt.Errorf("loading the state: %w", err)
	}
	if size == 0 {
		if state.Len() > 0 {
			return nil, Checkpoint{}, &StateMismatchError{Want: NewState().Digest(), Got: state.Digest()}
		}
		return state, Checkpoint{}, nil
	}
	stored, err := tx.LatestCheckpoint(ctx)
	if err != nil {
		return nil, Checkpoint{}, fmt.Errorf("newest checkpoint: %w", err)
	}
	cp, err := OpenCheckpoint(stored.Signed, l.verifier)
	if err != nil {
		return nil, Checkpoint{}, fmt.Errorf("newest checkpoint: %w", err)
	}
	if cp.Size != size || stored.Size != size {
		return nil, Checkpoint{}, fmt.Errorf("the newest checkpoint signs a tree of size %d, the log has %d entries", cp.Size, size)
	}
	if cp.State != "" && cp.StateVersion == StateVersion && cp.State != state.Digest() {
		return nil, Checkpoint{}, &StateMismatchError{Size: size, Want: cp.State, Got: state.Digest()}
	}
	return state, cp, nil
}

// CheckState proves the store's state against the newest signed checkpoint:
// it returns a *StateMismatchError when the store's state is not the state
// the evidence log built, and an error when the newest checkpoint is not
// valid or, with a checkpoint file, when the file holds a checkpoint of a
// larger log than the store (the store's tail was cut). It reads the state
// tables once and the file's tail: cheap enough for every start.
func (l *Log) CheckState(ctx context.Context) error {
	var size int64
	err := l.store.View(ctx, func(tx aos.Tx) error {
		var err error
		if size, err = tx.LogSize(ctx); err != nil {
			return err
		}
		_, _, err = l.loadChecked(ctx, tx, size)
		return err
	})
	if err != nil {
		return err
	}
	if l.checkpointFile == "" {
		return nil
	}
	newest, err := newestFileCheckpoint(l.checkpointFile, l.verifier)
	if err != nil {
		return err
	}
	if newest > size {
		return &TailCutError{File: l.checkpointFile, FileSize: newest, StoreSize: size}
	}
	return nil
}

// replayEntry applies an entry's state changes; a baseline entry replaces
// the whole state.
func replayEntry(s *State, e aos.Entry) {
	if e.Kind == KindStateBaseline {
		clear(s.rows)
	}
	for _, c := range e.State {
		s.Apply(c, e.Index)
	}
}

// errStateWithoutRecord fails a Record function that changed the state and
// recorded nothing: every change is evidence.
var errStateWithoutRecord = errors.New("evidence: the state was changed without a record of it")

// fileTail is how much of the checkpoint file's end CheckState reads: many
// notes' worth.
const fileTail = 64 << 10

// newestFileCheckpoint returns the size of the newest valid checkpoint in
// the checkpoint file, reading only its tail; 0 when it holds none.
func newestFileCheckpoint(path string, v note.Verifier) (int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	off := max(fi.Size()-fileTail, 0)
	data := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(data, off); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	notes := completeNotes(data)
	for i := len(notes) - 1; i >= 0; i-- {
		if cp, err := OpenCheckpoint(notes[i], v); err == nil {
			return cp.Size, nil
		}
	}
	return 0, nil
}
