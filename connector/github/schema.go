package github

import (
	"encoding/json"
	"fmt"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

var _ connector.Schemer = (*Connector)(nil)

// OperationSchema describes the args FromCall takes for op: the path
// parameters of its pattern under params, the query and the body.
func (k *Connector) OperationSchema(_ *aos.Connection, op string) (connector.OperationSchema, bool) {
	d, ok := lookup(op)
	if !ok {
		return connector.OperationSchema{}, false
	}
	names := connector.PatternParams(d.Pattern())
	params := map[string]json.RawMessage{}
	for _, n := range names {
		params[n] = json.RawMessage(`{"type":["string","integer"]}`)
	}
	props := map[string]json.RawMessage{
		"params": connector.ObjectSchema(params, names),
		"query":  json.RawMessage(`{"type":"object","description":"query parameters by name"}`),
		"body":   json.RawMessage(`{"description":"the request body, sent as JSON"}`),
	}
	var required []string
	if len(names) > 0 {
		required = []string{"params"}
	}
	return connector.OperationSchema{
		Description: fmt.Sprintf("GitHub REST API: %s %s.", d.Method(), d.Pattern()),
		Input:       connector.ObjectSchema(props, required),
	}, true
}
