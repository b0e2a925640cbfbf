package mcpapi

import (
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// Upstream names. A connection whose owner asked for them
// (connector.UpstreamNamer: `aos connect mcp NAME ... --upstream-names`)
// has its tools, prompts and resources served under the upstream's own
// names where that cannot be ambiguous, so that an upstream works behind
// aos as it works when called directly. The rule, the same for every
// agent and independent of grants (so that granting or revoking never
// renames anything, and a name never means one tool to one agent and
// another to the next):
//
//   - A tool is served as the upstream names it when that name is a valid
//     MCP tool name without a dot (letters, digits, _ and -, at most 128),
//     does not start with aos_ (kept for aos's own tools), and no other
//     connected connection with upstream names pins a tool of the same
//     name. A prefixed name (CONNECTION.OPERATION) always holds a dot, so
//     the two kinds never meet. A tool whose name clashes is served under
//     its prefixed name, as is every tool of the other connection that
//     claims it: the clashed name then stands for nothing, never for one
//     of them picked by some order.
//   - Resources and resource templates are served under their own URIs,
//     and prompts under their own names, when the connection is the only
//     connected one with upstream names whose upstream offers them (URIs
//     cannot be told apart by connection otherwise: a template expands to
//     anything). Else they are served as aos://CONNECTION/URI and
//     CONNECTION.NAME. A URI of aos's own scheme (aos:) and a prompt name
//     with a dot or starting with aos_ are always prefixed.
//   - The prefixed names keep working for every connection, so a client
//     configured with them is not broken by the owner's choice.
//
// What changes a name is the owner's: connecting, disconnecting or
// accepting a tool on a connection with upstream names, and the change is
// always from a name to its prefixed form or back, never from one tool to
// another while both are there.

// ownPrefix starts the names of aos's own tools; upstream names never take it.
const ownPrefix = "aos_"

// bareNames is what the upstream names of the instance stand for.
type bareNames struct {
	tools map[string]bareClaim
	// resources and prompts name the one connection with upstream names
	// whose upstream offers them; "" if none or several.
	resources, prompts string
}

// bareClaim is a tool name and the connections claiming it; it is served
// bare only when n is 1.
type bareClaim struct {
	conn string
	n    int
}

// bareToolName reports whether an upstream's tool name can be served as it is.
func bareToolName(n string) bool {
	if n == "" || len(n) > maxToolName || strings.HasPrefix(n, ownPrefix) {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// barePromptName reports whether an upstream's prompt name can be served as it is.
func barePromptName(n string) bool {
	return n != "" && !strings.Contains(n, ".") && !strings.HasPrefix(n, ownPrefix)
}

// bareURI reports whether an upstream's resource URI (or template) can be
// served as it is.
func bareURI(u string) bool { return u != "" && !strings.HasPrefix(u, "aos:") }

// computeBare works out the upstream names of the connected connections conns.
func (s *Server) computeBare(conns []*aos.Connection) *bareNames {
	b := &bareNames{tools: map[string]bareClaim{}}
	var nres, nprompts int
	for _, c := range conns {
		if !c.Connected() {
			continue
		}
		k, ok := s.Gateway.Connectors[c.Type]
		if !ok {
			continue
		}
		un, ok := k.(connector.UpstreamNamer)
		if !ok {
			continue
		}
		tools, on := un.UpstreamNames(c)
		if !on {
			continue
		}
		for _, t := range tools {
			if bareToolName(t) {
				cl := b.tools[t]
				cl.conn, cl.n = c.Name, cl.n+1
				b.tools[t] = cl
			}
		}
		if f, ok := k.(connector.MCPFeatures); ok {
			ops := f.MCPOperations(c)
			if ops.ReadResource != "" {
				nres++
				b.resources = c.Name
			}
			if ops.GetPrompt != "" {
				nprompts++
				b.prompts = c.Name
			}
		}
	}
	if nres != 1 {
		b.resources = ""
	}
	if nprompts != 1 {
		b.prompts = ""
	}
	return b
}

// tool returns the connection whose tool name is served bare, if any.
func (b *bareNames) tool(name string) (string, bool) {
	cl, ok := b.tools[name]
	return cl.conn, ok && cl.n == 1
}

// resourceURI is how an upstream's resource URI (or template) of
// connection conn is served.
func (b *bareNames) resourceURI(conn, uri string) string {
	if b.resources == conn && bareURI(uri) {
		return uri
	}
	return uriPrefix + conn + "/" + uri
}

// promptName is how an upstream's prompt of connection conn is served.
func (b *bareNames) promptName(conn, name string) string {
	if b.prompts == conn && barePromptName(name) {
		return name
	}
	return conn + "." + name
}

// resourceRef resolves a resource URI (or template) an agent sent to the
// connection and the upstream's URI: aos://CONNECTION/URI, or a bare URI
// of the one connection serving its resources bare.
func (b *bareNames) resourceRef(uri string) (conn, upstream string, ok bool) {
	if rest, prefixed := strings.CutPrefix(uri, uriPrefix); prefixed {
		conn, upstream, ok = strings.Cut(rest, "/")
		return conn, upstream, ok && conn != "" && upstream != ""
	}
	if b.resources == "" || !bareURI(uri) {
		return "", "", false
	}
	return b.resources, uri, true
}

// promptRef resolves a prompt name an agent sent: CONNECTION.NAME, or a
// bare name of the one connection serving its prompts bare.
func (b *bareNames) promptRef(name string) (conn, upstream string, ok bool) {
	if c, n, dotted := strings.Cut(name, "."); dotted {
		return c, n, c != "" && n != ""
	}
	if b.prompts == "" || !barePromptName(name) {
		return "", "", false
	}
	return b.prompts, name, true
}
