package main

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
	"modernc.org/sqlite"
)

func init() {
	// leafhash(leaf) computes an RFC 6962 leaf hash inside SQL, so a test can
	// forge stored hashes the way an informed attacker would.
	sqlite.MustRegisterDeterministicScalarFunction("leafhash", 1, func(ctx *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		var b []byte
		switch v := args[0].(type) {
		case []byte:
			b = v
		case string:
			b = []byte(v)
		}
		h := tlog.RecordHash(b)
		return h[:], nil
	})
}

// copyDir copies a home folder (flat) so each tampering starts clean.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		src, err := os.Open(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(to, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(dst, src)
		src.Close()
		dst.Close()
	}
}

// rehash is SQL that sets entry n's stored leaf hash to the hash of its
// (edited) leaf, as an attacker who knows the format would.
func rehash(n int64) string {
	return fmt.Sprintf(`UPDATE evidence_hashes SET hash = (SELECT leafhash(leaf) FROM evidence_entries WHERE idx = %d) WHERE id = %d`,
		n, tlog.StoredHashIndex(0, n))
}

// TestEvidenceVerify_Tampering builds a trail through the real server, then
// edits, deletes, reorders and truncates rows of the store with plain SQL,
// and expects `aos evidence verify` to fail naming the entry or range.
func TestEvidenceVerify_Tampering(t *testing.T) {
	up := newUpstream(t)
	in := startInstance(t, "")
	token := strings.TrimSpace(in.must(t, "", "agent", "add", "researcher"))
	in.must(t, "secret-value", "connect", "http", "crm", "--base-url", up.URL, "--scope", "/v1/contacts", "--to", "company")
	for i := 0; i < 6; i++ {
		call(t, "GET", in.url+"/v1/proxy/crm/v1/contacts", token, "")
		call(t, "POST", in.url+"/v1/proxy/crm/v1/contacts", token, "{}")
	}
	in.stop()
	if code, out, errs := in.aos(t, "", "evidence", "verify"); code != 0 {
		t.Fatalf("untouched store does not verify: %d\n%s%s", code, out, errs)
	}

	tests := []struct {
		name string
		sql  []string
		want string // in the error message
	}{
		{"edit a leaf", []string{
			`UPDATE evidence_entries SET leaf = replace(leaf, 'agent:researcher', 'agent:intruder') WHERE idx = 7`,
		}, "entry 7"},
		{"edit a payload", []string{
			`UPDATE evidence_entries SET payload = replace(payload, 'POST', 'GET') WHERE idx = 9`,
		}, "entry 9"},
		{"edit a leaf and recompute its stored hash", []string{
			`UPDATE evidence_entries SET leaf = replace(leaf, 'agent:researcher', 'agent:intruder') WHERE idx = 7`,
			rehash(7),
		}, "entries 6-7: the stored tree hash over them differs"},
		{"delete a row", []string{`DELETE FROM evidence_entries WHERE idx = 5`}, "5"},
		{"cut a stored leaf hash short", []string{
			fmt.Sprintf(`UPDATE evidence_hashes SET hash = x'00' WHERE id = %d`, tlog.StoredHashIndex(0, 7)),
		}, "entry 7: stored leaf hash is not 32 bytes"},
		{"delete a stored interior hash", []string{
			fmt.Sprintf(`DELETE FROM evidence_hashes WHERE id = %d`, tlog.StoredHashIndex(1, 2)),
		}, "entries 4-5: the stored tree hash over them is missing"},
		{"reorder rows", []string{
			`UPDATE evidence_entries SET idx = 1000000 WHERE idx = 4`,
			`UPDATE evidence_entries SET idx = 4 WHERE idx = 6`,
			`UPDATE evidence_entries SET idx = 6 WHERE idx = 1000000`,
		}, "entry 4"},
		// Cut back to the oldest kept checkpoint: what is left of the
		// store is consistent, and only the checkpoint file shows the cut.
		{"truncate the tail with its checkpoints", []string{
			`DELETE FROM evidence_entries WHERE idx >= (SELECT min(size) FROM evidence_checkpoints)`,
			`UPDATE evidence_head SET size = (SELECT min(size) FROM evidence_checkpoints)`,
			`DELETE FROM evidence_checkpoints WHERE size > (SELECT min(size) FROM evidence_checkpoints)`,
		}, "missing: the checkpoint file has a signed tree of size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			copyDir(t, in.home, home)
			db, err := sql.Open("sqlite", filepath.Join(home, dbFile))
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range tt.sql {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			tampered := &instance{home: home}
			code, out, errs := tampered.aos(t, "", "evidence", "verify")
			if code != 1 {
				t.Fatalf("verify exit %d after tampering, want 1\n%s%s", code, out, errs)
			}
			if !strings.Contains(out+errs, tt.want) {
				t.Fatalf("verify error does not name %q:\n%s%s", tt.want, out, errs)
			}
			t.Logf("%s%s", out, errs)
		})
	}
}
