package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestEvidenceUnavailable_FailsClosed takes the store's write lock from
// outside, so that no evidence can be written, and expects calls to be
// refused with 503 evidence_unavailable before the upstream sees anything.
func TestEvidenceUnavailable_FailsClosed(t *testing.T) {
	up := newUpstream(t)
	in := startInstance(t, "")
	token := strings.TrimSpace(in.must(t, "", "agent", "add", "researcher"))
	in.must(t, "key", "connect", "http", "crm", "--base-url", up.URL, "--scope", "/v1/contacts", "--to", "company")
	if code, _ := call(t, "GET", in.url+"/v1/proxy/crm/v1/contacts", token, ""); code != 200 {
		t.Fatalf("call before the lock: %d", code)
	}
	before := up.n.Load()

	db, err := sql.Open("sqlite", filepath.Join(in.home, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The server may be committing the first call's outcome, recorded
	// after its answer: wait for the write lock.
	if _, err := conn.ExecContext(context.Background(), "PRAGMA busy_timeout = 10000"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	// Both wait out the store's busy timeout, so they run side by side.
	var wg sync.WaitGroup
	for _, m := range []string{"GET", "POST"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body := call(t, m, in.url+"/v1/proxy/crm/v1/contacts", token, "")
			if code != 503 || !strings.Contains(body, `"evidence_unavailable"`) {
				t.Errorf("%s while the log is unwritable: %d %s", m, code, body)
			}
		}()
	}
	wg.Wait()
	if n := up.n.Load(); n != before {
		t.Fatalf("upstream received %d requests while the evidence log was unwritable", n-before)
	}
	conn.ExecContext(context.Background(), "ROLLBACK")
	conn.Close()
	if code, body := call(t, "GET", in.url+"/v1/proxy/crm/v1/contacts", token, ""); code != 200 {
		t.Fatalf("call after the lock was released: %d %s", code, body)
	}
	if code, out, errs := in.aos(t, "", "evidence", "verify"); code != 0 {
		t.Fatalf("verify after the outage: %d\n%s%s", code, out, errs)
	}
}
