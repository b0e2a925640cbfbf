package storetest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aos-dev/aos"
)

var fingerprintCases = []testCase{
	{"PutAndFind", testFingerprintPutAndFind},
	{"FindNone", testFingerprintFindNone},
	{"Upsert", testFingerprintUpsert},
	{"UpsertWithinOneCall", testFingerprintUpsertWithinCall},
	{"UpsertRollsBack", testFingerprintUpsertRollsBack},
	{"Many", testFingerprintMany},
	{"ConnectionNameIsCurrent", testFingerprintConnectionRenamed},
	{"UnknownConnection", testFingerprintUnknownConnection},
	{"NoMAC", testFingerprintNoMAC},
}

var flowCases = []testCase{
	{"Empty", testFlowEmpty},
	{"AddAndList", testFlowAddAndList},
	{"DuplicateID", testFlowDuplicateID},
	{"NoID", testFlowNoID},
	{"OfSubjects", testFlowsOfSubjects},
	{"OfSubjectsEmpty", testFlowsOfSubjectsEmpty},
	{"SubjectWithoutMAC", testFlowSubjectWithoutMAC},
	{"SubjectsInView", testFlowSubjectsInView},
}

// newFingerprint returns a fingerprint of mac from c, first and last seen
// at the given minutes.
func newFingerprint(mac string, c *aos.Connection, category string, first, last int) aos.Fingerprint {
	return aos.Fingerprint{MAC: []byte(mac), ConnectionID: c.ID, Connection: c.Name, Category: category,
		FirstSeen: minute(first), LastSeen: minute(last)}
}

func putFingerprints(t *testing.T, s aos.Store, fps ...aos.Fingerprint) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.PutFingerprints(ctx, fps) })
}

// findFingerprints runs FindFingerprints in a View.
func findFingerprints(t *testing.T, s aos.Store, macs ...[]byte) []aos.Fingerprint {
	t.Helper()
	var fps []aos.Fingerprint
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		var err error
		fps, err = tx.FindFingerprints(ctx, macs)
		return err
	})
	return fps
}

func macs(ss ...string) [][]byte {
	var out [][]byte
	for _, s := range ss {
		out = append(out, []byte(s))
	}
	return out
}

func sortFingerprints(fps []aos.Fingerprint) []aos.Fingerprint {
	fps = slices.Clone(fps)
	slices.SortFunc(fps, func(a, b aos.Fingerprint) int {
		if c := bytes.Compare(a.MAC, b.MAC); c != 0 {
			return c
		}
		return cmp.Compare(a.ConnectionID, b.ConnectionID)
	})
	return fps
}

