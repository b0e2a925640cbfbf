package evidence

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// exportOf fills a test log with n entries, the last two of which redact
// entry 2 as an approved audit-edit, and exports it.
func exportOf(t testing.TB, tl *testLog, n int) []byte {
	t.Helper()
	tl.fill(t, n-2)
	tl.redactApproved(t, 2, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	var buf bytes.Buffer
	if err := tl.Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLog_Export(t *testing.T) {
	tl := newTestLog(t)
	data := exportOf(t, tl, 6)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 1+6+6+1 {
		t.Fatalf("export has %d lines, want 14:\n%s", len(lines), data)
	}
	if !strings.HasPrefix(lines[0], `{"type":"header","format":"aos-evidence-export","version":1,"origin":"aos.local/test","size":6,"key":"aos.test+`) {
		t.Errorf("header = %s", lines[0])
	}
	if !strings.Contains(lines[3], `"payload":null,"redacted_at":"2026-04-01T00:00:00Z"`) {
		t.Errorf("redacted entry = %s", lines[3])
	}
	if strings.Contains(string(data), "issues/2") || !strings.Contains(string(data), "{\"type\":\"end\",\"entries\":6,\"checkpoints\":6}") {
		t.Errorf("export:\n%s", data)
	}
	r, err := VerifyExport(bytes.NewReader(data), tl.verifier)
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, r)
	if r.Size != 6 || r.Checkpoints != 6 || !slices.Equal(r.Redacted, []int64{2}) {
		t.Fatalf("report = %+v", r)
	}
}

// editExport decodes the entry line for index i, lets fn change it, and
// encodes it back.
func editExport(t testing.TB, lines []string, i int64, fn func(e *exportEntry)) {
	t.Helper()
	for n, line := range lines {
		var e exportEntry
		if json.Unmarshal([]byte(line), &e) != nil || e.Type != "entry" || e.Index != i {
			continue
		}
		fn(&e)
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		lines[n] = string(b)
		return
	}
	t.Fatalf("no entry %d in the export", i)
}

func TestVerifyExport_Tamper(t *testing.T) {
	_, otherV := newTestKeys(t)
	tests := []struct {
		name      string
		tamper    func(t *testing.T, lines []string) []string
		first     int64
		last      int64
		wantInMsg string
		otherKey  bool
	}{
		{
			name: "edit payload",
			tamper: func(t *testing.T, lines []string) []string {
				editExport(t, lines, 3, func(e *exportEntry) { e.Payload = []byte(`{"path":"/elsewhere"}`) })
				return lines
			},
			first: 3, last: 3, wantInMsg: "entry 3: payload does not match its commitment",
		},
		{
			name: "edit leaf",
			tamper: func(t *testing.T, lines []string) []string {
				editExport(t, lines, 4, func(e *exportEntry) {
					le, _ := DecodeLeaf(e.Leaf)
					le.Actor = "owner"
					e.Leaf, _ = EncodeLeaf(le)
				})
				return lines
			},
			first: 4, last: 4, wantInMsg: "entry 4: differs from the signed tree of size 5 in the export",
		},
		{
			name: "fake redaction",
			tamper: func(t *testing.T, lines []string) []string {
				editExport(t, lines, 5, func(e *exportEntry) {
					e.Leaf = bytes.Replace(e.Leaf, []byte(`"kind":"call.authorized"`), []byte(`"kind":"call.denied"`), 1)
				})
				return lines
			},
			first: 5, last: 5, wantInMsg: "entry 5: differs",
		},
		{
			name: "delete an entry line",
			tamper: func(t *testing.T, lines []string) []string {
				return slices.Delete(lines, 5, 6) // entry 4
			},
			first: 4, last: 4, wantInMsg: "entry 4 missing",
		},
		{
			name: "swap two entries",
			tamper: func(t *testing.T, lines []string) []string {
				var a, b exportEntry
				editExport(t, lines, 1, func(e *exportEntry) { a = *e })
				editExport(t, lines, 6, func(e *exportEntry) { b = *e })
				editExport(t, lines, 1, func(e *exportEntry) { *e = b; e.Index = 1 })
				editExport(t, lines, 6, func(e *exportEntry) { *e = a; e.Index = 6 })
				return lines
			},
			first: 1, last: 1, wantInMsg: "entry 1: row holds the leaf of entry 6",
		},
		{
			name: "truncated",
			tamper: func(t *testing.T, lines []string) []string {
				return lines[:8] // header and entries 0-6
			},
			first: 7, last: 9, wantInMsg: "entries 7-9 missing",
		},
		{
			name: "forged checkpoint",
			tamper: func(t *testing.T, lines []string) []string {
				var cp exportCheckpoint
				json.Unmarshal([]byte(lines[15]), &cp) // the tree of size 5
				cp.Note = string(flipSignature(t, []byte(cp.Note)))
				b, _ := json.Marshal(cp)
				lines[15] = string(b)
				return lines
			},
			first: -1, last: -1, wantInMsg: "the export: line 16: invalid signature",
		},
		{
			name:     "another key",
			tamper:   func(t *testing.T, lines []string) []string { return lines },
			otherKey: true,
			first:    0, last: 9, wantInMsg: "entries 0-9: not covered by any valid signed checkpoint",
		},
		{
			name: "line after the end",
			tamper: func(t *testing.T, lines []string) []string {
				return append(lines, lines[1])
			},
			first: -1, last: -1, wantInMsg: "line 23: after the end line",
		},
		{
			name: "unknown field",
			tamper: func(t *testing.T, lines []string) []string {
				lines[2] = strings.Replace(lines[2], `"type":"entry"`, `"type":"entry","extra":1`, 1)
				return lines
			},
			first: 1, last: 1, wantInMsg: "entry 1 missing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := newTestLog(t)
			data := exportOf(t, tl, 10)
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			lines = tt.tamper(t, lines)
			v := tl.verifier
			if tt.otherKey {
				v = otherV
			}
			r, err := VerifyExport(strings.NewReader(strings.Join(lines, "\n")+"\n"), v)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK {
				t.Fatal("tampered export verifies OK")
			}
			p := r.FirstBad()
			if p.Index != tt.first || p.Last != tt.last || !strings.Contains(p.Message, tt.wantInMsg) {
				t.Errorf("FirstBad = %+v\nwant %d-%d %q\nall: %+v", *p, tt.first, tt.last, tt.wantInMsg, r.Problems)
			}
		})
	}
}

