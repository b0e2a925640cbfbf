package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/jackc/pgx/v5/pgconn"
)

// refusedBeforeRunning reports whether err is the connector refusing a
// call before the statement ran: a decision again on a resource that names
// the whole database, or the connector's own out-of-scope or
// unknown-operation refusal. A server error (bad_request, upstream_error)
// is not: it means the statement reached the server's executor or planner.
func refusedBeforeRunning(err error, db string) bool {
	var rd *connector.Redecide
	if errors.As(err, &rd) {
		return rd.Call != nil && namesDatabase(rd.Call.Resource, db)
	}
	code := aos.ErrorCode(err)
	return code == aos.EOutOfScope || code == aos.EUnknownOperation
}

// TestVerify_FunctionsOutsideTheGrant reproduces the escapes through
// functions: extension functions that run SQL given as text (tablefunc,
// xml2), built-ins that write sequences, and built-ins that read about
// relations and sessions outside the grant. Under grants on tables or
// schemas every one is refused before it runs.
func TestVerify_FunctionsOutsideTheGrant(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	c := f.conn(1, "shop", false)
	tests := []struct{ name, op, sql string }{
		{"crosstab reads another table", "query",
			"select t.* from allowed a, crosstab('select secret, secret, secret from other') as t(r text, c text)"},
		{"crosstab reads another schema", "query",
			"select t.* from allowed a, crosstab('select secret, secret, secret from hidden.t') as t(r text, c text)"},
		{"crosstab qualified", "query",
			"select t.* from allowed a, public.crosstab('select secret, secret, secret from other') as t(r text, c text)"},
		{"crosstab in the select list", "query",
			"select (select count(*) from crosstab('select secret, secret, secret from other') as t(r text, c text)) from allowed"},
		{"connectby reads another table", "query",
			"select t.* from allowed a, connectby('other', 'id', 'id', '1', 0) as t(k int, p int, l int)"},
		{"xpath_table deletes another table's rows", "execute",
			"insert into allowed(v) select t.x from xpath_table('id::text', 'v', 'victim', '/a', 'true; with d as (delete from victim returning id::text, v) select * from d') as t(id text, x text)"},
		{"setval resets another table's sequence", "execute",
			"insert into allowed(v) select pg_catalog.setval('other_id_seq', 1, false)::text"},
		{"setval under a read", "query", "select pg_catalog.setval('other_id_seq', 1, false) from allowed"},
		{"pg_get_viewdef", "query", "select pg_get_viewdef('other_view') from allowed"},
		{"pg_get_viewdef qualified", "query", "select pg_catalog.pg_get_viewdef('other_view'::regclass) from allowed"},
		{"pg_sequence_last_value", "query", "select pg_sequence_last_value('other_id_seq') from allowed"},
		{"pg_stat_get_live_tuples", "query", "select pg_stat_get_live_tuples('other'::regclass) from allowed"},
		{"pg_stat_get_activity", "query", "select s.query from allowed, pg_stat_get_activity(null) s"},
		{"query_to_xml", "query", "select query_to_xml('select * from other', true, true, '') from allowed"},
		{"database_to_xml", "query", "select database_to_xml(true, true, '') from allowed"},
		{"has_table_privilege", "query", "select has_table_privilege('hidden.t', 'select') from allowed"},
		{"to_regclass", "query", "select to_regclass('hidden.t') from allowed"},
		{"current_setting", "query", "select current_setting('data_directory') from allowed"},
		{"an extension's function in another schema", "query", "select contrib.digest(v, 'sha256') from allowed"},
		{"an extension's operator", "query", "select v from allowed where v operator(contrib.%) 'x'"},
		{"a cast to regclass finds another schema's table", "query", "select 'hidden.t'::regclass::oid from allowed"},
		{"a typed regclass literal", "query", "select regclass 'hidden.t' from allowed"},
		{"a cast to regclass[]", "query", "select cast('{hidden.t}' as pg_catalog.regclass[]) from allowed"},
		{"a user function by attribute notation on an expression", "query", "select (o).label from orders o"},
		{"a volatile extension function", "query", "select t.* from allowed a, public.normal_rand(1, 0, 1) t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := call(t, k, c, tt.op, tt.sql)
			if !refusedBeforeRunning(err, f.db) {
				t.Fatalf("error = %v, want a refusal before the statement runs", err)
			}
		})
	}
	t.Run("nothing ran", func(t *testing.T) {
		if n := count(t, "SELECT count(*) FROM public.victim"); n != 2 {
			t.Fatalf("victim has %d rows, want 2", n)
		}
		if n := count(t, "SELECT is_called::int FROM public.other_id_seq"); n != 1 {
			t.Fatal("other_id_seq was reset")
		}
		if n := count(t, "SELECT count(*) FROM public.allowed"); n != 0 {
			t.Fatalf("allowed has %d rows, want 0", n)
		}
	})
	t.Run("a grant on the whole database covers them", func(t *testing.T) {
		raw := []byte(`{"sql": "select t.* from orders a, crosstab('select secret, secret, secret from other') as t(r text, c text)"}`)
		cl, err := k.FromCall(c, "query", raw)
		if err != nil {
			t.Fatal(err)
		}
		_, err = k.Do(context.Background(), c, f.secret(), cl)
		var rd *connector.Redecide
		if !errors.As(err, &rd) {
			t.Fatalf("error = %v, want a redecision", err)
		}
		resp, err := k.Do(context.Background(), c, f.secret(), rd.Call)
		if err != nil || !strings.Contains(string(resp.Body), "other-secret") {
			t.Fatalf("under a grant on the database: %v %s", err, resp.Body)
		}
	})
}

