package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// decoded is a call's answer, decoded with numbers kept as written.
type decoded struct {
	Columns      []column `json:"columns"`
	Rows         [][]any  `json:"rows"`
	CSV          string   `json:"csv"`
	RowCount     int      `json:"row_count"`
	Truncated    bool     `json:"truncated"`
	Command      string   `json:"command"`
	RowsAffected int64    `json:"rows_affected"`
}

// call maps and runs one operation as the test role, as the gateway would
// after allowing it.
func call(t *testing.T, k *Connector, c *aos.Connection, op, sql string, params ...any) (*decoded, *connector.Call, error) {
	t.Helper()
	f := database(t)
	raw, _ := json.Marshal(map[string]any{"sql": sql, "params": params})
	cl, err := k.FromCall(c, op, raw)
	if err != nil {
		return nil, nil, err
	}
	resp, err := k.Do(context.Background(), c, f.secret(), cl)
	if err != nil {
		return nil, cl, err
	}
	var d decoded
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("answer %s: %v", resp.Body, err)
	}
	return &d, cl, nil
}

// callWhole runs a statement as the gateway does for an agent whose grant
// covers the whole database: a call the connector asks to decide again
// (a function only a grant on the database covers) runs as corrected.
func callWhole(t *testing.T, k *Connector, c *aos.Connection, op, sql string, params ...any) (*decoded, *connector.Call, error) {
	t.Helper()
	d, cl, err := call(t, k, c, op, sql, params...)
	var rd *connector.Redecide
	if !errors.As(err, &rd) || rd.Call == nil {
		return d, cl, err
	}
	if !strings.Contains(","+rd.Call.Resource+",", ","+item(database(t).db)+",") {
		t.Fatalf("decided again on %s, not on the database", rd.Call.Resource)
	}
	resp, err := k.Do(context.Background(), c, database(t).secret(), rd.Call)
	if err != nil {
		return nil, rd.Call, err
	}
	var out decoded
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("answer %s: %v", resp.Body, err)
	}
	return &out, rd.Call, nil
}

func newConnector(t *testing.T) *Connector {
	k := New()
	t.Cleanup(k.Close)
	return k
}

func TestDo_Query(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	c := f.conn(1, "shop", false)

	t.Run("runs as the credential's user", func(t *testing.T) {
		d, _, err := call(t, k, c, "query", "SELECT current_user, session_user, public.whoami()")
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range d.Rows[0] {
			if v != f.role {
				t.Errorf("column %d = %v, want the credential's user %s", i, v, f.role)
			}
		}
	})
	t.Run("inside a read-only transaction", func(t *testing.T) {
		d, _, err := callWhole(t, k, c, "query", "SELECT current_setting('transaction_read_only'), current_setting('search_path'), current_setting('statement_timeout')")
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Rows[0]; got[0] != "on" || got[1] != `"public", pg_temp` || got[2] != "30s" {
			t.Fatalf("settings = %v", got)
		}
	})
	t.Run("rows, columns and params", func(t *testing.T) {
		d, cl, err := call(t, k, c, "query", "SELECT id, total, note FROM orders WHERE total > $1 ORDER BY id", "1")
		if err != nil {
			t.Fatal(err)
		}
		if cl.Resource != f.db+"/public/orders" || cl.Operation.Name != "query" || cl.Operation.Access != aos.Read {
			t.Fatalf("call = %+v", cl)
		}
		want := `[[1,"10.50","first"],[2,"99.99",null]]`
		if got := marshal(d.Rows); got != want || d.RowCount != 2 || d.Truncated {
			t.Fatalf("rows = %s (%d, truncated %v), want %s", got, d.RowCount, d.Truncated, want)
		}
		if got := marshal(d.Columns); got != `[{"name":"id","type":"integer"},{"name":"total","type":"numeric(10,2)"},{"name":"note","type":"text"}]` {
			t.Fatalf("columns = %s", got)
		}
	})
	t.Run("values are encoded for JSON", func(t *testing.T) {
		d, _, err := call(t, k, c, "query", "SELECT * FROM kinds")
		if err != nil {
			t.Fatal(err)
		}
		want := `[true,7,9007199254740993,"NaN","12345.678",{"a":[1,"x"]},"3q2+7w==","2024-05-01T10:00:00.25Z",` +
			`"2024-05-01T12:00:00","2024-05-01","a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","1 day 02:00:00",[1,null,3],` +
			`["a b","c,d",null],[[1,2],[3,4]],""]`
		if got := marshal(d.Rows[0]); got != want {
			t.Fatalf("values = %s\nwant     %s", got, want)
		}
	})
	t.Run("views, partitions and qualified functions", func(t *testing.T) {
		for _, sql := range []string{
			"SELECT email FROM order_emails ORDER BY id",
			"SELECT * FROM parted",
			"SELECT reports.order_count()",
			`SELECT * FROM "we.ird""name"`,
			"SELECT id AS peek, note AS label FROM orders ORDER BY peek", // names of functions, not calls
			"SELECT public.label(o) FROM orders o",
		} {
			if _, _, err := call(t, k, c, "query", sql); err != nil {
				t.Errorf("%s: %v", sql, err)
			}
		}
	})
}

