package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// reply is the gateway's answer to an agent's call: a result, a hold or
// an error.
type reply struct {
	status int
	Body   decoded `json:"body"`
	// hold (202)
	ApprovalID     string              `json:"approval_id"`
	ApprovalPoints []aos.ApprovalPoint `json:"approval_points"`
	Error          struct{ Code, Message string }
}

func agentCall(t *testing.T, in *gatewaytest.Instance, token, conn, op, sql string, params ...any) reply {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"connection": conn, "operation": op, "purpose": "test",
		"args": map[string]any{"sql": sql, "params": params}})
	return agentRequest(t, token, "POST", in.URL+"/v1/call", b)
}

func agentRequest(t *testing.T, token, method, url string, body []byte) reply {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s %s: %s %s", method, url, resp.Status, raw)
	}
	return r
}

// count runs a query as the test role, outside the gateway, as a grant
// on the whole database allows.
func count(t *testing.T, sql string) int {
	t.Helper()
	f, k := database(t), newConnector(t)
	c := f.conn(99, "direct", false)
	raw, _ := json.Marshal(map[string]any{"sql": sql})
	cl, err := k.FromCall(c, "query", raw)
	if err != nil {
		t.Fatal(err)
	}
	cl.Resource = makeResource(append(strings.Split(cl.Resource, ","), item(f.db)))
	resp, err := k.Do(context.Background(), c, f.secret(), cl)
	if err != nil {
		t.Fatal(err)
	}
	var d decoded
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		t.Fatal(err)
	}
	n, _ := d.Rows[0][0].(json.Number).Int64()
	return int(n)
}

