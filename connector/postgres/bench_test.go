package postgres

import (
	"context"
	"testing"
)

// BenchmarkClassify measures FromCall's reading of a statement.
func BenchmarkClassify(b *testing.B) {
	sql := "WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '7 days') " +
		"SELECT r.id, c.email FROM recent r JOIN customers c ON c.id = r.customer_id WHERE r.total > $1 ORDER BY r.id LIMIT 50"
	for b.Loop() {
		if _, err := classify(sql); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDo_Query measures one checked read on a pooled session:
// BEGIN READ ONLY, settings, EXPLAIN, catalog checks, describe, the
// statement, ROLLBACK and DISCARD ALL.
func BenchmarkDo_Query(b *testing.B) {
	f := database(b)
	k := New()
	defer k.Close()
	c := f.conn(1, "shop", false)
	call, err := k.FromCall(c, "query", []byte(`{"sql": "SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.total > $1", "params": ["1"]}`))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := k.Do(context.Background(), c, f.secret(), call); err != nil {
			b.Fatal(err)
		}
	}
}
