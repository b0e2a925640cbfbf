package stripe

import (
	"encoding/json"
	"fmt"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

var _ connector.Schemer = (*Connector)(nil)

// OperationSchema describes the args FromCall takes for op: its path
// parameters as top-level strings, Stripe's parameters under params, and
// an optional idempotency key.
func (k *Connector) OperationSchema(_ *aos.Connection, op string) (connector.OperationSchema, bool) {
	d, ok := operations.table.Lookup(op)
	if !ok {
		return connector.OperationSchema{}, false
	}
	names := paramNames(d.Pattern())
	props := map[string]json.RawMessage{
		"params":          json.RawMessage(`{"type":"object","description":"Stripe's parameters, as its API reference names them (amounts in minor units)"}`),
		"idempotency_key": json.RawMessage(`{"type":"string","description":"sent as the Idempotency-Key header"}`),
	}
	for _, n := range names {
		props[n] = json.RawMessage(`{"type":"string"}`)
	}
	return connector.OperationSchema{
		Description: fmt.Sprintf("Stripe API: %s %s.", d.Method(), d.Pattern()),
		Input:       connector.ObjectSchema(props, names),
	}, true
}
