package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/evidence"
)

// stateHome builds, through the real server and CLI, a home whose state
// has a row in every table that decides calls: principals (one removed),
// a connection with its credential, grants of every grantee kind (one
// revoked, one for a mission), caps, and a pending approval. It returns the
// stopped instance.
func stateHome(t *testing.T) *instance {
	t.Helper()
	up := newUpstream(t)
	in := startInstance(t, "")
	token := strings.TrimSpace(in.must(t, "", "agent", "add", "researcher", "--department", "growth"))
	in.must(t, "", "agent", "add", "temp")
	in.must(t, "", "agent", "remove", "temp")
	in.must(t, "secret-value", "connect", "http", "crm", "--base-url", up.URL, "--scope", "/v1/contacts", "--to", "company")
	in.must(t, "", "grant", "crm", "--scope", "/v1/notes", "--write", "--to", "researcher")
	in.must(t, "", "grant", "crm", "--scope", "/v1/deals", "--to", "department:growth", "--mission", "q4")
	revoked := strings.TrimSpace(in.must(t, "", "grant", "crm", "--scope", "/v1/leads", "--to", "company"))
	in.must(t, "", "revoke", lastField(revoked))
	in.must(t, "", "caps", "--per-move", "2500")
	if code, _ := call(t, "GET", in.url+"/v1/proxy/crm/v1/contacts", token, ""); code != 200 {
		t.Fatalf("granted read = %d", code)
	}
	var entries []struct {
		Index      int64  `json:"index"`
		Commitment string `json:"commitment"`
	}
	if err := json.Unmarshal([]byte(in.must(t, "", "evidence", "log", "--json", "--tail", "1")), &entries); err != nil || len(entries) != 1 || entries[0].Commitment == "" {
		t.Fatalf("the call's entry: %v %+v", err, entries)
	}
	in.must(t, "", "evidence", "redact", fmt.Sprint(entries[0].Index), "--reason", "test")
	in.stop()
	code, out, errs := in.aos(t, "", "evidence", "verify")
	if code != 0 || !strings.Contains(out, "the stored state is the state the log builds") {
		t.Fatalf("untouched store: verify exit %d\n%s%s", code, out, errs)
	}
	return in
}

// lastField is the last word of s: the id a command printed.
func lastField(s string) string {
	f := strings.Fields(s)
	return f[len(f)-1]
}

