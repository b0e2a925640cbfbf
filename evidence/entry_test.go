package evidence

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
)

var update = flag.Bool("update", false, "rewrite the golden files and fuzz seeds in testdata")

var goldenTime = time.Date(2026, 3, 1, 13, 4, 5, 6007, time.FixedZone("CET", 3600))

var leafCases = []struct {
	name  string
	entry aos.Entry
}{
	{"minimal", aos.Entry{Index: 0, Time: goldenTime, Record: aos.Record{Kind: "instance.init", Actor: "owner"}}},
	{"full", aos.Entry{
		Index: 41,
		Time:  goldenTime,
		Record: aos.Record{
			Kind:    "call.authorized",
			Actor:   "agent:scout",
			Subject: "github",
			Attrs:   map[string]string{"scope": "acme/site", "operation": "GET", "grant": "g_1"},
			Payload: []byte(`{"path":"/never/in/the/leaf"}`),
		},
		Commitment: Commit(bytes.Repeat([]byte{7}, SaltSize), []byte(`{"path":"/never/in/the/leaf"}`)),
		Redacted:   true, // not part of the leaf
	}},
	{"escapes", aos.Entry{Index: 7, Time: goldenTime, Record: aos.Record{
		Kind:    "grant.create",
		Actor:   "agent:\"quoted\" \\ back",
		Subject: "line\nbreak\ttab\x01ctl<html>&amp; é ✓ \u2028",
		Attrs:   map[string]string{"": "empty key", "ключ": "значение"},
	}}},
	{"zero time large index", aos.Entry{Index: 1<<62 + 5, Record: aos.Record{Kind: "k", Actor: "a"}}},
}

func goldenPath(name string) string {
	return filepath.Join("testdata", "leaf", strings.ReplaceAll(name, " ", "_")+".json")
}

func TestEncodeLeaf_Golden(t *testing.T) {
	for _, tt := range leafCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeLeaf(tt.entry)
			if err != nil {
				t.Fatal(err)
			}
			path := goldenPath(tt.name)
			if *update {
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("EncodeLeaf =\n%s\nwant\n%s", got, want)
			}
			again, _ := EncodeLeaf(tt.entry)
			if !bytes.Equal(got, again) {
				t.Fatal("EncodeLeaf is not deterministic")
			}
		})
	}
}

// EncodeLeaf allocates its leaf once: leafSize covers every leaf whose
// strings need no escape.
func TestEncodeLeaf_OneAllocation(t *testing.T) {
	for _, tt := range leafCases {
		leaf, err := EncodeLeaf(tt.entry)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.ContainsRune(leaf, '\\') {
			continue // escapes make a leaf longer than leafSize says
		}
		if n := leafSize(tt.entry); len(leaf) > n {
			t.Errorf("%s: leaf is %d bytes, leafSize says %d", tt.name, len(leaf), n)
		}
		if len(tt.entry.Attrs) > 8 {
			continue // more keys than appendStringMap sorts on the stack
		}
		if n := testing.AllocsPerRun(20, func() { EncodeLeaf(tt.entry) }); n != 1 {
			t.Errorf("%s: EncodeLeaf made %.0f allocations, want 1", tt.name, n)
		}
	}
}