func TestPostgres_Gateway(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	in := gatewaytest.Start(t, k)
	db := f.db
	shop, crm := f.conn(0, "shop", false), f.conn(0, "crm", true)
	in.Connect(t, owner.ConnectRequest{Type: Type, Name: "shop", Scope: db + "/public/orders", To: "company", BaseURL: shop.BaseURL, Credential: f.secret()})
	in.Grant(t, owner.GrantRequest{Connection: "shop", Scope: db + "/sales", To: "company", Write: true})
	in.Connect(t, owner.ConnectRequest{Type: Type, Name: "crm", Scope: db + "/public", To: "company", BaseURL: crm.BaseURL,
		HoldsCustomerData: true, Credential: f.secret()})
	analyst := in.Agent(t, "analyst", "ops")
	migrator := in.Agent(t, "migrator", "eng")
	in.Grant(t, owner.GrantRequest{Connection: "shop", Scope: db, Write: true, To: "migrator"})

	t.Run("a read grant on orders selects orders as the credential's user", func(t *testing.T) {
		r := agentCall(t, in, analyst, "shop", "query", "SELECT id, total, current_user FROM orders WHERE id = $1", 1)
		if r.status != 200 || marshal(r.Body.Rows) != `[[1,"10.50","`+f.role+`"]]` {
			t.Fatalf("reply = %+v", r)
		}
	})

	denied := []struct {
		name, token, conn, op, sql, code string
	}{
		{"customers are outside the grant", analyst, "shop", "query", "SELECT * FROM customers", aos.EOutOfScope},
		{"a join reaching customers", analyst, "shop", "query", "SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id", aos.EOutOfScope},
		{"a subquery reaching customers", analyst, "shop", "query", "SELECT * FROM orders WHERE customer_id IN (SELECT id FROM customers)", aos.EOutOfScope},
		{"a view over customers", analyst, "shop", "query", "SELECT * FROM order_emails", aos.EOutOfScope},
		{"insert with a read grant", analyst, "shop", "execute", "INSERT INTO orders (customer_id, total) VALUES (1, 5)", aos.EReadOnly},
		{"write smuggled through a function", analyst, "crm", "query", "SELECT public.smuggle() LIMIT 1", aos.EReadOnly},
		{"unknown operation", analyst, "shop", "drop", "SELECT 1", aos.EUnknownOperation},
		{"COPY", analyst, "shop", "query", "COPY orders TO STDOUT", aos.EUnknownOperation},
		{"two statements", analyst, "shop", "query", "SELECT * FROM orders; DELETE FROM orders", aos.EBadRequest},
		{"a relation hidden from the lexer", analyst, "shop", "query", "SELECT * FROM (orders JOIN customers ON true)", aos.EOutOfScope},
		{"an extension function that runs SQL", analyst, "shop", "query",
			"SELECT t.* FROM orders o, crosstab('select secret, secret, secret from other') AS t(r text, c text)", aos.EOutOfScope},
		{"a built-in that resets a sequence", analyst, "shop", "execute",
			"INSERT INTO sales.leads (id, note) SELECT 1, pg_catalog.setval('other_id_seq', 1, false)::text", aos.EOutOfScope},
		{"a built-in that reads other sessions", analyst, "shop", "query",
			"SELECT s.query FROM orders, pg_stat_get_activity(NULL) s", aos.EOutOfScope},
	}
	before := count(t, "SELECT count(*) FROM orders")
	for _, tt := range denied {
		t.Run(tt.name, func(t *testing.T) {
			r := agentCall(t, in, tt.token, tt.conn, tt.op, tt.sql)
			if r.Error.Code != tt.code || r.status != 403 && r.status != 400 {
				t.Fatalf("reply = %d %+v, want %s", r.status, r.Error, tt.code)
			}
		})
	}
	if after := count(t, "SELECT count(*) FROM orders"); after != before {
		t.Fatalf("orders went from %d to %d: a denied call wrote", before, after)
	}

	t.Run("a grant on the whole database covers an extension function", func(t *testing.T) {
		r := agentCall(t, in, migrator, "shop", "query",
			"SELECT t.* FROM orders o, crosstab('select secret, secret, secret from other') AS t(r text, c text) LIMIT 1")
		if r.status != 200 || marshal(r.Body.Rows) != `[["other-secret","other-secret"]]` {
			t.Fatalf("reply = %d %+v", r.status, r)
		}
	})

	t.Run("the proxy is not a way in", func(t *testing.T) {
		r := agentRequest(t, analyst, "GET", in.URL+"/v1/proxy/shop/orders", nil)
		if r.status != 403 || r.Error.Code != aos.EUnknownOperation {
			t.Fatalf("reply = %d %+v", r.status, r.Error)
		}
	})

	t.Run("a write grant inserts", func(t *testing.T) {
		r := agentCall(t, in, analyst, "shop", "execute", "INSERT INTO sales.leads (id, note) VALUES ($1, $2)", 77, "via gateway")
		if r.status != 200 || r.Body.Command != "INSERT 0 1" {
			t.Fatalf("reply = %+v", r)
		}
		if count(t, "SELECT count(*) FROM sales.leads WHERE id = 77") != 1 {
			t.Fatal("the insert is not in the database")
		}
	})

	t.Run("DDL is held at production until approved", func(t *testing.T) {
		table := randomName("made_")
		r := agentCall(t, in, migrator, "shop", "execute", "CREATE TABLE public."+table+" (id int)")
		if r.status != 202 || len(r.ApprovalPoints) != 1 || r.ApprovalPoints[0] != aos.PointProduction {
			t.Fatalf("reply = %d %+v", r.status, r)
		}
		exists := "SELECT (to_regclass('public." + table + "') IS NOT NULL)::int"
		if count(t, exists) != 0 {
			t.Fatal("the held DDL ran before approval")
		}
		a, err := in.Gateway.Approve(context.Background(), in.Boss, r.ApprovalID, "ok")
		if err != nil || a.Status != aos.ApprovalExecuted {
			t.Fatalf("approve: %+v, %v", a, err)
		}
		if count(t, exists) != 1 {
			t.Fatal("the approved DDL did not run")
		}
	})

	t.Run("a schema grant cannot change the schema", func(t *testing.T) {
		r := agentCall(t, in, analyst, "shop", "execute", "DROP TABLE sales.leads")
		if r.status != 403 || r.Error.Code != aos.EOutOfScope {
			t.Fatalf("reply = %d %+v", r.status, r.Error)
		}
	})

	t.Run("a bulk select from a customer-data connection is held", func(t *testing.T) {
		// Held by what the result carries, however the statement is shaped.
		r := agentCall(t, in, analyst, "crm", "query", "SELECT count(*), string_agg(email, ',') FROM people LIMIT 1")
		if r.status != 202 || r.ApprovalPoints[0] != aos.PointCustomerData || strings.Contains(marshal(r), "@example.com") {
			t.Fatalf("reply = %d %+v", r.status, r)
		}
		r = agentCall(t, in, analyst, "crm", "query", "SELECT email FROM people")
		if r.status != 202 || r.ApprovalPoints[0] != aos.PointCustomerData {
			t.Fatalf("reply = %d %+v", r.status, r)
		}
		a, err := in.Gateway.Approve(context.Background(), in.Boss, r.ApprovalID, "export approved")
		if err != nil || a.Status != aos.ApprovalExecuted {
			t.Fatalf("approve: %+v, %v", a, err)
		}
		res, err := in.Gateway.OpenResult(a)
		if err != nil || !bytes.Contains(res.Body, []byte(`"row_count":1000`)) {
			t.Fatalf("approved export answered %s, %v", res.Body, err)
		}
		r = agentCall(t, in, analyst, "crm", "copy_out", "SELECT email FROM customers LIMIT 2")
		if r.status != 202 || r.ApprovalPoints[0] != aos.PointCustomerData {
			t.Fatalf("copy_out reply = %d %+v", r.status, r)
		}
	})

	t.Run("paging through customers is held like reading them at once", func(t *testing.T) {
		pager := in.Agent(t, "pager", "ops")
		page := func(offset int) reply {
			return agentCall(t, in, pager, "crm", "query", fmt.Sprintf("SELECT email FROM people ORDER BY email LIMIT 60 OFFSET %d", offset))
		}
		if r := page(0); r.status != 200 || len(r.Body.Rows) != 60 {
			t.Fatalf("first page = %d %+v", r.status, r.Error)
		}
		// 60 more would take the agent past 100 customers in a day.
		r := page(60)
		if r.status != 202 || r.ApprovalPoints[0] != aos.PointCustomerData || strings.Contains(marshal(r), "@example.com") {
			t.Fatalf("second page = %d %+v", r.status, r)
		}
		if r := agentCall(t, in, pager, "crm", "query", "SELECT count(*) FROM people"); r.status != 200 {
			t.Fatalf("a count without customers = %d %+v", r.status, r.Error)
		}
		// The allowance is the agent's own: another agent reads a page.
		other := in.Agent(t, "other-pager", "ops")
		if r := agentCall(t, in, other, "crm", "query", "SELECT email FROM people ORDER BY email LIMIT 60 OFFSET 60"); r.status != 200 {
			t.Fatalf("another agent's first page = %d %+v", r.status, r.Error)
		}
		// Approved, the held page is delivered, and the approval does not
		// count against the agent's allowance.
		a, err := in.Gateway.Approve(context.Background(), in.Boss, r.ApprovalID, "ok")
		if err != nil || a.Status != aos.ApprovalExecuted {
			t.Fatalf("approve: %+v, %v", a, err)
		}
	})

	t.Run("a join is allowed by one grant per table", func(t *testing.T) {
		reader := in.Agent(t, "joiner", "ops")
		in.Grant(t, owner.GrantRequest{Connection: "shop", Scope: db + "/public/customers", To: "joiner"})
		r := agentCall(t, in, reader, "shop", "query", "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id LIMIT 5")
		if r.status != 200 {
			t.Fatalf("reply = %d %+v", r.status, r.Error)
		}
		// Without the second grant, the same join is out of scope.
		r = agentCall(t, in, analyst, "shop", "query", "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id LIMIT 5")
		if r.status != 403 || r.Error.Code != aos.EOutOfScope {
			t.Fatalf("reply = %d %+v", r.status, r.Error)
		}
	})

	t.Run("a relation hidden from the lexer is decided on what the plan reaches", func(t *testing.T) {
		// The statement names nothing the lexer can place; the plan shows
		// orders and customers, which the schema grant on crm covers.
		r := agentCall(t, in, analyst, "crm", "query", "SELECT o.id FROM (orders o JOIN customers c ON c.id = o.customer_id) LIMIT 5")
		if r.status != 200 {
			t.Fatalf("reply = %d %+v", r.status, r.Error)
		}
	})

	t.Run("a small select from a customer-data connection passes", func(t *testing.T) {
		r := agentCall(t, in, analyst, "crm", "query", "SELECT email FROM customers ORDER BY id LIMIT 2")
		if r.status != 200 || marshal(r.Body.Rows) != `[["ada@example.com"],["bob@example.com"]]` {
			t.Fatalf("reply = %d %+v", r.status, r)
		}
	})

	t.Run("the agent's token never reaches the database", func(t *testing.T) {
		n := count(t, "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE query LIKE '%"+strings.TrimPrefix(analyst, "aos_")+"%' AND pid <> pg_backend_pid()")
		if n != 0 {
			t.Fatal("the agent token shows in pg_stat_activity")
		}
	})

	t.Run("connect refuses what it cannot use", func(t *testing.T) {
		for _, req := range []owner.ConnectRequest{
			{Type: Type, Name: "bad1", Scope: db, To: "company", BaseURL: shop.BaseURL, Credential: vault.NewSecret([]byte("no-password"))},
			{Type: Type, Name: "bad2", Scope: db + "/*", To: "company", BaseURL: shop.BaseURL, Credential: f.secret()},
			{Type: Type, Name: "bad3", Scope: db, To: "company", BaseURL: "postgres://" + f.role + ":" + f.password + "@" + f.host + "/" + db, Credential: f.secret()},
		} {
			_, _, err := in.Owner.Connect(context.Background(), in.Boss, req)
			if aos.ErrorCode(err) != aos.EBadRequest || strings.Contains(err.Error(), f.password) {
				t.Errorf("connect %s: %v", req.Name, err)
			}
		}
	})

	in.Verify(t)
}
