package hubspot

import (
	"encoding/json"
	"fmt"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

var _ connector.Schemer = (*Connector)(nil)

// OperationSchema describes the args FromCall takes for op: a path of the
// operation's pattern, the query and the body.
func (k *Connector) OperationSchema(_ *aos.Connection, op string) (connector.OperationSchema, bool) {
	d, ok := table.Lookup(op)
	if !ok {
		return connector.OperationSchema{}, false
	}
	props := map[string]json.RawMessage{
		"path":  json.RawMessage(fmt.Sprintf(`{"type":"string","description":"a path of %s, escaped as in a URL"}`, d.Pattern())),
		"query": json.RawMessage(`{"type":"string","description":"the query string, without the ?"}`),
		"body":  json.RawMessage(`{"description":"the request body, sent as JSON"}`),
	}
	return connector.OperationSchema{
		Description: fmt.Sprintf("HubSpot API: %s %s.", d.Method(), d.Pattern()),
		Input:       connector.ObjectSchema(props, []string{"path"}),
	}, true
}
