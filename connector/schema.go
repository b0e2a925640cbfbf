package connector

import (
	"encoding/json"

	"github.com/aos-dev/aos"
)

// OperationDeclarer is implemented by connectors whose operations depend
// on the connection: the http connector's declared operations (--operations
// FILE), the pinned tools of an upstream MCP server. Transports that list
// what an agent can call by name (the MCP endpoint's tools/list) use it
// instead of Describe().Operations when it returns a non-nil list. The
// error, EInternal, means the stored settings were altered.
type OperationDeclarer interface {
	DeclaredOperations(c *aos.Connection) ([]aos.Operation, error)
}

// OperationSchema is what a connector can tell an agent about calling one
// operation through FromCall.
type OperationSchema struct {
	// Title is a short human-readable name; empty when the connector has none.
	Title string
	// Description says what the operation does, for an agent choosing a tool.
	Description string
	// Input is the JSON Schema (an object schema) of the args FromCall takes
	// for this operation. An upstream MCP tool's is its pinned inputSchema.
	Input json.RawMessage
	// Output, if set, is the JSON Schema of the structured result.
	Output json.RawMessage
}

// Schemer is implemented by connectors that can describe the args of
// their operations. The MCP endpoint serves Input as a tool's inputSchema;
// a connector without it (or an operation for which ok is false) is served
// with a generic object schema. It must be pure and cheap: it is called for
// every operation of every granted connection on each tools/list.
type Schemer interface {
	OperationSchema(c *aos.Connection, op string) (s OperationSchema, ok bool)
}