// TestState_Tampering changes every table that decides calls, each in turn
// by update, insert and delete, with plain SQL on a copy of the home. Each
// time `aos evidence verify` fails naming the row, and `aos serve` refuses
// to start on the store.
func TestState_Tampering(t *testing.T) {
	in := stateHome(t)
	tests := []struct {
		name string
		sql  []string
		want string // a regular expression the verify error must match
	}{
		{"grant: widened to account-wide write", []string{
			`UPDATE grants SET scope = '*', access = 'write' WHERE scope = '/v1/contacts'`,
		}, `state: grant g_\w+ differs from the log .*access is "write" in the store, "read" in the log; scope is "\*" in the store`},
		{"grant: revocation undone", []string{
			`UPDATE grants SET revoked_at = NULL, revoked_by = '' WHERE scope = '/v1/leads'`,
		}, `state: grant g_\w+ differs from the log .*revoked_at`},
		{"grant: moved to another agent", []string{
			`UPDATE grants SET grantee = 'agent:intruder' WHERE scope = '/v1/notes'`,
		}, `state: grant g_\w+ differs .*grantee is "agent:intruder" in the store`},
		{"grant: expiry extended", []string{
			`UPDATE grants SET expires_at = '2999-01-01T00:00:00.000000000Z' WHERE scope = '/v1/deals'`,
		}, `state: grant g_\w+ differs .*expires_at`},
		{"grant: inserted", []string{
			`INSERT INTO grants (id, connection_id, scope, access, grantee, created_at) VALUES ('g_forged', 1, '*', 'write', '', '2026-01-01T00:00:00.000000000Z')`,
		}, `state: grant g_forged is in the store but no entry of the log makes it`},
		{"grant: deleted", []string{
			`DELETE FROM grants WHERE scope = '/v1/notes'`,
		}, `state: grant g_\w+ is missing from the store \(entry \d+ made it\)`},
		{"principal: token swapped", []string{
			`UPDATE principals SET token_hash = X'00112233' WHERE name = 'researcher'`,
		}, `state: principal \d+ differs .*token_hash`},
		{"principal: department changed", []string{
			`UPDATE principals SET department = 'finance' WHERE name = 'researcher'`,
		}, `state: principal \d+ differs .*department is "finance" in the store, "growth" in the log`},
		{"principal: removed agent brought back", []string{
			`UPDATE principals SET removed_at = NULL WHERE name = 'temp'`,
		}, `state: principal \d+ differs .*removed_at is "" in the store`},
		{"principal: inserted", []string{
			`INSERT INTO principals (kind, name, token_hash, created_at) VALUES ('agent', 'ghost', X'deadbeef', '2026-01-01T00:00:00.000000000Z')`,
		}, `state: principal \d+ is in the store but no entry of the log makes it .*name="ghost"`},
		{"principal: deleted", []string{
			`DELETE FROM principals WHERE name = 'temp'`,
		}, `state: principal \d+ is missing from the store`},
		{"connection: base URL", []string{
			`UPDATE connections SET base_url = 'http://attacker.invalid' WHERE name = 'crm'`,
		}, `state: connection \d+ differs .*base_url is "http://attacker.invalid" in the store`},
		{"connection: customer-data flag", []string{
			`UPDATE connections SET holds_customer_data = 1 WHERE name = 'crm'`,
		}, `state: connection \d+ differs .*holds_customer_data`},
		{"connection: settings", []string{
			`UPDATE connections SET config = X'7b7d' WHERE name = 'crm'`,
		}, `state: connection \d+ differs .*config_sha256`},
		{"connection: inserted", []string{
			`INSERT INTO connections (name, type, base_url, created_at) VALUES ('shadow', 'http', 'http://x.invalid', '2026-01-01T00:00:00.000000000Z')`,
		}, `state: connection \d+ is in the store but no entry of the log makes it`},
		{"connection: deleted", []string{
			`PRAGMA foreign_keys = OFF`, `DELETE FROM connections WHERE name = 'crm'`,
		}, `state: connection \d+ is missing from the store`},
		{"credential: sealed blob swapped", []string{
			`UPDATE credentials SET sealed = X'0102030405'`,
		}, `state: credential \d+ differs .*sealed_sha256`},
		{"credential: status", []string{
			`UPDATE credentials SET status = 'exposed'`,
		}, `state: credential \d+ differs .*status is "exposed" in the store, "active" in the log`},
		{"credential: inserted", []string{
			`UPDATE credentials SET status = 'revoked'`,
			`INSERT INTO credentials (connection_id, version, sealed, status, created_at) VALUES (1, 2, X'00', 'active', '2026-01-01T00:00:00.000000000Z')`,
		}, `state: credential \d+ (differs|is in the store but no entry of the log makes it)`},
		{"credential: deleted", []string{
			`DELETE FROM credentials`,
		}, `state: credential \d+ is missing from the store`},
		{"setting: caps raised", []string{
			`UPDATE settings SET value = '{"per_move":999999999}' WHERE key = 'caps'`,
		}, `state: setting caps differs .*value_sha256`},
		{"setting: inserted", []string{
			`INSERT INTO settings (key, value) VALUES ('strict', 'off')`,
		}, `state: setting strict is in the store but no entry of the log makes it`},
		{"setting: deleted", []string{
			`DELETE FROM settings WHERE key = 'caps'`,
		}, `state: setting caps is missing from the store`},
		{"approval: approved by hand", []string{
			`UPDATE approvals SET status = 'approved', decider = 'owner' WHERE status = 'pending'`,
		}, `state: approval ap_\w+ differs .*status is "approved" in the store, "pending" in the log`},
		{"approval: inserted", []string{
			`INSERT INTO approvals (id, kind, points, status, facts, reasons, alternatives, digest, created_at, expires_at)
			 VALUES ('ap_forged', 'call', '["money"]', 'approved', '{}', '[]', '[]', 'x', '2026-01-01T00:00:00.000000000Z', '2999-01-01T00:00:00.000000000Z')`,
		}, `state: approval ap_forged is in the store but no entry of the log makes it`},
		{"approval: deleted", []string{
			`DELETE FROM approvals WHERE status = 'pending'`,
		}, `state: approval ap_\w+ is missing from the store`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			copyDir(t, in.home, home)
			db, err := sql.Open("sqlite", filepath.Join(home, dbFile))
			if err != nil {
				t.Fatal(err)
			}
			conn, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range tt.sql {
				res, err := conn.ExecContext(context.Background(), q)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if n, _ := res.RowsAffected(); n == 0 && !strings.HasPrefix(q, "PRAGMA") {
					t.Fatalf("%s changed nothing", q)
				}
			}
			conn.Close()
			db.Close()
			tampered := &instance{home: home}
			code, out, errs := tampered.aos(t, "", "evidence", "verify")
			if code != 1 {
				t.Fatalf("verify exit %d after tampering, want 1\n%s%s", code, out, errs)
			}
			if !regexp.MustCompile(tt.want).MatchString(errs) {
				t.Fatalf("verify error does not match %q:\n%s%s", tt.want, out, errs)
			}
			t.Logf("%s", errs)
			serveMustRefuse(t, home)
		})
	}
}

