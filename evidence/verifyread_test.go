package evidence

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/aos-dev/aos"
)

// TestParseLeafTime: the fast time parser takes what time.Parse and the
// round trip through leafTimeLayout take, and nothing else (it may leave a
// valid time to the strict path: only the years before 1).
func TestParseLeafTime(t *testing.T) {
	for _, s := range []string{
		"2026-01-02T03:04:05.000000006Z", "2024-02-29T23:59:59.999999999Z", "0001-01-01T00:00:00.000000000Z",
		"9999-12-31T23:59:59.999999999Z", "2023-02-29T00:00:00.000000000Z", "2026-04-31T00:00:00.000000000Z",
		"2026-13-01T00:00:00.000000000Z", "2026-00-01T00:00:00.000000000Z", "2026-01-00T00:00:00.000000000Z",
		"2026-01-01T24:00:00.000000000Z", "2026-01-01T00:60:00.000000000Z", "2026-01-01T00:00:60.000000000Z",
		"2026-01-01T00:00:00.00000000Z", "2026-01-01T00:00:00.0000000000", "2026-01-01 00:00:00.000000000Z",
		"2026-01-01T00:00:00,000000000Z", "2026-1-01T00:00:00.000000000Z0", "+026-01-01T00:00:00.000000000Z",
		"2026-01-01T00:00:00.00000000aZ", "0000-01-01T00:00:00.000000000Z", "2026-01-01T0 :00:00.000000000Z",
	} {
		got, ok := parseLeafTime([]byte(s))
		want, err := time.Parse(leafTimeLayout, s)
		valid := err == nil && want.Format(leafTimeLayout) == s
		switch {
		case ok && !valid:
			t.Errorf("parseLeafTime(%q) = %v, but time.Parse: %v", s, got, err)
		case ok && !reflect.DeepEqual(got, want):
			t.Errorf("parseLeafTime(%q) = %#v, time.Parse %#v", s, got, want)
		case !ok && valid && want.Year() >= 1:
			t.Errorf("parseLeafTime(%q) refused a valid time", s)
		}
	}
}

// TestRowDecoder: a rowDecoder, reused, finds what tlog.RecordHash,
// DecodeLeaf and Commit find.
func TestRowDecoder(t *testing.T) {
	dec := newRowDecoder()
	for i := range 50 {
		salt, payload := []byte(fmt.Sprint("salt ", i)), []byte(fmt.Sprintf(`{"n":%d}`, i))
		e := aos.Entry{Index: int64(i), Time: time.Date(2026, 1, 2, 3, 4, 5, i, time.UTC),
			Record:     aos.Record{Kind: "call.outcome", Actor: "agent:a", Subject: "crm", Attrs: map[string]string{"n": fmt.Sprint(i % 7)}},
			Commitment: Commit(salt, payload)}
		if i%3 == 0 {
			payload = []byte("edited")
		}
		leaf, err := EncodeLeaf(e)
		if err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			leaf = append(leaf, ' ') // not canonical
		}
		d := dec.decode(aos.StoredEntry{Index: int64(i), Leaf: leaf, Salt: salt, Payload: payload})
		want, err := DecodeLeaf(leaf)
		want.Attrs = replayedAttrs(want.Attrs)
		if d.hash != tlog.RecordHash(leaf) || !reflect.DeepEqual(d.e, want) || (d.err == nil) != (err == nil) {
			t.Errorf("row %d: decoded %+v %v, want %+v %v", i, d.e, d.err, want, err)
		}
		if wantOK := err == nil && Commit(salt, payload) == want.Commitment; d.commitOK != wantOK {
			t.Errorf("row %d: commitOK %v, want %v", i, d.commitOK, wantOK)
		}
	}
}

// FuzzDecodeLeafReplayOnly: the decoder Verify uses (replayOnly) takes and
// refuses the leaves the full one does, and gives the same entry but for
// the attributes the replay does not read.
func FuzzDecodeLeafReplayOnly(f *testing.F) {
	addLeafSeeds(f)
	for _, attrs := range []map[string]string{
		{"approval": "ap_1", "b": "x\"y\\z\n\x01", "entry": "7"},
		{"authorized_entry": "12", "status": "200", "z": "ü€"},
		{"a": "1"},
	} {
		leaf, err := EncodeLeaf(aos.Entry{Index: 3, Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
			Record: aos.Record{Kind: "call.outcome", Actor: "agent:a", Subject: "crm", Attrs: attrs}})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(leaf)
	}
	in := interner{}
	f.Fuzz(func(t *testing.T, leaf []byte) {
		full, okFull := decodeCanonicalLeafIn(leaf, nil, false)
		lean, okLean := decodeCanonicalLeafIn(leaf, in, true)
		if okFull != okLean {
			t.Fatalf("full decoder ok=%v, replay-only ok=%v", okFull, okLean)
		}
		if !okFull {
			return
		}
		full.Attrs = replayedAttrs(full.Attrs)
		if !reflect.DeepEqual(full, lean) {
			t.Fatalf("full decoder %#v\nreplay-only %#v", full, lean)
		}
	})
}
