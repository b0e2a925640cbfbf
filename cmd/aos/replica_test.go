package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos/internal/testenv"
	"github.com/jackc/pgx/v5"
)

// postgresStore returns the URL of a fresh schema in the test PostgreSQL
// ($AOS_TEST_POSTGRES, else the local server), dropped when the test ends.
func postgresStore(t *testing.T) string {
	t.Helper()
	url, drop, err := newPostgresSchema()
	if errors.Is(err, errNoPostgres) {
		testenv.Missing(t, "PostgreSQL", "start it (scripts/test-deps does) or set AOS_TEST_POSTGRES")
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return url
}

var errNoPostgres = errors.New("PostgreSQL is not reachable")

// postgresBase is the test PostgreSQL: $AOS_TEST_POSTGRES, else the local server.
func postgresBase() string {
	if base := os.Getenv("AOS_TEST_POSTGRES"); base != "" {
		return base
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// newPostgresSchema makes a fresh schema in the test PostgreSQL and
// returns a store URL that uses it and a function that drops it.
func newPostgresSchema() (string, func(), error) {
	base := postgresBase()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, errNoPostgres
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "aos_replica_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	drop := func() {
		conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema, drop, nil
}

// startReplicas makes an instance on store and a copy of its home (a
// replica keeps its own checkpoint file), and serves both until the test
// ends.
func startReplicas(t *testing.T, store string) (a, b *instance) {
	t.Helper()
	homeA := filepath.Join(t.TempDir(), "a")
	var out, errs strings.Builder
	if code := Main(context.Background(), []string{"init", "--home", homeA, "--store", store}, strings.NewReader(""), &out, &errs); code != 0 {
		t.Fatalf("init: %d %s%s", code, out.String(), errs.String())
	}
	homeB := filepath.Join(t.TempDir(), "b")
	copyDir(t, homeA, homeB)
	os.Remove(filepath.Join(homeB, checkpointFile))
	return startInstance(t, homeA, "--store", store), startInstance(t, homeB, "--store", store)
}

// TestReplicas_SharePostgres runs two `aos serve` replicas on one
// PostgreSQL store: what one grants, the other enforces; what one revokes,
// the other stops at once; and the one evidence log they both write
// verifies.
func TestReplicas_SharePostgres(t *testing.T) {
	store := postgresStore(t)
	up := newUpstream(t)
	homeA := filepath.Join(t.TempDir(), "a")
	var out, errs strings.Builder
	if code := Main(context.Background(), []string{"init", "--home", homeA, "--store", store}, strings.NewReader(""), &out, &errs); code != 0 {
		t.Fatalf("init: %d %s%s", code, out.String(), errs.String())
	}
	// A second init on the same store is refused: a replica copies a home.
	if code := Main(context.Background(), []string{"init", "--home", filepath.Join(t.TempDir(), "x"), "--store", store},
		strings.NewReader(""), &out, &errs); code != 1 || !strings.Contains(errs.String(), "already holds an instance") {
		t.Fatalf("second init on the same store: %d %s", code, errs.String())
	}
	homeB := filepath.Join(t.TempDir(), "b")
	copyDir(t, homeA, homeB)
	os.Remove(filepath.Join(homeB, checkpointFile))
	a := startInstance(t, homeA, "--store", store)
	b := startInstance(t, homeB, "--store", store)

	token := strings.TrimSpace(a.must(t, "", "agent", "add", "researcher"))
	a.must(t, "crm-key-replicas", "connect", "http", "crm", "--base-url", up.URL, "--scope", "/v1/contacts", "--to", "company")
	if code, body := call(t, "GET", b.url+"/v1/proxy/crm/v1/contacts", token, ""); code != 200 {
		t.Fatalf("replica B on A's grant: %d %s", code, body)
	}
	grants := b.must(t, "", "grants", "--json")
	id := grants[strings.Index(grants, "g_") : strings.Index(grants, "g_")+14]
	b.must(t, "", "revoke", id)
	if code, body := call(t, "GET", a.url+"/v1/proxy/crm/v1/contacts", token, ""); code != 403 || !strings.Contains(body, "not_granted") {
		t.Fatalf("replica A after B revoked: %d %s", code, body)
	}
	a.stop()
	b.stop()
	for _, h := range []*instance{a, b} {
		if code, out, errs := h.aos(t, "", "evidence", "verify", "--store", store); code != 0 || !strings.HasPrefix(out, "ok:") {
			t.Fatalf("verify from %s: %d %s%s", h.home, code, out, errs)
		}
	}

	// The revoked grant brought back in the shared store: verify names it
	// and neither replica serves the store.
	conn, err := pgx.Connect(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := conn.Exec(context.Background(), `UPDATE grants SET revoked_at = NULL, revoked_by = '' WHERE id = $1`, id)
	conn.Close(context.Background())
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("tampering: %v %v", tag, err)
	}
	if code, out, errs := a.aos(t, "", "evidence", "verify", "--store", store); code != 1 ||
		!strings.Contains(errs, "state: grant "+id+" differs from the log") {
		t.Fatalf("verify after the grant was brought back in PostgreSQL: %d %s%s", code, out, errs)
	}
	serveMustRefuse(t, homeA, "--store", store)
	serveMustRefuse(t, homeB, "--store", store)
}

// TestReplicas_CachedStateFollowsTheOtherReplica: each replica decides
// calls on the state it keeps in memory; what the other replica changes
// in the shared store still decides the very next call. Both replicas have
// served the agent first, so each has the principal, the connection and
// its grants in memory when the other changes them.
func TestReplicas_CachedStateFollowsTheOtherReplica(t *testing.T) {
	store := postgresStore(t)
	up := newUpstream(t)
	a, b := startReplicas(t, store)

	token := strings.TrimSpace(a.must(t, "", "agent", "add", "researcher"))
	a.must(t, "crm-key-cached", "connect", "http", "crm", "--base-url", up.URL, "--scope", "/v1/contacts", "--to", "company")
	contacts := "/v1/proxy/crm/v1/contacts"
	both := func(step string, want int, code string) {
		t.Helper()
		for _, in := range []*instance{a, b} {
			got, body := call(t, "GET", in.url+contacts, token, "")
			if got != want || code != "" && !strings.Contains(body, `"`+code+`"`) {
				t.Fatalf("%s, on %s: %d %s, want %d %s", step, filepath.Base(in.home), got, body, want, code)
			}
		}
	}
	for range 3 { // both replicas now hold the agent, the connection and its grant in memory
		both("before any change", 200, "")
	}
	grants := a.must(t, "", "grants", "--json")
	first := grants[strings.Index(grants, "g_") : strings.Index(grants, "g_")+14]

	// Changed on B: A's next call is decided on the change, and so on.
	b.must(t, "", "revoke", first)
	if got, body := call(t, "GET", a.url+contacts, token, ""); got != 403 || !strings.Contains(body, "not_granted") {
		t.Fatalf("A's first call after B revoked the grant: %d %s", got, body)
	}
	both("after the revoke", 403, "not_granted")

	second := strings.TrimSpace(b.must(t, "", "grant", "crm", "--scope", "/v1/contacts", "--to", "researcher"))
	if got, body := call(t, "GET", a.url+contacts, token, ""); got != 200 {
		t.Fatalf("A's first call after B granted again (%s): %d %s", second, got, body)
	}
	both("after the new grant", 200, "")

	a.must(t, "", "caps", "--per-move", "1") // a change on A that B has not seen yet
	b.must(t, "", "disconnect", "crm")
	if got, body := call(t, "GET", a.url+contacts, token, ""); got != 404 && got != 403 {
		t.Fatalf("A's first call after B disconnected crm: %d %s", got, body)
	}
	b.must(t, "crm-key-again", "reconnect", "crm")
	both("after B reconnected", 200, "")

	b.must(t, "", "agent", "remove", "researcher")
	if got, body := call(t, "GET", a.url+contacts, token, ""); got != 401 {
		t.Fatalf("A's first call after B removed the agent: %d %s", got, body)
	}
	both("after the agent was removed", 401, "unauthenticated")

	a.stop()
	b.stop()
	if code, out, errs := a.aos(t, "", "evidence", "verify", "--store", store); code != 0 || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("verify: %d %s%s", code, out, errs)
	}
}

// TestReplicas_CustomerDataLearntOnTheOtherReplica: a replica that has
// looked up a value and remembered that it is no customer's (so that the
// next call carrying it need not read the store) still holds that call at
// customer-data once the other replica has learnt the value from a system
// of record: the batch that would authorise it finds the other replica's
// entries, and the call is decided again on the store.
func TestReplicas_CustomerDataLearntOnTheOtherReplica(t *testing.T) {
	store := postgresStore(t)
	const customer = "ada.lovelace@customer.example"
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id": 7, "name": "Ada Lovelace", "email": "`+customer+`"}`)
	}))
	t.Cleanup(crm.Close)
	notes := newUpstream(t)
	a, b := startReplicas(t, store)

	token := strings.TrimSpace(a.must(t, "", "agent", "add", "writer"))
	a.must(t, "crm-key-replica", "connect", "http", "crm", "--base-url", crm.URL, "--scope", "/", "--to", "company", "--holds-customer-data")
	a.must(t, "notes-key-replica", "connect", "http", "notes", "--base-url", notes.URL, "--scope", "/", "--to", "company", "--write")
	note := b.url + "/v1/proxy/notes/v1/contacts?text=follow+up+with+" + strings.ReplaceAll(customer, "@", "%40")
	send := func(step string, want int) {
		t.Helper()
		if got, body := call(t, "POST", note, token, ""); got != want {
			t.Fatalf("%s: %d %s, want %d", step, got, body, want)
		}
	}
	// Not yet anyone's: passes, and B remembers the value is no customer's.
	send("before anyone read the CRM", 200)
	time.Sleep(1200 * time.Millisecond) // B last saw A's entries over a second ago
	send("again, B's set filled", 200)
	send("again, from B's set", 200)
	time.Sleep(100 * time.Millisecond) // B's queued outcome of that call is committed before A reads

	if got, body := call(t, "GET", a.url+"/v1/proxy/crm/contacts/7", token, ""); got != 200 || !strings.Contains(body, customer) {
		t.Fatalf("reading the CRM on A: %d %s", got, body)
	}
	got, body := call(t, "POST", note, token, "")
	if got != 202 || !strings.Contains(body, `"customer-data"`) {
		t.Fatalf("B's first call after A learnt the value: %d %s; want 202 held at customer-data", got, body)
	}
}
