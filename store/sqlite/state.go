package sqlite

import (
	"context"
	"fmt"

	"github.com/aos-dev/aos"
)

// AllPrincipals returns every principal of every kind, removed ones too, by
// ID: the rows verify compares with what the evidence log says.
func (t *tx) AllPrincipals(ctx context.Context) ([]*aos.Principal, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+principalColumns+` FROM principals ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: all principals: %w", err)
	}
	defer rows.Close()
	var ps []*aos.Principal
	for rows.Next() {
		p, err := scanPrincipal(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: all principals: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: all principals: %w", err)
	}
	return ps, nil
}

// ListSettings returns every setting.
func (t *tx) ListSettings(ctx context.Context) (map[string]string, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("sqlite: list settings: %w", err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list settings: %w", err)
	}
	return out, nil
}