// redecide stands for a connector.Redecide in the refusal tables.
const redecide = "redecide"

// namesDatabase reports whether a resource has the database itself among
// its items, which only a grant on the whole database covers.
func namesDatabase(resource, db string) bool {
	for _, it := range strings.Split(resource, ",") {
		if it == db {
			return true
		}
	}
	return false
}

func TestDo_Refusals(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	c := f.conn(1, "shop", false)
	orders := func() int {
		d, _, err := call(t, k, c, "query", "SELECT count(*) FROM orders")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := d.Rows[0][0].(json.Number).Int64()
		return int(n)
	}
	before := orders()
	tests := []struct {
		name, op, sql string
		params        []any
		code, message string
	}{
		{name: "write smuggled through a function", op: "query", sql: "SELECT public.smuggle()",
			code: aos.EReadOnly, message: "cannot execute INSERT in a read-only transaction"},
		// A volatile built-in is outside a table grant: the gateway decides
		// again on a resource that names the database too.
		{name: "sequence write", op: "query", sql: "SELECT nextval('tickets') FROM orders",
			code: redecide, message: ","},
		// What the plan reaches beyond what the statement names is decided
		// again by the gateway, on the corrected resource; nothing runs.
		{name: "relation the lexer cannot see", op: "query", sql: "SELECT * FROM (orders JOIN customers ON customers.id = orders.customer_id)",
			code: redecide, message: f.db + "/public/orders"},
		{name: "unqualified catalog table resolves to pg_catalog", op: "query", sql: "SELECT relname FROM pg_class LIMIT 1",
			code: redecide, message: f.db + "/pg_catalog/pg_class"},
		{name: "unqualified user function", op: "query", sql: "SELECT peek() FROM orders",
			code: aos.EOutOfScope, message: "public.peek"},
		{name: "user function by attribute notation", op: "query", sql: "SELECT o.label FROM orders o",
			code: aos.EOutOfScope, message: "public.label"},
		{name: "user operator", op: "query", sql: "SELECT id FROM orders WHERE id === 1",
			code: aos.EUnknownOperation, message: "public.==="},
		{name: "write under query", op: "query", sql: "DELETE FROM orders", code: aos.EBadRequest},
		{name: "read under execute", op: "execute", sql: "SELECT * FROM orders", code: aos.EBadRequest},
		{name: "server rejects the statement", op: "query", sql: "SELECT nope FROM orders", code: aos.EBadRequest, message: "42703"},
		{name: "password never echoed", op: "query", sql: "SELECT $1::int FROM orders", params: []any{f.password},
			code: aos.EBadRequest, message: "[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := call(t, k, c, tt.op, tt.sql, tt.params...)
			if tt.code == redecide {
				var rd *connector.Redecide
				if tt.message == "," {
					if !errors.As(err, &rd) || rd.Call == nil || !namesDatabase(rd.Call.Resource, f.db) {
						t.Fatalf("error = %v, want a redecision on a resource that names the database", err)
					}
					return
				}
				if !errors.As(err, &rd) || rd.Call == nil || !strings.Contains(rd.Call.Resource, tt.message) {
					t.Fatalf("error = %v, want a redecision on a resource with %q", err, tt.message)
				}
				return
			}
			if aos.ErrorCode(err) != tt.code || !strings.Contains(aos.ErrorMessage(err), tt.message) {
				t.Fatalf("error = %v, want %s containing %q", err, tt.code, tt.message)
			}
			if strings.Contains(aos.ErrorMessage(err), f.password) {
				t.Fatalf("error %q contains the password", err)
			}
		})
	}
	if after := orders(); after != before {
		t.Fatalf("orders went from %d to %d: a refused statement wrote", before, after)
	}
}