func TestVerifyExport_Garbage(t *testing.T) {
	_, v := newTestKeys(t)
	for name, input := range map[string]string{
		"empty":            "",
		"not json":         "hello\nworld\n",
		"no header":        `{"type":"end","entries":0,"checkpoints":0}` + "\n",
		"bad header":       `{"type":"header","format":"other","version":1,"origin":"o","size":0,"key":"k"}` + "\n",
		"huge size":        `{"type":"header","format":"aos-evidence-export","version":1,"origin":"o","size":9223372036854775807,"key":"k"}` + "\n" + `{"type":"entry","index":9223372036854775806,"leaf":"e30=","payload":null}` + "\n",
		"negative index":   `{"type":"header","format":"aos-evidence-export","version":1,"origin":"o","size":1,"key":"k"}` + "\n" + `{"type":"entry","index":-1,"leaf":"e30=","payload":null}` + "\n",
		"line too long":    `{"type":"header","format":"aos-evidence-export","version":1,"origin":"o","size":1,"key":"k"}` + "\n" + strings.Repeat("x", maxExportLine+1),
		"header too long":  strings.Repeat("x", maxExportLine+1),
		"checkpoint first": `{"type":"header","format":"aos-evidence-export","version":1,"origin":"o","size":1,"key":"k"}` + "\n" + `{"type":"checkpoint","size":1,"note":"x"}` + "\n" + `{"type":"entry","index":0,"leaf":"e30=","payload":null}` + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			r, err := VerifyExport(strings.NewReader(input), v)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.FirstBad() == nil {
				t.Fatalf("garbage verifies OK: %+v", r)
			}
		})
	}
}

// TestVerifyExport_Testdata regenerates (with -update) and verifies the
// export that seeds FuzzReadExport.
func TestVerifyExport_Testdata(t *testing.T) {
	v := testdataVerifier(t)
	path := filepath.Join("testdata", "export", "valid.jsonl")
	if *update {
		s := testdataSigner(t)
		tl := &testLog{store: newMemStore(), signer: s, verifier: v, clock: newFakeClock()}
		l, err := New(Config{Store: tl.store, Signer: s, Verifier: v, Origin: testOrigin, Now: tl.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		tl.Log = l
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, exportOf(t, tl, 5), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := VerifyExport(f, v)
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, r)
}

func FuzzReadExport(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "export", "*.jsonl"))
	if len(seeds) == 0 {
		f.Fatal("no seeds in testdata/export")
	}
	for _, path := range seeds {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	v := testdataVerifier(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := VerifyExport(bytes.NewReader(data), v)
		if err != nil {
			t.Fatalf("VerifyExport on a reader that cannot fail: %v", err)
		}
		if r.OK != (len(r.Problems) == 0) || r.OK != (r.FirstBad() == nil) {
			t.Fatalf("inconsistent report: %+v", r)
		}
		if !slices.IsSortedFunc(r.Problems, func(a, b Problem) int { return cmp.Compare(a.Index, b.Index) }) {
			t.Fatalf("problems not sorted: %+v", r.Problems)
		}
	})
}
