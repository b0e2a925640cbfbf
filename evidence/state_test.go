package evidence

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
)

// legacyLog makes, in tl's store, what a log written before entries carried
// state looks like: entries without state, checkpoints without a state
// line, and state in the store that no entry explains.
func legacyLog(t *testing.T, tl *testLog, version int) {
	t.Helper()
	tl.fill(t, 3)
	tl.store.edit(func(st *memState) {
		st.settings["caps"] = `{"per_move":100000}`
		for i, cp := range st.checkpoints {
			c, err := OpenCheckpoint(cp.Signed, tl.verifier)
			if err != nil {
				t.Fatal(err)
			}
			c.StateVersion = version
			if version == 0 {
				c.State = ""
			}
			if st.checkpoints[i].Signed, err = SignCheckpoint(c, tl.signer); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestLog_StateBaseline(t *testing.T) {
	t.Run("no state digests", func(t *testing.T) { testStateBaseline(t, 0) })
	t.Run("images of another version", func(t *testing.T) { testStateBaseline(t, StateVersion+1) })
}

func testStateBaseline(t *testing.T, version int) {
	tl := newTestLog(t)
	legacyLog(t, tl, version)
	// A new log on the old store: the first batch starts with a baseline.
	l, err := New(Config{Store: tl.store, Signer: tl.signer, Verifier: tl.verifier, Origin: testOrigin, Now: tl.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.CheckState(context.Background()); err != nil {
		t.Fatalf("CheckState on a log begun before state digests: %v", err)
	}
	idx, err := l.Record(context.Background(), func(tx aos.Tx) ([]aos.Record, error) {
		return []aos.Record{{Kind: "caps.set", Actor: "owner"}}, tx.PutSetting(context.Background(), "caps", `{"per_move":5}`)
	})
	if err != nil || len(idx) != 1 || idx[0] != 4 {
		t.Fatalf("Record = %v, %v; want entry 4 after the baseline at 3", idx, err)
	}
	es, err := l.Entries(context.Background(), 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	if es[0].Kind != KindStateBaseline || len(es[0].State) != 1 || es[0].State[0].Key != "caps" {
		t.Fatalf("entry 3 = %+v, want the baseline of the stored state", es[0])
	}
	mustOK(t, verifyNoFile(t, tl))
	if err := l.CheckState(context.Background()); err != nil {
		t.Fatalf("CheckState after the baseline: %v", err)
	}
}

func TestLog_CheckState(t *testing.T) {
	tl := newTestLog(t)
	tl.record(t, aos.Record{Kind: "caps.set", Actor: "owner"})
	if _, err := tl.Record(context.Background(), func(tx aos.Tx) ([]aos.Record, error) {
		return []aos.Record{{Kind: "caps.set", Actor: "owner"}}, tx.PutSetting(context.Background(), "caps", "1")
	}); err != nil {
		t.Fatal(err)
	}
	if err := tl.CheckState(context.Background()); err != nil {
		t.Fatalf("CheckState on an untouched store: %v", err)
	}
	tl.store.edit(func(st *memState) { st.settings["caps"] = "999" })
	err := tl.CheckState(context.Background())
	var mismatch *StateMismatchError
	if !errors.As(err, &mismatch) || mismatch.Size != 2 || !strings.Contains(err.Error(), "does not match the evidence log") {
		t.Fatalf("CheckState after tampering = %v", err)
	}
	r := tl.verify(t)
	if p := r.FirstBad(); p == nil || !strings.Contains(p.Message, "state: setting caps differs from the log (entry 1 made it)") {
		t.Fatalf("FirstBad = %+v", p)
	}
}

// A replica's log catches up with entries another replica appended and
// keeps stating the right digest.
func TestLog_StateCatchUp(t *testing.T) {
	tl := newTestLog(t)
	other, err := New(Config{Store: tl.store, Signer: tl.signer, Verifier: tl.verifier, Origin: testOrigin, Now: tl.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	put := func(l *Log, k, v string) {
		t.Helper()
		if _, err := l.Record(context.Background(), func(tx aos.Tx) ([]aos.Record, error) {
			return []aos.Record{{Kind: "setting.put", Actor: "owner", Subject: k}}, tx.PutSetting(context.Background(), k, v)
		}); err != nil {
			t.Fatal(err)
		}
	}
	put(tl.Log, "a", "1")
	put(other, "b", "2")
	put(tl.Log, "a", "3")
	put(other, "c", "4")
	tl.record(t, aos.Record{Kind: "call.authorized", Actor: "agent:x"})
	if err := tl.CheckState(context.Background()); err != nil {
		t.Fatalf("CheckState: %v", err)
	}
	mustOK(t, verifyNoFile(t, tl))
}

func verifyNoFile(t *testing.T, tl *testLog) *Report {
	t.Helper()
	r, err := Verify(context.Background(), tl.store, tl.verifier, "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The digest depends on the rows alone: not on the order they came in, nor
// on the rows that came and went on the way.
func TestState_Digest(t *testing.T) {
	g := func(id, scope string) aos.StateChange {
		return GrantImage(&aos.Grant{ID: id, ConnectionID: 1, Scope: scope, Access: aos.Read})
	}
	a, b := NewState(), NewState()
	a.Apply(g("g_1", "/a"), 0)
	a.Apply(g("g_2", "/b"), 1)
	b.Apply(g("g_2", "/x"), 0)
	b.Apply(SettingImage("caps", "1"), 1)
	b.Apply(g("g_1", "/a"), 2)
	b.Apply(g("g_2", "/b"), 3)
	b.Apply(aos.StateChange{Table: TableSetting, Key: "caps"}, 4)
	if a.Digest() != b.Digest() || a.Len() != 2 || b.Len() != 2 {
		t.Fatalf("same rows, different digests: %s %s", a.Digest(), b.Digest())
	}
	if NewState().Digest() == a.Digest() {
		t.Fatal("empty state has the digest of a full one")
	}
	for name, c := range map[string]aos.StateChange{
		"field changed": g("g_1", "/A"),
		"key changed":   g("g_3", "/a"),
		"table changed": {Table: TableSetting, Key: "g_1", Row: g("g_1", "/a").Row},
	} {
		s := a.Clone()
		s.Apply(c, 9)
		if c.Key != "g_1" || c.Table != TableGrant {
			s.Apply(aos.StateChange{Table: TableGrant, Key: "g_1"}, 10)
		}
		if s.Digest() == a.Digest() {
			t.Errorf("%s: digest unchanged", name)
		}
	}
	// A batch's work over a state gives the digest the state gets.
	w := newWorkState(a)
	w.apply(g("g_4", "/d"))
	w.apply(aos.StateChange{Table: TableGrant, Key: "g_1"})
	want := a.Clone()
	want.Apply(g("g_4", "/d"), 0)
	want.Apply(aos.StateChange{Table: TableGrant, Key: "g_1"}, 0)
	if w.digest() != want.Digest() {
		t.Fatal("work digest differs from the applied state's")
	}
	w.commit()
	if a.Digest() != want.Digest() || a.Len() != want.Len() {
		t.Fatal("commit did not fold the work into the state")
	}
}