// TestDo_Tampered checks that only the call the policy decided on runs,
// whatever was changed in it since: a call sealed for an approval is read
// again once, by the gateway's connector.Recheck, before Do runs it as
// decided.
func TestDo_Tampered(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	c := f.conn(1, "shop", false)
	fresh := func(sql string) *connector.Call {
		raw, _ := json.Marshal(map[string]any{"sql": sql})
		cl, err := k.FromCall(c, "query", raw)
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	tests := []struct {
		name   string
		change func(*connector.Call)
		code   string
	}{
		{name: "statement swapped", code: aos.EOutOfScope, change: func(cl *connector.Call) {
			cl.Upstream.Body = []byte(`{"sql":"SELECT * FROM customers"}`)
		}},
		{name: "resource narrowed", code: aos.EOutOfScope, change: func(cl *connector.Call) {
			cl.Resource = f.db + "/public/customers"
		}},
		{name: "operation changed", code: aos.EUnknownOperation, change: func(cl *connector.Call) {
			cl.Operation = operations["execute"]
		}},
		{name: "method changed", code: aos.EUnknownOperation, change: func(cl *connector.Call) { cl.Upstream.Method = "copy_out" }},
		{name: "other database", code: aos.EOutOfScope, change: func(cl *connector.Call) {
			cl.Upstream.URL = "postgres://" + f.host + "/test?sslmode=disable"
		}},
		{name: "approval point dropped", code: aos.EUnknownOperation, change: func(cl *connector.Call) {
			cl.Upstream.Method, cl.Operation = "copy_out", operations["copy_out"]
		}},
		{name: "garbage body", code: aos.EBadRequest, change: func(cl *connector.Call) { cl.Upstream.Body = []byte(`{"sql": 1}`) }},
		{name: "no upstream", code: aos.EBadRequest, change: func(cl *connector.Call) { cl.Upstream = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := fresh("SELECT * FROM orders")
			tt.change(cl)
			err := connector.Recheck(k, c, cl)
			if err == nil {
				_, err = k.Do(context.Background(), c, f.secret(), cl)
			}
			if aos.ErrorCode(err) != tt.code {
				t.Fatalf("Do = %v, want %s", err, tt.code)
			}
		})
	}
}

func TestDo_Execute(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	c := f.conn(1, "shop", false)

	d, cl, err := call(t, k, c, "execute", "INSERT INTO sales.leads (id, note) VALUES ($1, $2) RETURNING id, note", 42, "hot")
	if err != nil {
		t.Fatal(err)
	}
	if cl.Operation.Access != aos.Write || cl.Resource != f.db+"/sales/leads" || cl.Facts.Production {
		t.Fatalf("call = %+v", cl)
	}
	if d.Command != "INSERT 0 1" || d.RowsAffected != 1 || marshal(d.Rows) != `[[42,"hot"]]` {
		t.Fatalf("answer = %+v", d)
	}
	got, _, err := call(t, k, c, "query", "SELECT note FROM sales.leads WHERE id = 42")
	if err != nil || marshal(got.Rows) != `[["hot"]]` {
		t.Fatalf("the insert did not commit: %+v, %v", got, err)
	}

	d, cl, err = call(t, k, c, "execute", "UPDATE sales.leads l SET note = c.name FROM customers c WHERE c.id = l.id AND l.id = 42")
	if err != nil || d.RowsAffected != 0 || cl.Resource != f.db+"/public/customers,"+f.db+"/sales/leads" {
		t.Fatalf("update: %+v, %+v, %v", d, cl, err)
	}

	name := randomName("t_")
	d, cl, err = call(t, k, c, "execute", "CREATE TABLE public."+name+" (id int)")
	if err != nil || !cl.Facts.Production || cl.Resource != f.db || d.Command != "CREATE TABLE" {
		t.Fatalf("create table: %+v, %+v, %v", d, cl, err)
	}
}

func TestDo_Limits(t *testing.T) {
	f := database(t)
	k := newConnector(t)

	t.Run("row cap", func(t *testing.T) {
		d, _, err := call(t, k, f.conn(1, "shop", false), "query", "SELECT g FROM generate_series(1, 20000) g")
		if err != nil || d.RowCount != MaxRows || len(d.Rows) != MaxRows || !d.Truncated {
			t.Fatalf("rows %d, truncated %v, %v", len(d.Rows), d.Truncated, err)
		}
		// The cancelled session was not reused: the next call works.
		if _, _, err := call(t, k, f.conn(1, "shop", false), "query", "SELECT 1"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("copy_out", func(t *testing.T) {
		d, cl, err := call(t, k, f.conn(1, "shop", false), "copy_out", "SELECT id, email, name FROM customers WHERE id < 3 ORDER BY id")
		if err != nil || !cl.Facts.Export {
			t.Fatalf("%+v, %v", cl, err)
		}
		if want := "id,email,name\r\n1,ada@example.com,Ada\r\n2,bob@example.com,Bob\r\n"; d.CSV != want || d.RowCount != 2 {
			t.Fatalf("csv = %q, want %q", d.CSV, want)
		}
	})
	t.Run("statement timeout", func(t *testing.T) {
		old := statementTimeout
		statementTimeout = 100 * 1e6
		defer func() { statementTimeout = old }()
		_, _, err := callWhole(t, k, f.conn(1, "shop", false), "query", "SELECT pg_sleep(2)")
		if aos.ErrorCode(err) != aos.EUpstream || !strings.Contains(aos.ErrorMessage(err), "57014") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestDo_Unreachable(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	tests := []struct {
		name, base, secret, message string
	}{
		{name: "nothing listens", base: "postgres://127.0.0.1:1/" + f.db + "?sslmode=disable", message: "cannot connect to the database at 127.0.0.1:1"},
		{name: "no such database", base: "postgres://" + f.host + "/" + f.db + "_gone?sslmode=disable", message: "3D000"},
		{name: "server certificate not trusted", base: "postgres://" + f.host + "/" + f.db + "?sslmode=verify-full", message: "cannot connect"},
		{name: "malformed credential", base: "postgres://" + f.host + "/" + f.db + "?sslmode=disable", secret: "no-colon", message: "must rotate"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &aos.Connection{ID: int64(100 + i), Name: "gone", Type: Type, BaseURL: tt.base}
			cl, err := k.FromCall(c, "query", []byte(`{"sql": "SELECT 1"}`))
			if err != nil {
				t.Fatal(err)
			}
			secret := f.secret()
			if tt.secret != "" {
				secret = vault.NewSecret([]byte(tt.secret))
			}
			_, err = k.Do(context.Background(), c, secret, cl)
			if aos.ErrorCode(err) != aos.EUpstream || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("err = %v, want upstream_error with %q", err, tt.message)
			}
			if strings.Contains(err.Error(), f.password) || strings.Contains(err.Error(), f.role) {
				t.Fatalf("err = %v names the credential", err)
			}
		})
	}
}

func marshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestExecution_PlanChecks runs statements past the lexer, as if it had
// misread them, to show that the server-side checks stand on their own.
func TestExecution_PlanChecks(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	c := f.conn(1, "shop", false)
	ep, _ := settings(c)
	cred, _ := parseCredential(f.secret())
	tests := []struct {
		name, sql, resource, code string
	}{
		{name: "a write in a read", sql: "WITH g AS (DELETE FROM orders RETURNING 1) SELECT * FROM g", resource: f.db, code: aos.EReadOnly},
		{name: "a relation not named", sql: "SELECT * FROM customers", resource: f.db + "/public/orders", code: aos.EOutOfScope},
		{name: "a denied function in the plan", sql: "SELECT pg_notify('c', 'x') FROM orders", resource: f.db + "/public/orders", code: aos.EUnknownOperation},
		{name: "a view's tables are reachable", sql: "SELECT * FROM order_emails", resource: f.db + "/public/order_emails"},
		{name: "a partition is reachable through its parent", sql: "SELECT * FROM parted_low", resource: f.db + "/public/parted"},
		{name: "a parent is not reachable through its partition", sql: "SELECT * FROM parted", resource: f.db + "/public/parted_low", code: aos.EOutOfScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, ok := splitResource(tt.resource)
			if !ok {
				t.Fatalf("bad resource %q", tt.resource)
			}
			x := &execution{ep: ep, st: &statement{class: classRead}, op: operations["query"], sql: tt.sql,
				resource: tt.resource, items: items, rowCap: MaxRows}
			s, err := k.pool().acquire(context.Background(), c.ID, ep, cred)
			if err != nil {
				t.Fatal(err)
			}
			_, reusable, err := x.run(context.Background(), s.conn)
			s.release(reusable)
			if aos.ErrorCode(err) != tt.code && !(tt.code == "" && err == nil) {
				t.Fatalf("run = %v, want %q", err, tt.code)
			}
		})
	}
	d, _, err := call(t, k, c, "query", "SELECT count(*) FROM orders")
	if err != nil || marshal(d.Rows) == `[[0]]` {
		t.Fatalf("orders after the checks: %+v, %v", d, err)
	}
}