func BenchmarkEncodeLeaf(b *testing.B) {
	e := aos.Entry{Index: 123456, Time: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Record: aos.Record{Kind: "call.outcome", Actor: "agent:7", Subject: "crm",
			Attrs: map[string]string{"connection": "crm", "status": "200", "authorized_entry": "123455"}},
		Commitment: Commit(make([]byte, SaltSize), []byte(`{"bytes":52,"duration_ms":1}`))}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeLeaf(e); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDecodeLeaf(t *testing.T) {
	t.Run("round trip", func(t *testing.T) {
		for _, tt := range leafCases {
			leaf, err := EncodeLeaf(tt.entry)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeLeaf(leaf)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			want := tt.entry
			want.Time = want.Time.UTC()
			want.Payload, want.Redacted, want.RedactedAt = nil, false, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: DecodeLeaf = %+v, want %+v", tt.name, got, want)
			}
		}
	})
	valid := `{"v":1,"index":3,"time":"2026-03-01T12:04:05.000006007Z","kind":"k","actor":"a","attrs":{"a":"1","b":"2"}}`
	if _, err := DecodeLeaf([]byte(valid)); err != nil {
		t.Fatalf("valid leaf rejected: %v", err)
	}
	rejects := map[string]string{
		"whitespace":            strings.Replace(valid, `"index":3`, `"index": 3`, 1),
		"field order":           `{"index":3,"v":1,"time":"2026-03-01T12:04:05.000006007Z","kind":"k","actor":"a"}`,
		"unknown field":         strings.Replace(valid, `"kind"`, `"payload":"x","kind"`, 1),
		"payload field":         strings.Replace(valid, `}}`, `},"payload":{"x":1}}`, 1),
		"redacted field":        strings.Replace(valid, `}}`, `},"redacted":true}`, 1),
		"escaped letter":        strings.Replace(valid, `"kind":"k"`, `"kind":"\u006b"`, 1),
		"duplicate key":         strings.Replace(valid, `"actor":"a"`, `"actor":"a","actor":"b"`, 1),
		"case-folded key":       strings.Replace(valid, `"actor"`, `"Actor"`, 1),
		"long fraction":         strings.Replace(valid, `.000006007Z`, `.000006007000Z`, 1),
		"no fraction":           strings.Replace(valid, `.000006007Z`, `Z`, 1),
		"offset time":           strings.Replace(valid, `12:04:05.000006007Z`, `13:04:05.000006007+01:00`, 1),
		"unsorted attrs":        strings.Replace(valid, `{"a":"1","b":"2"}`, `{"b":"2","a":"1"}`, 1),
		"empty attrs":           strings.Replace(valid, `,"attrs":{"a":"1","b":"2"}`, `,"attrs":{}`, 1),
		"empty subject":         strings.Replace(valid, `"actor":"a"`, `"actor":"a","subject":""`, 1),
		"missing kind":          strings.Replace(valid, `"kind":"k",`, ``, 1),
		"version 2":             strings.Replace(valid, `"v":1`, `"v":2`, 1),
		"negative index":        strings.Replace(valid, `"index":3`, `"index":-3`, 1),
		"float index":           strings.Replace(valid, `"index":3`, `"index":3.0`, 1),
		"uppercase commitment":  strings.Replace(valid, `}}`, `},"commitment":"`+strings.Repeat("A", 64)+`"}`, 1),
		"short commitment":      strings.Replace(valid, `}}`, `},"commitment":"abc"}`, 1),
		"trailing data":         valid + "{}",
		"trailing newline":      valid + "\n",
		"invalid UTF-8":         strings.Replace(valid, `"kind":"k"`, "\"kind\":\"\xff\"", 1),
		"not an object":         `[1,2,3]`,
		"empty":                 ``,
		"escaped html":          strings.Replace(valid, `"kind":"k"`, `"kind":"\u003c"`, 1),
		"unnecessary escape":    strings.Replace(valid, `"kind":"k"`, `"kind":"\/"`, 1),
		"uppercase unicode esc": strings.Replace(valid, `"kind":"k"`, `"kind":"\u001F"`, 1),
	}
	for name, leaf := range rejects {
		t.Run(name, func(t *testing.T) {
			if e, err := DecodeLeaf([]byte(leaf)); err == nil {
				t.Fatalf("DecodeLeaf(%s) = %+v, want an error", leaf, e)
			}
		})
	}
}

func TestEncodeLeaf_Errors(t *testing.T) {
	tests := map[string]aos.Entry{
		"negative index":   {Index: -1, Record: aos.Record{Kind: "k"}},
		"year 10000":       {Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Record: aos.Record{Kind: "k"}},
		"invalid UTF-8":    {Record: aos.Record{Kind: "k", Subject: "\xc3"}},
		"invalid attr":     {Record: aos.Record{Kind: "k", Attrs: map[string]string{"\xff": "v"}}},
		"bad commitment":   {Record: aos.Record{Kind: "k"}, Commitment: "xyz"},
		"upper commitment": {Record: aos.Record{Kind: "k"}, Commitment: strings.Repeat("F", 64)},
	}
	for name, e := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := EncodeLeaf(e); err == nil {
				t.Fatal("EncodeLeaf succeeded")
			}
		})
	}
}

