package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/aos-dev/aos"
)

// Others is what an evidence log offers a cache of what other writers add
// to the store (evidence.Log implements it): a generation that moves
// whenever a batch finds entries another writer appended, when it last
// moved, and, inside a Record function, whether it is still a generation.
type Others interface {
	OthersGeneration() (uint64, time.Time)
	OthersCurrent(tx aos.Tx, gen uint64) bool
}

// absentFingerprints remembers the MACs a call's scan looked up that the
// store did not hold, so that the next call carrying the same values (the
// same header fields, the same ids) need not read the store to learn that
// they are no customer's. Only absence is remembered: a MAC found is
// always read, since its rows say where it was learnt.
//
// What it remembers is true of the store as of the read that filled it,
// and stays true while nothing adds fingerprints. This process adds them
// only in the Records that learn from answers (learning): while one is
// under way the set is neither used nor filled, and once it ends the set
// is emptied. Other replicas add them in entries this process's log finds
// in its batches (Others): the set is tagged with the log's generation of
// other writers' entries and emptied when it moves, and a call whose scan
// used the set is recorded only if, inside its recording batch, no other
// writer appended since (Gateway.current); otherwise it is decided again
// on the store. The set is not used at all for a second after another
// writer was last seen, so that replicas under load read the store rather
// than decide twice.
type absentFingerprints struct {
	mu       sync.Mutex
	others   uint64 // the generation of other writers' entries the set holds for
	epoch    uint64 // moves whenever a learning Record ends
	learning int    // learning Records under way
	macs     map[string]struct{}
}

const (
	// maxAbsent bounds the set; past it, it starts again empty.
	maxAbsent = 1 << 16
	// othersQuiet is how long after another writer was last seen the set
	// is not used.
	othersQuiet = time.Second
)

// fpMark says a call's scan took some absences from the set, at a
// generation of other writers' entries.
type fpMark struct {
	cached bool
	others uint64
}

// absent reports whether every MAC of cands is known to be absent, for a
// scan at generation others.
func (a *absentFingerprints) absent(cands [][]byte, others uint64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.learning > 0 {
		return false
	}
	if a.others != others {
		if others > a.others { // never back to a generation read before it moved
			a.others, a.macs = others, nil
		}
		return false
	}
	for _, m := range cands {
		if _, ok := a.macs[string(m)]; !ok {
			return false
		}
	}
	return true
}

// reading returns the epoch to pass to fill after a read of the store,
// and false when no read may fill the set now (a learning Record is under
// way).
func (a *absentFingerprints) reading() (uint64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.epoch, a.learning == 0
}

// fill remembers the MACs of cands not among found, read from the store
// after reading returned epoch, at generation others, unless a learning
// Record began or ended, or other writers' entries were found, since.
func (a *absentFingerprints) fill(epoch, others uint64, cands [][]byte, found []aos.Fingerprint) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.learning > 0 || a.epoch != epoch {
		return
	}
	if a.others != others {
		if others < a.others {
			return // read before the set's generation moved on
		}
		a.others, a.macs = others, nil
	}
	if a.macs == nil || len(a.macs)+len(cands) > maxAbsent {
		a.macs = make(map[string]struct{}, len(cands))
	}
	have := make(map[string]bool, len(found))
	for _, fp := range found {
		have[string(fp.MAC)] = true
	}
	for _, m := range cands {
		if !have[string(m)] {
			a.macs[string(m)] = struct{}{}
		}
	}
}

// learn registers a Record that may store fingerprints; call the returned
// function once Record has returned.
func (a *absentFingerprints) learn() func() {
	a.mu.Lock()
	a.learning++
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.learning--
		a.epoch++
		a.macs = nil
	}
}

// others returns the log's generation of other writers' entries, if it
// keeps one.
func (g *Gateway) others() Others {
	o, _ := g.Log.(Others)
	return o
}

// findFingerprints returns the fingerprints the store holds among cands,
// from the set of known absences when cached allows and it knows them all
// (the mark then says so), else from the store.
func (g *Gateway) findFingerprints(ctx context.Context, cands [][]byte, cached bool) ([]aos.Fingerprint, fpMark, error) {
	o := g.others()
	if o == nil {
		cached = false
	}
	var gen uint64
	if cached {
		var at time.Time
		gen, at = o.OthersGeneration()
		if g.Now().Sub(at) >= othersQuiet && g.absentFPs.absent(cands, gen) {
			return nil, fpMark{cached: true, others: gen}, nil
		}
	}
	epoch, fill := g.absentFPs.reading()
	var found []aos.Fingerprint
	err := g.Store.View(ctx, func(tx aos.Tx) (err error) {
		found, err = tx.FindFingerprints(ctx, cands)
		return err
	})
	if err != nil {
		return nil, fpMark{}, err
	}
	if cached && fill {
		g.absentFPs.fill(epoch, gen, cands, found)
	}
	return found, fpMark{}, nil
}