// TestVerify_SafeFunctions shows that the allow-list leaves ordinary SQL
// alone under a grant on tables.
func TestVerify_SafeFunctions(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	c := f.conn(1, "shop", false)
	for _, sql := range []string{
		"SELECT lower(email), upper(name), length(email), count(*) OVER () FROM customers",
		"SELECT count(*), string_agg(email, ','), max(id), array_agg(id ORDER BY id) FROM customers",
		"SELECT id FROM orders WHERE created_at < now() - interval '1 day' AND created_at > '2000-01-01'::timestamptz",
		"SELECT to_char(created_at, 'YYYY-MM-DD'), date_trunc('day', created_at), extract(year FROM created_at) FROM orders",
		"SELECT row_to_json(o), to_jsonb(o), jsonb_build_object('id', o.id) FROM orders o",
		"SELECT to_tsvector('english', coalesce(note, '')) @@ plainto_tsquery('english', 'first') FROM orders",
		"SELECT format('%s-%s', id, total), concat(id, note), coalesce(note, 'none'), round(total, 1) FROM orders",
		"SELECT g, o.id FROM orders o, generate_series(1, 3) g",
		"SELECT regexp_replace(email, '@.*', ''), split_part(email, '@', 2), md5(email) FROM customers",
		"INSERT INTO allowed (v) SELECT lower('X') WHERE false",
		"INSERT INTO victim (v) VALUES ('c') RETURNING id", // the column default calls nextval: the owner's code
		"SELECT public.label(o) FROM orders o",
		"DELETE FROM victim WHERE v = 'c'",
	} {
		op := "query"
		if strings.HasPrefix(sql, "INSERT") || strings.HasPrefix(sql, "DELETE") {
			op = "execute"
		}
		if _, _, err := call(t, k, c, op, sql); err != nil {
			t.Errorf("%s: %v", sql, err)
		}
	}
}

// catalogFunction is one row of pg_proc with what the test needs to call
// it.
type catalogFunction struct {
	oid, schema, name, volatility string
	safe, user                    bool
	args                          string // NULL dummy arguments of the right types
}

