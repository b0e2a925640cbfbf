package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvidenceVerify_GrantRebound checks that a grant moved to another
// agent behind aos's back (its grantee ID edited in the store, the name
// left alone) is state the evidence does not explain: verify refuses it.
func TestEvidenceVerify_GrantRebound(t *testing.T) {
	up := newUpstream(t)
	in := startInstance(t, "")
	in.must(t, "", "agent", "add", "temp")
	in.must(t, "", "agent", "add", "intruder")
	in.must(t, "secret-value", "connect", "http", "crm", "--base-url", up.URL, "--scope", "/v1/contacts", "--to", "company")
	in.must(t, "", "grant", "crm", "--scope", "/v1/contacts", "--to", "temp")
	in.stop()
	if code, out, errs := in.aos(t, "", "evidence", "verify"); code != 0 {
		t.Fatalf("untouched store does not verify: %d\n%s%s", code, out, errs)
	}
	db, err := sql.Open("sqlite", filepath.Join(in.home, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec(`UPDATE grants SET grantee_id = (SELECT id FROM principals WHERE name = 'intruder')
		WHERE grantee = 'agent:temp'`)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("rebinding the grant: %d rows, %v", n, err)
	}
	db.Close()
	code, out, errs := in.aos(t, "", "evidence", "verify")
	if code != 1 || !strings.Contains(out+errs, "grant") {
		t.Fatalf("verify after rebinding a grant: exit %d, want 1 naming the grant\n%s%s", code, out, errs)
	}
	t.Logf("%s%s", out, errs)
}
