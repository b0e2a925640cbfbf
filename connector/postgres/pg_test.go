package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/internal/testenv"
	"github.com/aos-dev/aos/vault"
	"github.com/jackc/pgx/v5/pgconn"
)

// The tests run against the PostgreSQL at 127.0.0.1:5432 (trust auth), or
// the admin URL in $AOS_TEST_POSTGRES. Once per test binary they create a
// database and a login role with random names, and drop both at the end.

const defaultAdminURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable&connect_timeout=3"

// pgFixture is the test database.
type pgFixture struct {
	db, role, password string
	host               string // host:port
	err                error
	missing            bool
}

var (
	fxOnce sync.Once
	fx     pgFixture
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fx.db != "" {
		dropFixture()
	}
	os.Exit(code)
}

func adminURL() string {
	if u := os.Getenv("AOS_TEST_POSTGRES"); u != "" {
		return u
	}
	return defaultAdminURL
}

// database returns the test database, creating it on first use. Without
// PostgreSQL the test is skipped, or fails under CI=true.
func database(t testing.TB) *pgFixture {
	t.Helper()
	fxOnce.Do(setupFixture)
	if fx.missing {
		testenv.Missing(t, "PostgreSQL at "+adminURL(), "start it with trust auth for 127.0.0.1 (scripts/test-deps), or set AOS_TEST_POSTGRES")
	}
	if fx.err != nil {
		t.Fatal(fx.err)
	}
	return &fx
}

// conn is a connection to the test database for connector calls.
func (f *pgFixture) conn(id int64, name string, customerData bool) *aos.Connection {
	return &aos.Connection{ID: id, Name: name, Type: Type, HoldsCustomerData: customerData,
		BaseURL: "postgres://" + f.host + "/" + f.db + "?sslmode=disable"}
}

// secret is the credential of the test role.
func (f *pgFixture) secret() vault.Secret { return vault.NewSecret([]byte(f.role + ":" + f.password)) }

func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func adminExec(ctx context.Context, url, sql string) error {
	c, err := pgconn.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql).ReadAll()
	return err
}

// withDB returns the admin URL pointed at database db.
func withDB(url, db string) string {
	cfg, _ := pgconn.ParseConfig(url)
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&connect_timeout=3", cfg.User, cfg.Host, cfg.Port, db)
}

func setupFixture() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	admin := adminURL()
	c, err := pgconn.Connect(ctx, admin)
	if err != nil {
		fx.missing = true
		return
	}
	c.Close(ctx)
	cfg, _ := pgconn.ParseConfig(admin)
	fx.host = fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	fx.db, fx.role, fx.password = randomName("aos_pg_"), randomName("aos_agent_"), randomName("pw-")
	if fx.err = adminExec(ctx, admin, "CREATE DATABASE "+fx.db); fx.err != nil {
		return
	}
	script := strings.NewReplacer("ROLE_NAME", fx.role, "ROLE_PASSWORD", fx.password).Replace(fixtureSQL)
	fx.err = adminExec(ctx, withDB(admin, fx.db), script)
}

func dropFixture() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	admin := adminURL()
	adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+fx.db+" WITH (FORCE)")
	adminExec(ctx, admin, "DROP ROLE IF EXISTS "+fx.role)
}

