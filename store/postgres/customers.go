package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

// AddCustomerRead records customer data an agent received. Every call adds
// a row, so two identical reads count twice.
func (t *tx) AddCustomerRead(ctx context.Context, r aos.CustomerRead) error {
	if err := t.writable("add customer read", storecheck.CustomerRead(r)); err != nil {
		return err
	}
	var enc encoder
	args := []any{r.AgentID, r.ConnectionID, enc.time("at", r.At), r.Customers}
	if enc.err != nil {
		return enc.err
	}
	_, err := t.exec(ctx, `INSERT INTO customer_reads (agent_id, connection_id, at, customers)
		VALUES ($1, $2, $3, $4)`, args...)
	if err != nil {
		return badText("add customer read", err)
	}
	return nil
}

// CustomerReadsSince sums the customers of the agent's reads from the
// connection with At strictly after since; 0 when there are none.
func (t *tx) CustomerReadsSince(ctx context.Context, agentID, connectionID int64, since time.Time) (int64, error) {
	var enc encoder
	after := enc.time("since", since)
	if enc.err != nil {
		return 0, enc.err
	}
	var sum int64
	err := t.tx.QueryRow(ctx, `SELECT coalesce(sum(customers), 0)::bigint FROM customer_reads
		WHERE agent_id = $1 AND connection_id = $2 AND at > $3`, agentID, connectionID, after).Scan(&sum)
	if err != nil {
		return 0, fmt.Errorf("postgres: customer reads since: %w", err)
	}
	return sum, nil
}
