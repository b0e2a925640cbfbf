package postgres

import (
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
)

// TestPostgres_NoRelation: a statement that reads no relation
// (SELECT $1::int + 1) was refused as outside a table grant; it is within
// any grant on its database, and still under every other rule: the
// function allow-list, read-only queries, the database of the grant.
func TestPostgres_NoRelation(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	in := gatewaytest.Start(t, k)
	shop := f.conn(0, "shop", false)
	analyst := in.Agent(t, "analyst", "ops")
	in.Connect(t, owner.ConnectRequest{Type: Type, Name: "shop", Scope: f.db + "/public/orders", To: "analyst", BaseURL: shop.BaseURL, Credential: f.secret()})
	in.Connect(t, owner.ConnectRequest{Type: Type, Name: "other", Scope: "elsewhere/public/orders", To: "analyst", BaseURL: shop.BaseURL, Credential: f.secret()})

	allowed := []struct {
		name, sql string
		params    []any
		rows      string
	}{
		{"a parameter plus one", "select $1::int + 1", []any{1}, `[[2]]`},
		{"values", "VALUES (1, 'a'), (2, 'b')", nil, `[[1,"a"],[2,"b"]]`},
		{"an immutable built-in", "SELECT lower($1::text), abs(-3)", []any{"ADA"}, `[["ada",3]]`},
	}
	for _, tt := range allowed {
		t.Run(tt.name, func(t *testing.T) {
			r := agentCall(t, in, analyst, "shop", "query", tt.sql, tt.params...)
			if r.status != 200 || marshal(r.Body.Rows) != tt.rows {
				t.Fatalf("reply = %d %+v %s, want rows %s", r.status, r.Error, marshal(r.Body.Rows), tt.rows)
			}
		})
	}

	denied := []struct{ name, conn, op, sql, code string }{
		// Only a grant on the whole database covers functions that read
		// other sessions, the catalogs or the clock of the server.
		{"a volatile built-in", "shop", "query", "SELECT pg_sleep(0)", aos.EOutOfScope},
		{"a session-reading built-in", "shop", "query", "SELECT current_setting('search_path')", aos.EOutOfScope},
		{"a catalog-reading built-in", "shop", "query", "SELECT to_regclass('public.customers')", aos.EOutOfScope},
		{"a relation in a subquery", "shop", "query", "SELECT (SELECT count(*) FROM customers)", aos.EOutOfScope},
		{"a write", "shop", "execute", "SELECT $1::int + 1", aos.EBadRequest},
		// The grant is on another database than the connection's.
		{"another database's grant", "other", "query", "SELECT 1", aos.EOutOfScope},
	}
	for _, tt := range denied {
		t.Run(tt.name, func(t *testing.T) {
			r := agentCall(t, in, analyst, tt.conn, tt.op, tt.sql)
			if r.Error.Code != tt.code {
				t.Fatalf("reply = %d %+v, want %s", r.status, r.Error, tt.code)
			}
		})
	}
	in.Verify(t)
}