// fixtureSQL builds the test database: two schemas, customer and order
// tables, a view across them, a partitioned table, functions that write
// and read, a user-defined operator, and a login role that may use them.
const fixtureSQL = `
CREATE ROLE ROLE_NAME LOGIN PASSWORD 'ROLE_PASSWORD';
CREATE SCHEMA sales;
CREATE SCHEMA reports;
CREATE TABLE public.customers (id serial PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE public.orders (id serial PRIMARY KEY, customer_id int REFERENCES customers, total numeric(10,2),
  note text, created_at timestamptz DEFAULT '2024-05-01 12:00:00.5+00');
CREATE TABLE sales.leads (id int, note text);
CREATE TABLE public."we.ird""name" (x int);
CREATE TABLE public.parted (id int, k int) PARTITION BY RANGE (k);
CREATE TABLE public.parted_low PARTITION OF public.parted FOR VALUES FROM (0) TO (10);
CREATE TABLE public.parted_high PARTITION OF public.parted FOR VALUES FROM (10) TO (100);
CREATE VIEW public.order_emails AS SELECT o.id, o.total, c.email FROM orders o JOIN customers c ON c.id = o.customer_id;
CREATE TABLE public.kinds (b bool, i2 int2, i8 int8, f8 float8, n numeric(12,3), j jsonb, raw bytea,
  tz timestamptz, ts timestamp, d date, u uuid, iv interval, arr int4[], tarr text[], grid int4[][], e text);
INSERT INTO customers (email, name) VALUES ('ada@example.com', 'Ada'), ('bob@example.com', 'Bob'), ('cy@example.com', 'Cy');
INSERT INTO orders (customer_id, total, note) VALUES (1, 10.50, 'first'), (2, 99.99, NULL), (1, 0.01, 'tiny');
INSERT INTO sales.leads VALUES (1, 'warm'), (2, 'cold');
INSERT INTO parted VALUES (1, 5), (2, 50);
INSERT INTO kinds VALUES (true, 7, 9007199254740993, 'NaN', 12345.678, '{"a": [1, "x"]}', '\xdeadbeef',
  '2024-05-01 12:00:00.25+02', '2024-05-01 12:00:00', '2024-05-01', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '1 day 02:00:00', '{1,NULL,3}', '{"a b","c,d",NULL}', '{{1,2},{3,4}}', '');
CREATE SEQUENCE public.tickets;
CREATE FUNCTION public.smuggle() RETURNS int LANGUAGE sql AS
  $$ INSERT INTO orders (customer_id, total) VALUES (1, 1) RETURNING id $$;
CREATE FUNCTION public.peek() RETURNS bigint LANGUAGE plpgsql AS
  $$ BEGIN RETURN (SELECT count(*) FROM customers); END $$;
CREATE FUNCTION reports.order_count() RETURNS bigint LANGUAGE plpgsql AS
  $$ BEGIN RETURN (SELECT count(*) FROM public.orders); END $$;
CREATE FUNCTION public.same(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $$ SELECT $1 = $2 $$;
CREATE OPERATOR public.=== (LEFTARG = int, RIGHTARG = int, FUNCTION = public.same);
CREATE FUNCTION public.label(orders) RETURNS text LANGUAGE sql AS $$ SELECT $1.note $$;
CREATE FUNCTION public.whoami() RETURNS text LANGUAGE sql AS $$ SELECT current_user::text $$;
CREATE SCHEMA hidden;
CREATE TABLE hidden.t (secret text);
INSERT INTO hidden.t VALUES ('hidden-secret');
CREATE TABLE public.allowed (v text);
CREATE TABLE public.other (id serial PRIMARY KEY, secret text);
INSERT INTO public.other (secret) VALUES ('other-secret');
CREATE TABLE public.victim (id serial PRIMARY KEY, v text);
INSERT INTO public.victim (v) VALUES ('a'), ('b');
CREATE VIEW public.other_view AS SELECT secret FROM public.other;
CREATE TABLE public.people (id serial PRIMARY KEY, email text NOT NULL, name text, tier text);
INSERT INTO public.people (email, name, tier) SELECT 'person' || g || '@example.com', 'Person Number' || g, 'gold'
  FROM generate_series(1, 1000) g;
CREATE EXTENSION tablefunc;
CREATE EXTENSION xml2;
CREATE SCHEMA contrib;
CREATE EXTENSION hstore SCHEMA contrib;
CREATE EXTENSION pg_trgm SCHEMA contrib;
CREATE EXTENSION pgcrypto SCHEMA contrib;
CREATE EXTENSION dblink SCHEMA contrib;
CREATE EXTENSION pgstattuple SCHEMA contrib;
CREATE EXTENSION fuzzystrmatch SCHEMA contrib;
CREATE EXTENSION "uuid-ossp" SCHEMA contrib;
CREATE EXTENSION lo SCHEMA contrib;
GRANT USAGE ON SCHEMA sales, reports, hidden, contrib TO ROLE_NAME;
GRANT SELECT ON hidden.t TO ROLE_NAME;
GRANT SELECT, UPDATE ON public.other_id_seq TO ROLE_NAME;
GRANT CREATE ON SCHEMA public TO ROLE_NAME;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, sales TO ROLE_NAME;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ROLE_NAME;
`