func TestCommit(t *testing.T) {
	salt := bytes.Repeat([]byte{1}, SaltSize)
	c := Commit(salt, []byte(`{"a":1}`))
	if !isCommitment(c) {
		t.Fatalf("Commit = %q, not 64 lowercase hex digits", c)
	}
	if c != Commit(salt, []byte(`{"a":1}`)) {
		t.Fatal("Commit is not deterministic")
	}
	if c == Commit(bytes.Repeat([]byte{2}, SaltSize), []byte(`{"a":1}`)) {
		t.Fatal("Commit ignores the salt")
	}
	if Commit([]byte("ab"), []byte("c")) == Commit([]byte("a"), []byte("bc")) {
		t.Fatal("Commit does not separate salt from payload")
	}
}

func FuzzDecodeLeaf(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "leaf", "*.json"))
	if len(seeds) == 0 {
		f.Fatal("no seeds in testdata/leaf")
	}
	for _, path := range seeds {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, leaf []byte) {
		e, err := DecodeLeaf(leaf)
		if err != nil {
			return
		}
		again, err := EncodeLeaf(e)
		if err != nil {
			t.Fatalf("decoded leaf does not encode: %v", err)
		}
		if !bytes.Equal(again, leaf) {
			t.Fatalf("round trip changed the leaf:\n%q\n%q", leaf, again)
		}
	})
}

// addLeafSeeds adds the leaves of testdata/leaf to f's seeds.
func addLeafSeeds(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "leaf", "*.json"))
	for _, path := range seeds {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzDecodeLeafFast: DecodeLeaf (the hand-written canonical parser, then
// encoding/json for what it does not take) and the encoding/json path
// alone agree on every input: both refuse it, or both give the same entry.
func FuzzDecodeLeafFast(f *testing.F) {
	addLeafSeeds(f)
	for _, r := range []aos.Record{
		{Kind: "call.authorized", Actor: "agent:a", Subject: "crm", Attrs: map[string]string{"b": "x\"y\\z\n\r\t\x01\x1f", "a": "ü€😀"}},
		{Kind: "grant.add", Actor: "owner", State: []aos.StateChange{{Table: "grants", Key: "g1", Row: map[string]string{"scope": "/"}}, {Table: "grants", Key: "g0"}, {Table: "t", Key: "k", Row: map[string]string{}}}},
	} {
		leaf, err := EncodeLeaf(aos.Entry{Index: 12, Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Record: r,
			Commitment: strings.Repeat("ab", 32)})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(leaf)
	}
	f.Fuzz(func(t *testing.T, leaf []byte) {
		fast, ferr := DecodeLeaf(leaf)
		ref, rerr := decodeLeafJSON(leaf)
		if (ferr == nil) != (rerr == nil) {
			t.Fatalf("DecodeLeaf: %v; the JSON path: %v\n%q", ferr, rerr, leaf)
		}
		if ferr == nil && !reflect.DeepEqual(fast, ref) {
			t.Fatalf("the paths decode differently:\n%#v\n%#v", fast, ref)
		}
		if e, ok := decodeCanonicalLeaf(leaf); ok && rerr == nil && !reflect.DeepEqual(e, ref) {
			t.Fatalf("the canonical parser decodes a valid leaf differently:\n%#v\n%#v", e, ref)
		}
	})
}

func BenchmarkDecodeLeaf(b *testing.B) {
	leaf, err := EncodeLeaf(aos.Entry{Index: 123456, Time: time.Now(), Record: aos.Record{Kind: "call.outcome", Actor: "agent:ag_123",
		Subject: "crm", Attrs: map[string]string{"connection": "crm", "status": "200", "authorized_entry": "123455"}},
		Commitment: strings.Repeat("0f", 32)})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			decodeLeafJSON(leaf)
		}
	})
	b.Run("DecodeLeaf", func(b *testing.B) {
		for b.Loop() {
			DecodeLeaf(leaf)
		}
	})
}
