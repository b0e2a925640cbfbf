package postgres

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
)

// shop is the endpoint the classification tests resolve names in.
var shop = &endpoint{host: "db.example", port: 5432, db: "shop", schema: "public", sslmode: "require"}

func TestClassify(t *testing.T) {
	tests := []struct {
		name, sql string
		class     class
		resource  string // for shop, unqualified names in public
		code      string
	}{
		// Reads.
		{name: "select", sql: "SELECT * FROM orders", class: classRead, resource: "shop/public/orders"},
		{name: "qualified", sql: "select * from sales.leads", class: classRead, resource: "shop/sales/leads"},
		{name: "three-part name", sql: "select * from shop.sales.leads", class: classRead, resource: "shop/sales/leads"},
		{name: "join across schemas", sql: "SELECT o.id, l.note FROM orders o JOIN sales.leads l ON l.id = o.id",
			class: classRead, resource: "shop/public/orders,shop/sales/leads"},
		{name: "comma join", sql: "SELECT * FROM orders o, customers c, sales.leads WHERE o.customer_id = c.id",
			class: classRead, resource: "shop/public/customers,shop/public/orders,shop/sales/leads"},
		{name: "comma join after ON", sql: "SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id, sales.leads l",
			class: classRead, resource: "shop/public/customers,shop/public/orders,shop/sales/leads"},
		{name: "subquery in WHERE", sql: "SELECT id FROM orders WHERE customer_id IN (SELECT id FROM customers)",
			class: classRead, resource: "shop/public/customers,shop/public/orders"},
		{name: "subquery in FROM", sql: "SELECT * FROM (SELECT * FROM sales.leads) AS x", class: classRead, resource: "shop/sales/leads"},
		{name: "exists", sql: "SELECT 1 FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = orders.customer_id)",
			class: classRead, resource: "shop/public/customers,shop/public/orders"},
		{name: "CTE names are not relations", sql: "WITH recent AS (SELECT * FROM orders), big AS MATERIALIZED (SELECT * FROM recent) SELECT * FROM big",
			class: classRead, resource: "shop/public/orders"},
		{name: "CTE shadowing a table reads what it says", sql: "WITH orders AS (SELECT * FROM customers) SELECT * FROM orders",
			class: classRead, resource: "shop/public/customers"},
		{name: "recursive CTE", sql: "WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n+1 FROM t WHERE n < 5) SELECT n FROM t",
			class: classRead, resource: "shop/*"},
		{name: "view", sql: "SELECT * FROM order_emails", class: classRead, resource: "shop/public/order_emails"},
		{name: "values", sql: "VALUES (1, 'a'), (2, 'b')", class: classRead, resource: "shop/*"},
		{name: "select without relations", sql: "SELECT 1", class: classRead, resource: "shop/*"},
		{name: "TABLE statement", sql: "TABLE sales.leads", class: classRead, resource: "shop/sales/leads"},
		{name: "parenthesised union", sql: "(SELECT id FROM orders) UNION (TABLE customers)", class: classRead,
			resource: "shop/public/customers,shop/public/orders"},
		{name: "ONLY and LATERAL", sql: "SELECT * FROM ONLY orders o, LATERAL (SELECT * FROM customers c WHERE c.id = o.customer_id) x",
			class: classRead, resource: "shop/public/customers,shop/public/orders"},
		{name: "ONLY (name)", sql: "SELECT * FROM ONLY (orders)", class: classRead, resource: "shop/public/orders"},
		{name: "EXTRACT FROM is not a relation", sql: "SELECT extract(year FROM created_at), substring(note FROM 2), trim(both FROM note) FROM orders",
			class: classRead, resource: "shop/public/orders"},
		{name: "IS DISTINCT FROM is not a relation", sql: "SELECT * FROM orders WHERE note IS NOT DISTINCT FROM total::text AND 1 IS DISTINCT FROM id",
			class: classRead, resource: "shop/public/orders"},
		{name: "function in FROM", sql: "SELECT * FROM generate_series(1, 3) g", class: classRead, resource: "shop/*"},
		{name: "qualified user function", sql: "SELECT public.peek()", class: classRead, resource: "shop/public/peek"},
		{name: "qualified user function in FROM", sql: "SELECT * FROM reports.daily(1) d JOIN orders o ON true",
			class: classRead, resource: "shop/public/orders,shop/reports/daily"},
		{name: "catalog function is built in", sql: "SELECT pg_catalog.now(), information_schema._pg_truetypid(a, t) FROM orders a, customers t",
			class: classRead, resource: "shop/public/customers,shop/public/orders"},
		{name: "catalog table", sql: "SELECT relname FROM pg_catalog.pg_class", class: classRead, resource: "shop/pg_catalog/pg_class"},
		{name: "quoted identifiers keep case, dots and quotes", sql: `SELECT * FROM "Sales"."we.ird""name" AS "x.y"`,
			class: classRead, resource: `shop/Sales/we.ird"name`},
		{name: "unquoted folds to lower case", sql: "SELECT * FROM Sales.LEADS", class: classRead, resource: "shop/sales/leads"},
		{name: "comments hide nothing", sql: "SELECT * /* FROM customers */ FROM orders -- JOIN customers\n", class: classRead, resource: "shop/public/orders"},
		{name: "nested comment", sql: "SELECT * /* a /* b */ FROM customers */ FROM orders", class: classRead, resource: "shop/public/orders"},
		{name: "strings hide nothing", sql: "SELECT 'FROM customers', E'\\' FROM customers', $$FROM customers$$, $x$ $$ $x$ FROM orders",
			class: classRead, resource: "shop/public/orders"},
		{name: "for update of", sql: "SELECT * FROM orders FOR UPDATE OF orders", class: classRead, resource: "shop/public/orders"},
		{name: "current_date in FROM", sql: "SELECT * FROM current_date", class: classRead, resource: "shop/*"},
		{name: "trailing semicolon", sql: "SELECT 1;  -- done", class: classRead, resource: "shop/*"},
		{name: "search_path is the connection's", sql: "SELECT * FROM pg_class", class: classRead, resource: "shop/public/pg_class"},

		// Writes.
		{name: "insert", sql: "INSERT INTO orders (customer_id, total) VALUES ($1, $2)", class: classWrite, resource: "shop/public/orders"},
		{name: "insert select reads another table", sql: "INSERT INTO sales.leads (id, note) SELECT id, email FROM customers",
			class: classWrite, resource: "shop/public/customers,shop/sales/leads"},
		{name: "insert table", sql: "INSERT INTO sales.leads TABLE sales.leads", class: classWrite, resource: "shop/sales/leads"},
		{name: "insert on conflict", sql: "INSERT INTO orders (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET total = 0",
			class: classWrite, resource: "shop/public/orders"},
		{name: "update from", sql: "UPDATE orders o SET total = 0 FROM customers c WHERE c.id = o.customer_id",
			class: classWrite, resource: "shop/public/customers,shop/public/orders"},
		{name: "update only", sql: "UPDATE ONLY orders SET total = 0", class: classWrite, resource: "shop/public/orders"},
		{name: "delete using", sql: "DELETE FROM orders USING customers, sales.leads WHERE customers.id = orders.customer_id",
			class: classWrite, resource: "shop/public/customers,shop/public/orders,shop/sales/leads"},
		{name: "merge", sql: "MERGE INTO orders o USING sales.leads l ON o.id = l.id WHEN MATCHED THEN UPDATE SET total = 1 WHEN NOT MATCHED THEN INSERT (id) VALUES (l.id)",
			class: classWrite, resource: "shop/public/orders,shop/sales/leads"},
		{name: "data-modifying CTE is a write", sql: "WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone",
			class: classWrite, resource: "shop/public/orders"},
		{name: "update in CTE", sql: "WITH x AS (UPDATE customers SET name = 'n' RETURNING id) SELECT * FROM x",
			class: classWrite, resource: "shop/public/customers"},

		// Schema changes act on the database.
		{name: "create table", sql: "CREATE TABLE public.t (id int)", class: classDDL, resource: "shop"},
		{name: "alter table", sql: "ALTER TABLE orders ADD COLUMN x int", class: classDDL, resource: "shop"},
		{name: "drop", sql: "DROP TABLE orders CASCADE", class: classDDL, resource: "shop"},
		{name: "truncate", sql: "TRUNCATE orders", class: classDDL, resource: "shop"},
		{name: "grant", sql: "GRANT SELECT ON customers TO PUBLIC", class: classDDL, resource: "shop"},
		{name: "revoke", sql: "REVOKE ALL ON orders FROM bob", class: classDDL, resource: "shop"},
		{name: "create policy", sql: "CREATE POLICY p ON orders USING (true)", class: classDDL, resource: "shop"},
		{name: "alter role", sql: "ALTER ROLE bob SUPERUSER", class: classDDL, resource: "shop"},
		{name: "select into creates a table", sql: "SELECT * INTO copy_of_customers FROM customers", class: classDDL, resource: "shop"},
		{name: "create table as", sql: "CREATE TABLE x AS SELECT * FROM customers", class: classDDL, resource: "shop"},

		// Refused.
		{name: "two statements", sql: "SELECT 1; DROP TABLE orders", code: aos.EBadRequest},
		{name: "two statements after a comment", sql: "SELECT 1 /* ; */; SELECT 2", code: aos.EBadRequest},
		{name: "empty", sql: " -- nothing\n", code: aos.EBadRequest},
		{name: "unterminated string", sql: "SELECT 'abc", code: aos.EBadRequest},
		{name: "unterminated comment", sql: "SELECT 1 /* /* */", code: aos.EBadRequest},
		{name: "unterminated dollar quote", sql: "SELECT $a$ x $b$", code: aos.EBadRequest},
		{name: "unicode identifier", sql: `SELECT * FROM U&"d\0061ta"`, code: aos.EBadRequest},
		{name: "NUL byte", sql: "SELECT 1\x00; DROP TABLE x", code: aos.EBadRequest},
		{name: "copy to", sql: "COPY customers TO STDOUT", code: aos.EUnknownOperation},
		{name: "copy from program", sql: "COPY orders FROM PROGRAM 'id'", code: aos.EUnknownOperation},
		{name: "do block", sql: "DO $$ BEGIN PERFORM 1; END $$", code: aos.EUnknownOperation},
		{name: "call", sql: "CALL cleanup()", code: aos.EUnknownOperation},
		{name: "set role", sql: "SET ROLE postgres", code: aos.EUnknownOperation},
		{name: "set session authorization", sql: "SET SESSION AUTHORIZATION postgres", code: aos.EUnknownOperation},
		{name: "reset", sql: "RESET ALL", code: aos.EUnknownOperation},
		{name: "begin", sql: "BEGIN", code: aos.EUnknownOperation},
		{name: "explain analyze", sql: "EXPLAIN ANALYZE DELETE FROM orders", code: aos.EUnknownOperation},
		{name: "vacuum", sql: "VACUUM orders", code: aos.EUnknownOperation},
		{name: "listen", sql: "LISTEN x", code: aos.EUnknownOperation},
		{name: "load", sql: "LOAD 'plugin'", code: aos.EUnknownOperation},
		{name: "parenthesised non-query", sql: "(ANALYZE) DELETE FROM orders", code: aos.EUnknownOperation},
		{name: "quoted keyword", sql: `"SELECT" 1`, code: aos.EUnknownOperation},
		{name: "pg_read_file", sql: "SELECT pg_read_file('/etc/passwd')", code: aos.EUnknownOperation},
		{name: "qualified pg_read_binary_file", sql: "SELECT pg_catalog.pg_read_binary_file('x')", code: aos.EUnknownOperation},
		{name: "dblink", sql: "SELECT * FROM dblink('host=x', 'select 1') AS t(a int)", code: aos.EUnknownOperation},
		{name: "dblink_exec", sql: "SELECT public.dblink_exec('x', 'drop table orders')", code: aos.EUnknownOperation},
		{name: "large objects", sql: "SELECT lo_export(1, '/tmp/x')", code: aos.EUnknownOperation},
		{name: "lo_get", sql: "SELECT lo_get(16403)", code: aos.EUnknownOperation},
		{name: "set_config", sql: "SELECT set_config('search_path', 'evil', false)", code: aos.EUnknownOperation},
		{name: "query in a string", sql: "SELECT query_to_xml('select * from customers', true, false, '')", code: aos.EUnknownOperation},
		{name: "table_to_xml", sql: "SELECT table_to_xml('customers', true, false, '')", code: aos.EUnknownOperation},
		{name: "ts_stat", sql: "SELECT * FROM ts_stat('select v from customers')", code: aos.EUnknownOperation},
		{name: "advisory lock", sql: "SELECT pg_advisory_lock(1)", code: aos.EUnknownOperation},
		{name: "terminate backend", sql: "SELECT pg_terminate_backend(1)", code: aos.EUnknownOperation},
		{name: "notify", sql: "SELECT pg_notify('c', 'x')", code: aos.EUnknownOperation},
		{name: "denied function in DDL", sql: "CREATE TABLE x AS SELECT pg_read_file('/etc/passwd')", code: aos.EUnknownOperation},
		{name: "denied name as a column is fine", sql: "SELECT lo_price FROM orders", class: classRead, resource: "shop/public/orders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := classify(tt.sql)
			if tt.code != "" {
				if aos.ErrorCode(err) != tt.code {
					t.Fatalf("classify(%q) = %+v, %v; want code %s", tt.sql, st, err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("classify(%q): %v", tt.sql, err)
			}
			if st.class != tt.class {
				t.Errorf("class = %d, want %d", st.class, tt.class)
			}
			if got := makeResource(resourceItems(shop, st)); got != tt.resource {
				t.Errorf("resource = %q, want %q", got, tt.resource)
			}
		})
	}
}

func TestLex(t *testing.T) {
	tests := []struct {
		name, sql string
		want      string // idents (folded) and punctuation, space-separated
	}{
		{name: "folding", sql: `SeLeCt "MiXed", plain`, want: `select MiXed , plain`},
		{name: "doubled quotes", sql: `"a""b"`, want: `a"b`},
		{name: "strings vanish", sql: `a 'x''y' E'\'' b'01' X'ff' N'n' U&'\0041' b`, want: `a S S S S S S b`},
		{name: "dollar tag", sql: `$fn$ select $$ $fn$ z`, want: `S z`},
		{name: "identifier with dollar", sql: `a$$b$$ c`, want: `a$$b$$ c`},
		{name: "param", sql: `x = $12`, want: `x = $12`},
		{name: "exponent needs digits", sql: `1e'x'`, want: `1 S`},
		{name: "decimal", sql: `1.5e3 .5`, want: `1.5e3 .5`},
		{name: "operator stops at comment", sql: "a +-- c\n b", want: `a + b`},
		{name: "operator drops trailing minus", sql: "a *- b", want: `a * - b`},
		{name: "typecast", sql: "x::int", want: `x :: int`},
		{name: "qualified", sql: "s.t", want: `s . t`},
		{name: "non-ASCII identifier", sql: "SELECT\u00a0x", want: "select\u00a0x"},
		{name: "truncation at 63 bytes", sql: strings.Repeat("a", 70), want: strings.Repeat("a", 63)},
		{name: "truncation keeps characters whole", sql: strings.Repeat("a", 62) + "é", want: strings.Repeat("a", 62)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks, err := lex(tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			if got := render(toks); got != tt.want {
				t.Fatalf("lex(%q) = %q, want %q", tt.sql, got, tt.want)
			}
		})
	}
}

func render(toks []token) string {
	var parts []string
	for _, t := range toks {
		switch t.kind {
		case tString:
			parts = append(parts, "S")
		case tParam:
			parts = append(parts, "$"+t.text)
		default:
			parts = append(parts, t.text)
		}
	}
	return strings.Join(parts, " ")
}

// FuzzClassify checks that classification never panics and that whatever
// it accepts has a well-formed resource.
func FuzzClassify(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "sql", "*.sql"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("SELECT * FROM orders o JOIN sales.leads l ON true, customers")
	f.Fuzz(func(t *testing.T, sql string) {
		st, err := classify(sql)
		if err != nil {
			if c := aos.ErrorCode(err); c != aos.EBadRequest && c != aos.EUnknownOperation {
				t.Fatalf("classify(%q): unexpected code %s", sql, c)
			}
			return
		}
		res := makeResource(resourceItems(shop, st))
		if !Covers("*", res) {
			t.Fatalf("classify(%q) gives malformed resource %q", sql, res)
		}
	})
}