// allFunctions lists every function of the test database, with the
// allow-list's verdict on each.
func allFunctions(t *testing.T, f *pgFixture) []catalogFunction {
	t.Helper()
	ctx := context.Background()
	pc, err := pgconn.Connect(ctx, "postgres://"+f.role+":"+f.password+"@"+f.host+"/"+f.db+"?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close(ctx)
	rows, err := query(ctx, pc, `SELECT p.oid::text, n.nspname, p.proname, p.provolatile::text, `+safeFunctionSQL+`,
    p.oid >= 16384 AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'),
    COALESCE((SELECT string_agg(CASE WHEN t.typtype = 'p' THEN 'NULL' ELSE 'NULL::' || pg_catalog.format_type(t.oid, NULL) END, ', ' ORDER BY a.i)
      FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(o, i) JOIN pg_catalog.pg_type t ON t.oid = a.o), '')
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE p.proname <> ALL ($1::text[])
  ORDER BY p.oid`, []byte("{}"), []byte(pgArray(stableSafe)))
	if err != nil {
		t.Fatal(err)
	}
	var fns []catalogFunction
	for _, r := range rows {
		fns = append(fns, catalogFunction{oid: string(r[0]), schema: string(r[1]), name: string(r[2]), volatility: string(r[3]),
			safe: string(r[4]) == "t", user: string(r[5]) == "t", args: string(r[6])})
	}
	return fns
}

// TestAllowList_EveryFunction walks every function in the test database,
// the contrib extensions included, and proves each is on the allow-list or
// refused under a grant on one table: a call of it, written with its
// schema and (when the search path finds it) without, is refused by the
// connector before the statement runs, or names a resource the table
// grant does not cover.
func TestAllowList_EveryFunction(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	c := f.conn(1, "shop", false)
	fns := allFunctions(t, f)
	if len(fns) < 3000 {
		t.Fatalf("only %d functions in pg_proc", len(fns))
	}
	grant := f.db + "/public/allowed"
	// Names the allow-list must never admit, whatever the catalog says of
	// them: each reaches outside a table grant.
	never := map[string]bool{
		"setval": true, "nextval": true, "currval": true, "lastval": true, "pg_get_viewdef": true, "pg_sequence_last_value": true,
		"pg_stat_get_live_tuples": true, "pg_stat_get_activity": true, "pg_stat_get_backend_activity": true, "crosstab": true,
		"connectby": true, "xpath_table": true, "query_to_xml": true, "table_to_xml": true, "schema_to_xml": true,
		"database_to_xml": true, "cursor_to_xml": true, "ts_stat": true, "satisfies_hash_partition": true, "to_regclass": true,
		"has_table_privilege": true, "pg_relation_size": true, "pg_table_size": true, "current_setting": true, "set_config": true,
		"pg_read_file": true, "lo_import": true, "dblink": true, "pg_backend_pid": true, "pg_partition_root": true,
		"pg_get_serial_sequence": true, "obj_description": true, "row_security_active": true, "pgstattuple": true,
		"txid_current": true, "pg_sleep": true, "pg_notify": true, "pg_advisory_lock": true, "pg_column_size": true,
	}
	stable := map[string]bool{}
	for _, fn := range fns {
		if fn.schema == "pg_catalog" && fn.volatility == "s" {
			stable[fn.name] = true
		}
	}
	for _, name := range stableSafe {
		if !stable[name] {
			t.Errorf("stableSafe names %s, which is no STABLE function of pg_catalog", name)
		}
	}
	var safe, refused, ungranted int
	for _, fn := range fns {
		if fn.safe {
			if never[fn.name] || fn.schema != "pg_catalog" || fn.volatility == "v" || fn.user {
				t.Errorf("%s.%s (oid %s, volatility %s) is on the allow-list", fn.schema, fn.name, fn.oid, fn.volatility)
			}
			safe++
			continue
		}
		calls := []string{quoteIdent(fn.schema) + "." + quoteIdent(fn.name) + "(" + fn.args + ")"}
		if fn.schema == "pg_catalog" || fn.schema == "public" {
			calls = append(calls, quoteIdent(fn.name)+"("+fn.args+")")
		}
		for _, expr := range calls {
			sql := "SELECT " + expr + " FROM public.allowed"
			raw, _ := json.Marshal(map[string]string{"sql": sql})
			cl, err := k.FromCall(c, "query", raw)
			if err != nil {
				if code := aos.ErrorCode(err); code != aos.EUnknownOperation && code != aos.EOutOfScope {
					t.Errorf("%s: FromCall = %v, want a refusal", sql, err)
				}
				refused++
				continue
			}
			if fn.user && !Covers(grant, cl.Resource) {
				ungranted++ // the owner's code, granted by name; this grant does not name it
				continue
			}
			_, err = k.Do(context.Background(), c, f.secret(), cl)
			if !refusedBeforeRunning(err, f.db) {
				t.Errorf("%s (oid %s): Do = %v, want a refusal before it runs", sql, fn.oid, err)
				continue
			}
			refused++
		}
	}
	t.Logf("%d functions: %d on the allow-list, %d calls refused by the connector, %d calls of user functions outside the grant",
		len(fns), safe, refused, ungranted)
	if n := count(t, "SELECT count(*) FROM public.allowed"); n != 0 {
		t.Fatalf("allowed has %d rows: a refused call wrote", n)
	}
}
