package connector

import (
	"context"
	"time"
)

// Bulk reads of customer data. An agent may receive at most BulkCustomers
// customers from a connection that holds customer data within
// CustomerWindow without the owner's approval: one answer that carries
// more is held at customer-data as an export, and so is one that would
// take the agent's running total over it, so that a table read page by
// page is held like one read at once.
const (
	BulkCustomers  = 100
	CustomerWindow = 24 * time.Hour
)

type allowanceKey struct{}

// WithCustomerAllowance tells the connector, through ctx, how many more
// customers the calling agent may receive from the connection without the
// owner's approval (BulkCustomers less what it received within
// CustomerWindow). The gateway sets it for calls it runs on its own
// authority; an approved call runs without one.
func WithCustomerAllowance(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, allowanceKey{}, max(n, 0))
}

// CustomerAllowance returns the allowance WithCustomerAllowance set, and
// whether one was set.
func CustomerAllowance(ctx context.Context) (int64, bool) {
	n, ok := ctx.Value(allowanceKey{}).(int64)
	return n, ok
}
