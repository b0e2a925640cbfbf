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

// OperationScoper is implemented by connectors whose scopes name
// operations (an upstream MCP server's tool:NAME scopes): ScopeAllows
// reports whether a grant of scope on c can ever allow op. The MCP
// endpoint's tools/list leaves out an operation that no grant of the
// agent's allows; connectors without it have scopes over resources only,
// and every operation of the grant's access is listed.
type OperationScoper interface {
	ScopeAllows(c *aos.Connection, scope, op string) bool
}

// MCPFeatures is implemented by connectors that front an MCP server (the
// mcp connector): besides its tools, the upstream's resources and prompts,
// which the /mcp endpoint serves to agents with an active grant on the
// connection. Each is reached through the gateway like any call, as a read
// operation of the connection that FromCall maps (so the policy, the scan
// and the evidence apply), named by MCPOperations.
type MCPFeatures interface {
	MCPOperations(c *aos.Connection) MCPOperations
}

// MCPOperations name the operations of a connection that reach its
// upstream's resources and prompts; an empty name means the upstream does
// not offer that feature. Each operation's answer body is the MCP result
// as the upstream gave it (JSON), and its args are:
//
//	ListResources, ListResourceTemplates, ListPrompts  {"cursor": "..."}  (cursor optional)
//	ReadResource, Subscribe, Unsubscribe                {"uri": "..."}
//	GetPrompt                                           {"name": "...", "arguments": {"k": "v"}}
//	Complete                                            completion/complete's params, the ref naming
//	                                                    the upstream's prompt or resource template
type MCPOperations struct {
	ListResources, ListResourceTemplates, ReadResource string
	ListPrompts, GetPrompt                             string
	Complete                                           string
	// Subscribe and Unsubscribe (resources/subscribe, resources/unsubscribe)
	// need a Watcher in the call's context (mcprelay.WithWatcher): the
	// upstream's notifications/resources/updated for the URI go to it until
	// it unsubscribes or is released.
	Subscribe, Unsubscribe string
}

// UpstreamNamer is implemented by connectors that front an MCP server and
// let the owner serve its tools, prompts and resources to agents under
// the upstream's own names (the mcp connector's --upstream-names) instead
// of CONNECTION.NAME and aos://CONNECTION/URI. UpstreamNames reports
// whether c asks for that, and the names of the tools it claims: every
// tool it pins, whatever the upstream offers now, so that the names do not
// follow the upstream's state. The /mcp endpoint decides which names it
// can serve as they are (unambiguous across the instance) and serves the
// others prefixed.
//
// WithUpstreamNames returns c's settings with the choice set to on, for
// the owner to change it later (recorded like any change of settings).
type UpstreamNamer interface {
	UpstreamNames(c *aos.Connection) (tools []string, ok bool)
	WithUpstreamNames(c *aos.Connection, on bool) (config []byte, err error)
}
