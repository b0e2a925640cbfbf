package rest

import (
	"encoding/json"
	"fmt"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

var _ connector.Schemer = (*Connector)(nil)
var _ connector.OperationDeclarer = (*Connector)(nil)

// argsProperties are the args FromCall reads (see FromCall).
const argsProperties = `"properties":{` +
	`"path":{"type":"string","description":"the request path under the connection's base URL, escaped as in a URL, such as /v1/contacts/42"},` +
	`"query":{"type":"string","description":"the query string, without the ?, such as limit=10&after=x"},` +
	`"headers":{"type":"object","additionalProperties":{"type":"string"},"description":"request headers; only an allow-list (Accept, Content-Type, conditional and range headers, ...) goes upstream"},` +
	`"body":{"description":"the request body, sent as JSON"},` +
	`"body_text":{"type":"string","description":"the request body as text, sent as it is (instead of body)"}},` +
	`"additionalProperties":false`

var (
	argsSchema         = json.RawMessage(`{"type":"object",` + argsProperties + `,"required":["path"]}`)
	argsSchemaOptional = json.RawMessage(`{"type":"object",` + argsProperties + `}`)
)

// OperationSchema describes the args of op on c: an HTTP method under the
// method rule, or one of the connection's declared operations, whose path
// may be left out when its pattern has no parameters.
func (k *Connector) OperationSchema(c *aos.Connection, op string) (connector.OperationSchema, bool) {
	_, _, ops, err := k.settings(c)
	if err != nil {
		return connector.OperationSchema{}, false
	}
	if ops.table == nil {
		method, err := normalizeMethod(op)
		if err != nil {
			return connector.OperationSchema{}, false
		}
		return connector.OperationSchema{
			Description: fmt.Sprintf("An HTTP %s request to a path under the connection's base URL.", method),
			Input:       argsSchema,
		}, true
	}
	d, ok := ops.table.Lookup(op)
	if !ok {
		return connector.OperationSchema{}, false
	}
	s := connector.OperationSchema{Description: fmt.Sprintf("%s %s under the connection's base URL.", d.Method(), d.Pattern()), Input: argsSchema}
	if _, fixed := d.FixedPath(); fixed {
		s.Input = argsSchemaOptional
	}
	return s, true
}
