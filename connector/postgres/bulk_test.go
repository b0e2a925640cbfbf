package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

func TestCountCustomers(t *testing.T) {
	cols := []column{{Name: "email"}, {Name: "note"}}
	row := func(vals ...any) json.RawMessage { b, _ := json.Marshal(vals); return b }
	var many []string
	for i := range 150 {
		many = append(many, "p"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+"@example.com")
	}
	tests := []struct {
		name string
		rows []json.RawMessage
		want int
	}{
		{name: "no rows", want: 0},
		{name: "one address per row", rows: []json.RawMessage{row("ada@example.com", "x"), row("bob@example.com", nil), row("ADA@example.com ", "y")}, want: 2},
		{name: "addresses aggregated into one value", rows: []json.RawMessage{row(strings.Join(many, ","), "x")}, want: 78},
		{name: "numbers are not customers", rows: []json.RawMessage{row(1, 2), row(3, 4)}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := countCustomers(cols, tt.rows).customers; got != tt.want {
				t.Fatalf("customers = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestDo_BulkReadByResult shows that on a connection that holds customer
// data, a read is held by what its result carries: however the statement
// is written (a LIMIT 1 over an aggregate of every address), a result with
// more than BulkRows customers never reaches the agent unapproved.
func TestDo_BulkReadByResult(t *testing.T) {
	f := database(t)
	k := newConnector(t)
	crm := f.conn(2, "crm", true)
	held := func(t *testing.T, op, sql string) *connector.Call {
		t.Helper()
		d, _, err := call(t, k, crm, op, sql)
		var rd *connector.Redecide
		if !errors.As(err, &rd) || rd.Call == nil {
			rows := 0
			if d != nil {
				rows = len(d.Rows)
			}
			t.Fatalf("%s: %d rows, error %v; want it held as an export", sql, rows, err)
		}
		fl := rd.Call.Facts.Flows
		if !rd.Call.Facts.Export || len(fl) != 1 || fl[0].Source != "crm" || fl[0].Count != 1000 ||
			strings.Join(rd.Call.Facts.CustomerData, ",") != "email" {
			t.Fatalf("%s: facts %+v", sql, rd.Call.Facts)
		}
		return rd.Call
	}
	for _, tt := range []struct{ name, op, sql string }{
		{"every row", "query", "SELECT * FROM people"},
		{"one row aggregating every address", "query", "SELECT count(*), string_agg(email, ',') FROM people LIMIT 1"},
		{"a JSON array of every row", "query", "SELECT json_agg(p) FROM people p LIMIT 1"},
		{"a write returning every address", "execute", "UPDATE people SET tier = 'lead' RETURNING email"},
	} {
		t.Run(tt.name, func(t *testing.T) { held(t, tt.op, tt.sql) })
	}
	t.Run("the held write did not commit", func(t *testing.T) {
		if n := count(t, "SELECT count(*) FROM people WHERE tier = 'lead'"); n != 0 {
			t.Fatalf("%d rows changed", n)
		}
	})
	t.Run("small results and results without customers pass", func(t *testing.T) {
		for _, sql := range []string{
			"SELECT email FROM people ORDER BY id LIMIT 100",
			"SELECT id, tier FROM people",
			"SELECT g FROM generate_series(1, 500) g",
		} {
			if _, _, err := call(t, k, crm, "query", sql); err != nil {
				t.Errorf("%s: %v", sql, err)
			}
		}
	})
	t.Run("once approved, the agent gets what was counted", func(t *testing.T) {
		approved := held(t, "query", "SELECT email FROM people")
		resp, err := k.Do(context.Background(), crm, f.secret(), approved)
		if err != nil || !strings.Contains(string(resp.Body), `"row_count":1000`) {
			t.Fatalf("approved call: %v", err)
		}
		// More customers than the owner saw counted: nothing is returned.
		bigger := *approved
		bigger.Facts.Flows = []aos.FlowFact{{Source: "crm", Categories: []string{"email"}, Count: 999}}
		_, err = k.Do(context.Background(), crm, f.secret(), &bigger)
		var rd *connector.Redecide
		if !errors.As(err, &rd) || rd.Call != nil {
			t.Fatalf("error = %v, want the approval refused as stale", err)
		}
	})
	t.Run("without customer data, nothing is counted", func(t *testing.T) {
		d, _, err := call(t, k, f.conn(1, "shop", false), "query", "SELECT email FROM people")
		if err != nil || d.RowCount != 1000 {
			t.Fatalf("%v", err)
		}
	})
}
