package gateway

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/sqlite"
)

// othersLog is an evidence log that only has a generation of other
// writers' entries.
type othersLog struct {
	aos.EvidenceLog
	gen uint64
	at  time.Time
}

func (l *othersLog) OthersGeneration() (uint64, time.Time)    { return l.gen, l.at }
func (l *othersLog) OthersCurrent(tx aos.Tx, gen uint64) bool { return l.gen == gen }

// TestGateway_findFingerprints: absences read from the store are
// remembered and used for the same values while nothing can have added
// fingerprints; a fingerprint added behind the set's back (as by another
// replica) is seen once the generation of other writers' entries moves, a
// learning Record empties the set and keeps it unused while under way,
// and the set is not used within a second of another writer's entries or
// for a call decided on the store.
func TestGateway_findFingerprints(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	log := &othersLog{gen: 3, at: now.Add(-time.Hour)}
	g := &Gateway{Store: st, Log: log, Now: func() time.Time { return now }}
	c := &aos.Connection{Name: "crm", Type: "http", BaseURL: "http://127.0.0.1:1", CreatedAt: now}
	if err := st.Update(ctx, func(tx aos.Tx) error { return tx.CreateConnection(ctx, c) }); err != nil {
		t.Fatal(err)
	}
	mac1, mac2 := []byte("mac-one-0123456789abcdef01234567"), []byte("mac-two-0123456789abcdef01234567")
	cands := [][]byte{mac1, mac2}
	find := func(step string, cached bool, wantCached bool, wantFound int) {
		t.Helper()
		found, mark, err := g.findFingerprints(ctx, cands, cached)
		if err != nil {
			t.Fatal(err)
		}
		if mark.cached != wantCached || len(found) != wantFound || mark.cached && mark.others != log.gen {
			t.Fatalf("%s: from the set %v (at %d), %d found; want from the set %v, %d found", step, mark.cached, mark.others, len(found), wantCached, wantFound)
		}
	}
	find("first", true, false, 0)
	find("second", true, true, 0)
	find("decided on the store", false, false, 0)

	// Added behind the set's back: the set still says absent (the batch
	// that records the call checks the generation), until it moves.
	err = st.Update(ctx, func(tx aos.Tx) error {
		return tx.PutFingerprints(ctx, []aos.Fingerprint{{MAC: mac1, ConnectionID: c.ID, Connection: c.Name, Resource: "/", Category: "email", FirstSeen: now, LastSeen: now}})
	})
	if err != nil {
		t.Fatal(err)
	}
	find("behind the set's back", true, true, 0)
	log.gen++
	find("after other writers' entries", true, false, 1)
	find("mac1 found: always read", true, false, 1)

	cands = [][]byte{mac2}
	find("mac2 alone: remembered with mac1's read", true, true, 0)
	done := g.absentFPs.learn()
	find("while learning", true, false, 0)
	find("while learning, not filled", true, false, 0)
	done()
	find("after learning: emptied", true, false, 0)
	find("after learning, filled again", true, true, 0)

	log.at = now.Add(-500 * time.Millisecond)
	find("within a second of another writer", true, false, 0)
}
