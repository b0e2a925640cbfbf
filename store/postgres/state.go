package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
)

// AllPrincipals returns every principal of every kind, removed ones too, by
// ID: the rows verify compares with what the evidence log says.
func (t *tx) AllPrincipals(ctx context.Context) ([]*aos.Principal, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+principalColumns+` FROM principals ORDER BY id`)
	if err != nil {
		return nil, badText("all principals", err)
	}
	ps, err := collect(rows, func(r pgx.Rows) (*aos.Principal, error) { return scanPrincipal(r) })
	if err != nil {
		return nil, badText("all principals", err)
	}
	return ps, nil
}

// ListSettings returns every setting.
func (t *tx) ListSettings(ctx context.Context) (map[string]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, badText("list settings", err)
	}
	type kv struct{ k, v string }
	pairs, err := collect(rows, func(r pgx.Rows) (kv, error) {
		var p kv
		return p, r.Scan(&p.k, &p.v)
	})
	if err != nil {
		return nil, badText("list settings", err)
	}
	out := make(map[string]string, len(pairs))
	for _, p := range pairs {
		out[p.k] = p.v
	}
	return out, nil
}
