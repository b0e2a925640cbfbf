package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/internal/testenv"
	"github.com/aos-dev/aos/store/postgres"
	"github.com/aos-dev/aos/store/storetest"
)

// defaultURL is the server the tests use unless $AOS_TEST_POSTGRES names
// another; it needs a role allowed to create databases.
const defaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// testDB is the database this test binary creates on first use and drops
// in TestMain, so that nothing is left behind. Each store gets a schema of
// its own in it.
var testDB struct {
	once  sync.Once
	err   error
	admin string // URL of the server's database the tests connect to first
	url   string // URL of the test database
	name  string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testDB.name != "" {
		if err := adminExec(testDB.admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{testDB.name}.Sanitize()+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "drop test database %s: %v\n", testDB.name, err)
			code = 1
		}
	}
	os.Exit(code)
}

func serverURL() string {
	if u := os.Getenv("AOS_TEST_POSTGRES"); u != "" {
		return u
	}
	return defaultURL
}

func randomName(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// adminExec runs one statement on its own connection to url.
func adminExec(url, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}

// withParams returns raw with query parameters set.
func withParams(t testing.TB, raw string, set map[string]string, path string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %s: %v", raw, err)
	}
	q := u.Query()
	for k, v := range set {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	if path != "" {
		u.Path = "/" + path
	}
	return u.String()
}

// database returns the URL of this test binary's database, creating it on
// first use, or skips t (fails it under CI=true) when PostgreSQL is not
// reachable.
func database(t *testing.T) string {
	t.Helper()
	testDB.once.Do(func() {
		testDB.admin = withParams(t, serverURL(), map[string]string{"connect_timeout": "5"}, "")
		name := randomName("aos_test_")
		if testDB.err = adminExec(testDB.admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); testDB.err != nil {
			return
		}
		testDB.name = name
		testDB.url = withParams(t, testDB.admin, nil, name)
	})
	if testDB.err != nil {
		testenv.Missing(t, "PostgreSQL ("+testDB.err.Error()+")",
			"start one that trusts local connections, or set AOS_TEST_POSTGRES to a URL whose role may create databases")
	}
	return testDB.url
}

// newSchema creates a schema in the test database and returns a store URL
// that uses it; the schema is dropped when t ends.
func newSchema(t *testing.T) string {
	t.Helper()
	db := database(t)
	schema := randomName("s_")
	ident := pgx.Identifier{schema}.Sanitize()
	if err := adminExec(db, "CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := adminExec(db, "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withParams(t, db, map[string]string{"search_path": schema}, "")
}

func open(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStore(t *testing.T) {
	storetest.TestStore(t, func(t *testing.T) aos.Store {
		return open(t, newSchema(t))
	})
}
