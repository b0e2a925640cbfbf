package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/aos-dev/aos"
)

// flowsOf runs FlowsOfSubjects in a View and returns the flows' IDs.
func flowsOf(t *testing.T, s aos.Store, ms ...[]byte) []string {
	t.Helper()
	var fs []*aos.Flow
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		var err error
		fs, err = tx.FlowsOfSubjects(ctx, ms)
		return err
	})
	ids := make([]string, len(fs))
	for i, f := range fs {
		if f.Subjects != nil {
			t.Errorf("FlowsOfSubjects: flow %s has Subjects; they are never listed", f.ID)
		}
		ids[i] = f.ID
	}
	return ids
}

func testFlowsOfSubjects(t *testing.T, s aos.Store) {
	// alice went to mail and to analytics (twice in one flow, and under
	// two MACs in another); bob only to analytics.
	mail := newFlow("f-mail", 2)
	mail.Subjects = macs("mac-alice", "mac-alice")
	ga := newFlow("f-ga", 1)
	ga.Destination, ga.Resource = "ga", "/mp/collect"
	ga.Subjects = macs("mac-bob", "mac-alice", "mac-alice-phone")
	quiet := newFlow("f-none", 3)
	addFlows(t, s, mail, ga, quiet)

	for _, c := range []struct {
		name string
		ask  [][]byte
		want []string
	}{
		{"alice", macs("mac-alice"), []string{"f-ga", "f-mail"}},
		{"alice by every MAC, once each", macs("mac-alice", "mac-alice-phone", "mac-alice"), []string{"f-ga", "f-mail"}},
		{"bob", macs("mac-bob"), []string{"f-ga"}},
		{"unknown", macs("mac-carol"), nil},
		{"a prefix is not a MAC", macs("mac-al"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := flowsOf(t, s, c.ask...); !slicesEqual(got, c.want) {
				t.Errorf("FlowsOfSubjects = %v, want %v", got, c.want)
			}
		})
	}
	var got *aos.Flow
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		fs, err := tx.FlowsOfSubjects(ctx, macs("mac-bob"))
		if len(fs) == 1 {
			got = fs[0]
		}
		return err
	})
	if got == nil {
		t.Fatal("FlowsOfSubjects(bob): no flow")
	}
	checkFlow(t, got, ga)
}

func testFlowsOfSubjectsEmpty(t *testing.T, s aos.Store) {
	f := newFlow("f1", 1)
	f.Subjects = macs("mac-alice")
	addFlows(t, s, f)
	if got := flowsOf(t, s); len(got) != 0 {
		t.Errorf("FlowsOfSubjects() = %v, want none", got)
	}
	if got := flowsOf(t, s, []byte{}); len(got) != 0 {
		t.Errorf("FlowsOfSubjects(empty MAC) = %v, want none", got)
	}
}

func testFlowSubjectWithoutMAC(t *testing.T, s aos.Store) {
	f := newFlow("f1", 1)
	f.Subjects = [][]byte{[]byte("mac-alice"), nil}
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.AddFlow(t.Context(), f) })
	wantCode(t, "AddFlow(subject without MAC)", err, aos.EBadRequest)
	if list := listFlows(t, s); len(list) != 0 {
		t.Errorf("ListFlows = %d flows after a refused add, want none", len(list))
	}
	if got := flowsOf(t, s, []byte("mac-alice")); len(got) != 0 {
		t.Errorf("FlowsOfSubjects = %v after a refused add, want none", got)
	}
}

func testFlowSubjectsInView(t *testing.T, s aos.Store) {
	f := newFlow("f1", 1)
	f.Subjects = macs("mac-alice")
	err := s.View(t.Context(), func(tx aos.Tx) error { return tx.AddFlow(t.Context(), f) })
	if err == nil {
		t.Fatal("AddFlow in a View succeeded")
	}
	if got := flowsOf(t, s, []byte("mac-alice")); len(got) != 0 {
		t.Errorf("FlowsOfSubjects = %v after an add in a View, want none", got)
	}
}

func slicesEqual(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b))
}