// serveMustRefuse runs `aos serve` on home and expects it to exit 1 at
// once, saying why and pointing at `aos evidence verify`.
func serveMustRefuse(t *testing.T, home string, args ...string) {
	t.Helper()
	os.Remove(filepath.Join(home, serverURLFile))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append([]string{"serve", "--home", home, "--listen", "127.0.0.1:0"}, args...), strings.NewReader(""), &out, &errb)
	}()
	select {
	case code := <-done:
		if code != 1 || !strings.Contains(errb.String(), "refusing to serve") ||
			!strings.Contains(errb.String(), "aos: hint:") || !strings.Contains(errb.String(), "aos evidence verify") {
			t.Fatalf("serve on a tampered store: exit %d\n%s%s", code, out.String(), errb.String())
		}
	case <-ctx.Done():
		t.Fatalf("serve started on a tampered store:\n%s%s", out.String(), errb.String())
	}
	if _, err := os.Stat(filepath.Join(home, serverURLFile)); err == nil {
		t.Fatalf("serve wrote its URL on a tampered store")
	}
}

// TestState_RebuiltFromTheLogAlone replays the entries of an export (the
// log, with no store) into a state and finds it equal, row by row, to the
// store's state, and its digest equal to the one the newest checkpoint
// signs.
func TestState_RebuiltFromTheLogAlone(t *testing.T) {
	in := stateHome(t)
	export := filepath.Join(t.TempDir(), "export.jsonl")
	in2 := startInstance(t, in.home)
	in2.must(t, "", "evidence", "export", export)
	in2.stop()

	data, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	var entries []aos.Entry
	var newest string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l struct {
			Type string `json:"type"`
			Leaf []byte `json:"leaf"`
			Note string `json:"note"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		switch l.Type {
		case "entry":
			e, err := evidence.DecodeLeaf(l.Leaf)
			if err != nil {
				t.Fatal(err)
			}
			entries = append(entries, e)
		case "checkpoint":
			newest = l.Note
		}
	}
	rebuilt := evidence.Replay(entries)

	st, err := openStoreReadOnly(&home{dir: in.home}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var stored *evidence.State
	if err := st.View(context.Background(), func(tx aos.Tx) (err error) {
		stored, err = evidence.LoadState(context.Background(), tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if rebuilt.Len() < 10 {
		t.Fatalf("the log rebuilt only %d rows", rebuilt.Len())
	}
	want, got := stored.Changes(), rebuilt.Changes()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("state rebuilt from the log:\n%+v\nstate in the store:\n%+v", got, want)
	}
	pub, err := os.ReadFile(filepath.Join(in.home, publicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(strings.TrimSpace(string(pub)))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := evidence.OpenCheckpoint([]byte(newest), v)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != int64(len(entries)) || cp.State != rebuilt.Digest() || cp.State != stored.Digest() {
		t.Fatalf("newest checkpoint (size %d) states %s; rebuilt %s, stored %s", cp.Size, cp.State, rebuilt.Digest(), stored.Digest())
	}
}

// TestServe_StopsWhenTheStoreChangesUnderIt: a grant widened in the store
// while the server runs is found by the periodic state check, and the
// server stops instead of enforcing it.
func TestServe_StopsWhenTheStoreChangesUnderIt(t *testing.T) {
	up := newUpstream(t)
	in := startInstance(t, "", "--state-check", "100ms")
	token := strings.TrimSpace(in.must(t, "", "agent", "add", "researcher"))
	in.must(t, "secret-value", "connect", "http", "crm", "--base-url", up.URL, "--scope", "/v1/contacts", "--to", "company")
	if code, _ := call(t, "GET", in.url+"/v1/proxy/crm/v1/contacts", token, ""); code != 200 {
		t.Fatalf("granted read = %d", code)
	}
	// The server may be committing the call's outcome, recorded after its
	// answer: wait for the write lock.
	db, err := sql.Open("sqlite", filepath.Join(in.home, dbFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE grants SET scope = '*', access = 'write'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	select {
	case code := <-in.done:
		in.cancel = nil
		logs := in.logs.String()
		if code != 1 || !strings.Contains(logs, "refusing to serve") || !strings.Contains(logs, "state: ") && !strings.Contains(logs, "does not match the evidence log") {
			t.Fatalf("serve exit %d:\n%s", code, logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the server kept serving a store changed under it:\n%s", in.logs)
	}
}