// checkFingerprints reports an error unless got holds the fingerprints in
// want, in any order. Connection in want is the name the store must fill in.
func checkFingerprints(t *testing.T, what string, got, want []aos.Fingerprint) {
	t.Helper()
	got, want = sortFingerprints(got), sortFingerprints(want)
	if len(got) != len(want) {
		t.Fatalf("%s: %d fingerprints, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !bytes.Equal(g.MAC, w.MAC) || g.ConnectionID != w.ConnectionID || g.Connection != w.Connection ||
			g.Category != w.Category || g.Resource != w.Resource {
			t.Errorf("%s: fingerprint = {MAC:%q ConnectionID:%d Connection:%q Resource:%q Category:%q}, "+
				"want {MAC:%q ConnectionID:%d Connection:%q Resource:%q Category:%q}", what,
				g.MAC, g.ConnectionID, g.Connection, g.Resource, g.Category,
				w.MAC, w.ConnectionID, w.Connection, w.Resource, w.Category)
		}
		checkTime(t, fmt.Sprintf("%s: %q FirstSeen", what, w.MAC), g.FirstSeen, w.FirstSeen)
		checkTime(t, fmt.Sprintf("%s: %q LastSeen", what, w.MAC), g.LastSeen, w.LastSeen)
	}
}

func testFingerprintPutAndFind(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	mail := createConnection(t, s, "mail")
	alice := newFingerprint("mac-alice", crm, "email", 1, 2)
	bob := newFingerprint("mac-bob", crm, "phone", 3, 3)
	bob.Resource = "/v1/contacts/{customer-data}"
	aliceMail := newFingerprint("mac-alice", mail, "email", 4, 5)
	binary := newFingerprint("\x00\xff\x00mac", mail, "name", 6, 6)
	// Connection is ignored on put: the store fills in the name on find.
	bob.Connection = "ignored"
	putFingerprints(t, s, alice, bob, aliceMail, binary)
	bob.Connection = "crm"

	// The same MAC known from two connections: both; unknown MACs: nothing;
	// a MAC asked for twice: once.
	got := findFingerprints(t, s, macs("mac-alice", "mac-unknown", "\x00\xff\x00mac", "mac-alice")...)
	checkFingerprints(t, "FindFingerprints(alice, unknown, binary, alice)", got,
		[]aos.Fingerprint{alice, aliceMail, binary})
	checkFingerprints(t, "FindFingerprints(bob)", findFingerprints(t, s, macs("mac-bob")...), []aos.Fingerprint{bob})
	// A prefix of a known MAC is another MAC.
	checkFingerprints(t, "FindFingerprints(prefix)", findFingerprints(t, s, macs("mac-ali")...), nil)
}

func testFingerprintFindNone(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	checkFingerprints(t, "FindFingerprints(known, empty store)", findFingerprints(t, s, macs("mac-alice")...), nil)
	putFingerprints(t, s, newFingerprint("mac-alice", crm, "email", 1, 1))
	putFingerprints(t, s) // nothing to put
	checkFingerprints(t, "FindFingerprints()", findFingerprints(t, s), nil)
	checkFingerprints(t, "FindFingerprints(empty list)", findFingerprints(t, s, [][]byte{}...), nil)
	checkFingerprints(t, "FindFingerprints(unknown)", findFingerprints(t, s, macs("mac-bob", "mac-carol")...), nil)
	checkFingerprints(t, "FindFingerprints(empty MAC)", findFingerprints(t, s, []byte{}, nil), nil)
}

// testFingerprintUpsert checks that putting a known MAC and connection again
// updates its category, resource and last-seen time and keeps its first-seen time,
// and leaves the MAC as known from other connections alone.
func testFingerprintUpsert(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	mail := createConnection(t, s, "mail")
	alice := newFingerprint("mac-alice", crm, "email", 1, 1)
	alice.Resource = "/v1/contacts"
	aliceMail := newFingerprint("mac-alice", mail, "email", 2, 2)
	aliceMail.Resource = "/inbox"
	putFingerprints(t, s, alice, aliceMail)

	again := newFingerprint("mac-alice", crm, "name", 5, 6)
	again.Resource = "/v1/deals"
	putFingerprints(t, s, again)
	alice.Category, alice.LastSeen, alice.Resource = "name", minute(6), "/v1/deals"
	checkFingerprints(t, "after an upsert", findFingerprints(t, s, macs("mac-alice")...),
		[]aos.Fingerprint{alice, aliceMail})
}

// testFingerprintUpsertWithinCall checks that one call with the same MAC and
// connection twice acts as two calls in order.
func testFingerprintUpsertWithinCall(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	putFingerprints(t, s,
		newFingerprint("mac-alice", crm, "email", 1, 1),
		newFingerprint("mac-bob", crm, "phone", 1, 1),
		newFingerprint("mac-alice", crm, "name", 2, 3),
	)
	checkFingerprints(t, "after a call with a MAC twice", findFingerprints(t, s, macs("mac-alice", "mac-bob")...),
		[]aos.Fingerprint{
			newFingerprint("mac-alice", crm, "name", 1, 3),
			newFingerprint("mac-bob", crm, "phone", 1, 1),
		})
}

func testFingerprintUpsertRollsBack(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	alice := newFingerprint("mac-alice", crm, "email", 1, 1)
	putFingerprints(t, s, alice)
	errStop := errors.New("stop")
	err := s.Update(t.Context(), func(tx aos.Tx) error {
		err := tx.PutFingerprints(t.Context(), []aos.Fingerprint{
			newFingerprint("mac-alice", crm, "name", 5, 5),
			newFingerprint("mac-bob", crm, "phone", 5, 5),
		})
		if err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Update returned %v, want fn's error %v", err, errStop)
	}
	checkFingerprints(t, "after a rolled-back upsert", findFingerprints(t, s, macs("mac-alice", "mac-bob")...),
		[]aos.Fingerprint{alice})
}

// testFingerprintMany puts and finds more MACs than a store would put in
// one statement, the size of a large scanned payload.
func testFingerprintMany(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	mail := createConnection(t, s, "mail")
	const known, unknown = 1200, 300
	var put []aos.Fingerprint
	var asked [][]byte
	for i := range known {
		mac := fmt.Sprintf("mac-%05d", i)
		put = append(put, newFingerprint(mac, crm, "email", 1, 1))
		if i%3 == 0 {
			put = append(put, newFingerprint(mac, mail, "email", 2, 2))
		}
		asked = append(asked, []byte(mac))
	}
	for i := range unknown {
		asked = append(asked, fmt.Appendf(nil, "unknown-%05d", i))
	}
	asked = append(asked, asked[:100]...) // asked twice, found once
	putFingerprints(t, s, put...)
	checkFingerprints(t, "FindFingerprints(many)", findFingerprints(t, s, asked...), put)
}

// testFingerprintConnectionRenamed checks that Connection is the
// connection's name when found, not when put.
func testFingerprintConnectionRenamed(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	alice := newFingerprint("mac-alice", crm, "email", 1, 1)
	putFingerprints(t, s, alice)
	crm.Name = "crm-eu"
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.UpdateConnection(ctx, crm) })
	alice.Connection = "crm-eu"
	checkFingerprints(t, "after a rename", findFingerprints(t, s, macs("mac-alice")...), []aos.Fingerprint{alice})
}

