package evidence

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// testdataKey makes, once per run with -update, the key pair that signs the
// files regenerated in testdata, and writes its public half to
// testdata/test.vkey. The private half is never stored.
var testdataKey = sync.OnceValues(func() (note.Signer, error) {
	skey, vkey, err := GenerateKey("aos.test")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join("testdata", "test.vkey"), []byte(vkey+"\n"), 0o644); err != nil {
		return nil, err
	}
	return NewSigner(skey)
})

// testdataSigner returns the signer for regenerating testdata (-update only).
func testdataSigner(t testing.TB) note.Signer {
	t.Helper()
	if !*update {
		t.Fatal("testdata can be signed only with -update")
	}
	s, err := testdataKey()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testdataVerifier returns the public key that signed the files in testdata.
func testdataVerifier(t testing.TB) note.Verifier {
	t.Helper()
	if *update {
		testdataSigner(t)
	}
	vkey, err := os.ReadFile(filepath.Join("testdata", "test.vkey"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseCheckpoint(t *testing.T) {
	root := tlog.RecordHash([]byte("x"))
	valid := Checkpoint{Origin: testOrigin, Size: 12, Root: root}
	got, err := ParseCheckpoint(valid.Text())
	if err != nil || got != valid {
		t.Fatalf("ParseCheckpoint(Text()) = %+v, %v", got, err)
	}
	text := string(valid.Text())
	rejects := map[string]string{
		"empty":            "",
		"no final newline": strings.TrimSuffix(text, "\n"),
		"extension line":   text + "ext\n",
		"empty origin":     "\n12\n" + strings.SplitN(text, "\n", 3)[2],
		"spaced origin":    " " + text,
		"leading zero":     strings.Replace(text, "\n12\n", "\n012\n", 1),
		"negative size":    strings.Replace(text, "\n12\n", "\n-12\n", 1),
		"plus size":        strings.Replace(text, "\n12\n", "\n+12\n", 1),
		"short root":       strings.Replace(text, "\n12\n", "\n12\nAAAA\n", 1)[:len(testOrigin)+9],
		"unpadded root":    strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "=") + "\n",
		"CRLF":             strings.ReplaceAll(text, "\n", "\r\n"),
		"control origin":   "a\x01b" + text[len(testOrigin):],
	}
	for name, text := range rejects {
		t.Run(name, func(t *testing.T) {
			if c, err := ParseCheckpoint([]byte(text)); err == nil {
				t.Fatalf("ParseCheckpoint(%q) = %+v, want an error", text, c)
			}
		})
	}
}

func TestOpenCheckpoint(t *testing.T) {
	s, v := newTestKeys(t)
	other, otherV := newTestKeys(t)
	cp := Checkpoint{Origin: testOrigin, Size: 3, Root: tlog.RecordHash([]byte("x"))}
	signed, err := SignCheckpoint(cp, s)
	if err != nil {
		t.Fatal(err)
	}
	byOther, _ := SignCheckpoint(cp, other)
	both, _ := note.Sign(&note.Note{Text: string(cp.Text())}, other, s)
	tests := []struct {
		name    string
		signed  []byte
		v       note.Verifier
		wantErr string
	}{
		{"valid", signed, v, ""},
		{"valid among other signatures", both, v, ""},
		{"other key", byOther, v, "not signed by key aos.test+"},
		{"verified with another key", signed, otherV, "not signed by key"},
		{"bad signature", flipSignature(t, signed), v, "invalid signature"},
		{"edited body", bytes.Replace(signed, []byte("\n3\n"), []byte("\n4\n"), 1), v, "invalid signature"},
		{"garbage", []byte("hello"), v, "malformed note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OpenCheckpoint(tt.signed, tt.v)
			if tt.wantErr == "" {
				if err != nil || got != cp {
					t.Fatalf("OpenCheckpoint = %+v, %v", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("OpenCheckpoint error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestSplitCheckpointFile(t *testing.T) {
	s, _ := newTestKeys(t)
	var notes [][]byte
	var file []byte
	for i := range 3 {
		n, err := SignCheckpoint(Checkpoint{Origin: testOrigin, Size: int64(i + 1)}, s)
		if err != nil {
			t.Fatal(err)
		}
		notes = append(notes, n)
		file = append(append(file, n...), '\n')
	}
	tests := []struct {
		name string
		data []byte
		want [][]byte
	}{
		{"empty", nil, nil},
		{"three notes", file, notes},
		{"no final blank line", file[:len(file)-1], notes},
		{"stray blank lines", append([]byte("\n\n"), file...), notes},
		{"torn last note", file[:len(file)-10], append(notes[:2:2], notes[2][:len(notes[2])-9])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitCheckpointFile(tt.data)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d notes, want %d: %q", len(got), len(tt.want), got)
			}
			for i := range got {
				if !bytes.Equal(got[i], tt.want[i]) {
					t.Errorf("note %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestCheckpointFile_Testdata regenerates (with -update) and checks the
// checkpoint file that seeds FuzzParseCheckpoint.
func TestCheckpointFile_Testdata(t *testing.T) {
	v := testdataVerifier(t)
	path := filepath.Join("testdata", "checkpoints.txt")
	if *update {
		s := testdataSigner(t)
		os.Remove(path)
		l, err := New(Config{Store: newMemStore(), Signer: s, Verifier: v, Origin: testOrigin, CheckpointFile: path, Now: newFakeClock().Now})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, err := l.Record(context.Background(), records(testRecord(i))); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range SplitCheckpointFile(data) {
		if cp, err := OpenCheckpoint(n, v); err != nil || cp.Size != int64(i+1) {
			t.Errorf("note %d: %+v, %v", i+1, cp, err)
		}
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "checkpoints.txt"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	for _, n := range SplitCheckpointFile(data) {
		f.Add(n)
		if text, _, ok := bytes.Cut(n, []byte("\n\n")); ok {
			f.Add(append(text, '\n'))
		}
	}
	v := testdataVerifier(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := ParseCheckpoint(data); err == nil && !bytes.Equal(c.Text(), data) {
			t.Fatalf("round trip changed the checkpoint:\n%q\n%q", data, c.Text())
		}
		for _, n := range SplitCheckpointFile(data) {
			if len(n) == 0 || !bytes.Contains(data, n) {
				t.Fatalf("SplitCheckpointFile returned %q, not a piece of the input", n)
			}
			if c, err := OpenCheckpoint(n, v); err == nil {
				if _, err := ParseCheckpoint(c.Text()); err != nil {
					t.Fatalf("opened checkpoint does not parse: %v", err)
				}
			}
		}
	})
}
