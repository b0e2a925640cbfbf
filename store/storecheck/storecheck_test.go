package storecheck

import (
	"testing"
	"time"

	"github.com/aos-dev/aos"
)

func TestAppend(t *testing.T) {
	leaf := []byte{1}
	for _, tc := range []struct {
		name    string
		entries []aos.StoredEntry
		code    string
	}{
		{"continues", []aos.StoredEntry{{Index: 3, Leaf: leaf}, {Index: 4, Leaf: leaf}}, ""},
		{"gap before", []aos.StoredEntry{{Index: 4, Leaf: leaf}}, aos.EConflict},
		{"gap inside", []aos.StoredEntry{{Index: 3, Leaf: leaf}, {Index: 5, Leaf: leaf}}, aos.EBadRequest},
		{"no leaf", []aos.StoredEntry{{Index: 3}}, aos.EBadRequest},
	} {
		if got := aos.ErrorCode(Append(tc.entries, 3)); got != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, got, tc.code)
		}
	}
}

func TestTime(t *testing.T) {
	for _, tc := range []struct {
		t  time.Time
		ok bool
	}{
		{time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), true},
		{time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC), false},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		err := Time("at", tc.t)
		if (err == nil) != tc.ok || err != nil && aos.ErrorCode(err) != aos.EBadRequest {
			t.Errorf("Time(%v) = %v, want ok %v", tc.t, err, tc.ok)
		}
	}
}

func TestDistinctMACs(t *testing.T) {
	got := DistinctMACs([][]byte{[]byte("b"), nil, []byte("a"), []byte("b"), {}})
	if len(got) != 2 || string(got[0]) != "b" || string(got[1]) != "a" {
		t.Errorf("DistinctMACs = %q, want [b a]", got)
	}
}