func testFingerprintUnknownConnection(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	ghost := &aos.Connection{ID: crm.ID + 1000, Name: "ghost"}
	err := s.Update(t.Context(), func(tx aos.Tx) error {
		return tx.PutFingerprints(t.Context(), []aos.Fingerprint{
			newFingerprint("mac-alice", crm, "email", 1, 1),
			newFingerprint("mac-bob", ghost, "email", 1, 1),
		})
	})
	wantCode(t, "PutFingerprints(unknown connection)", err, aos.ENotFound)
	checkFingerprints(t, "after a failed put", findFingerprints(t, s, macs("mac-alice", "mac-bob")...), nil)
}

func testFingerprintNoMAC(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	for _, mac := range [][]byte{nil, {}} {
		fp := newFingerprint("", crm, "email", 1, 1)
		fp.MAC = mac
		err := s.Update(t.Context(), func(tx aos.Tx) error {
			return tx.PutFingerprints(t.Context(), []aos.Fingerprint{newFingerprint("mac-alice", crm, "email", 1, 1), fp})
		})
		wantCode(t, fmt.Sprintf("PutFingerprints(MAC %#v)", mac), err, aos.EBadRequest)
	}
	checkFingerprints(t, "after a refused put", findFingerprints(t, s, macs("mac-alice")...), nil)
}

func newFlow(id string, atMinute int) *aos.Flow {
	return &aos.Flow{ID: id, Source: "crm:contacts/*", SourceResource: "/v1/contacts",
		Destination: "mail:lists/launch", Resource: "/lists/launch",
		Categories: []string{"email", "name"}, Count: 250, At: minute(atMinute), ApprovalID: "a1", Entry: 1 << 33}
}

// checkFlow reports an error unless got has every field of want. Empty and
// nil Categories are alike.
func checkFlow(t *testing.T, got, want *aos.Flow) {
	t.Helper()
	if got == nil {
		t.Fatalf("flow %s: got nil", want.ID)
	}
	checkTime(t, want.ID+" At", got.At, want.At)
	g, w := *got, *want
	g.At, w.At = time.Time{}, time.Time{}
	g.Categories, w.Categories = orNil(g.Categories), orNil(w.Categories)
	w.Subjects = nil // never listed
	if !reflect.DeepEqual(g, w) {
		t.Errorf("flow %s = %+v, want %+v", want.ID, g, w)
	}
}

func addFlows(t *testing.T, s aos.Store, fs ...*aos.Flow) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, f := range fs {
			if err := tx.AddFlow(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
}

// listFlows runs ListFlows in a View.
func listFlows(t *testing.T, s aos.Store) []*aos.Flow {
	t.Helper()
	var fs []*aos.Flow
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		var err error
		fs, err = tx.ListFlows(ctx)
		return err
	})
	return fs
}

func testFlowEmpty(t *testing.T, s aos.Store) {
	if fs := listFlows(t, s); len(fs) != 0 {
		t.Errorf("ListFlows on an empty store = %d flows, want none", len(fs))
	}
}

func testFlowAddAndList(t *testing.T, s aos.Store) {
	// Added out of order; two share a time and sort by ID.
	late := &aos.Flow{ID: "f-late", Source: "crm", Destination: "export", At: minute(9)}
	fb := newFlow("f-b", 5)
	fa := newFlow("f-a", 5)
	fa.Categories = []string{"payment"}
	fa.ApprovalID = ""
	early := newFlow("f-z", 1)
	early.Destination = "slack:#général"
	addFlows(t, s, late, fb)
	addFlows(t, s, fa, early)

	list := listFlows(t, s)
	want := []*aos.Flow{early, fa, fb, late}
	if len(list) != len(want) {
		t.Fatalf("ListFlows = %d flows, want %d", len(list), len(want))
	}
	for i := range want {
		checkFlow(t, list[i], want[i])
	}
}

func testFlowDuplicateID(t *testing.T, s aos.Store) {
	f := newFlow("f1", 1)
	addFlows(t, s, f)
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.AddFlow(t.Context(), newFlow("f1", 2)) })
	wantCode(t, "AddFlow(duplicate ID)", err, aos.EConflict)
	list := listFlows(t, s)
	if len(list) != 1 {
		t.Fatalf("ListFlows = %d flows, want 1", len(list))
	}
	checkFlow(t, list[0], f)
}

func testFlowNoID(t *testing.T, s aos.Store) {
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.AddFlow(t.Context(), newFlow("", 1)) })
	wantCode(t, "AddFlow(no ID)", err, aos.EBadRequest)
}
