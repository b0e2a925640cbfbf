package mcpapi

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A tool is one operation on one connection that the calling agent's
// active grants allow: a read grant allows the connection's read
// operations, a write grant all of them. Its name is
// CONNECTION.OPERATION, with every character MCP tool names do not allow
// (outside A-Z a-z 0-9 _ - .) replaced by _; connection names hold no dot,
// so the first dot separates the two. A tool of a connection with upstream
// names is served under the upstream's own name instead where that is
// unambiguous (see names.go).
type tool struct {
	name string
	conn *aos.Connection
	op   aos.Operation
	k    connector.Connector
}

// maxToolName is MCP's bound on a tool name.
const maxToolName = 128

// toolName is the sanitised CONNECTION.OPERATION.
func toolName(conn, op string) string {
	var b strings.Builder
	for _, r := range conn + "." + op {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := b.String()
	if len(name) > maxToolName {
		sum := sha256.Sum256([]byte(conn + "." + op))
		name = name[:maxToolName-9] + "-" + hex.EncodeToString(sum[:4])
	}
	return name
}

// granted is a connection with the active grants that apply to an agent.
type granted struct {
	conn   *aos.Connection
	k      connector.Connector
	scopes []string // scope NUL access
}

// grantedConnections returns the connected connections on which agent p
// holds an active grant, by name, each with the scopes and access of its
// grants, and the upstream names of the instance. Connections of a type
// this server does not know are left out.
func (s *Server) grantedConnections(ctx context.Context, p *aos.Principal) ([]*granted, *bareNames, error) {
	gcs, all, err := s.Gateway.GrantedTo(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	gs := make([]*granted, 0, len(gcs))
	for _, gc := range gcs {
		k, ok := s.Gateway.Connectors[gc.Connection.Type]
		if !ok {
			continue
		}
		g := &granted{conn: gc.Connection, k: k}
		for _, gr := range gc.Grants {
			g.scopes = append(g.scopes, gr.Scope+"\x00"+string(gr.Access))
		}
		gs = append(gs, g)
	}
	return gs, s.computeBare(all), nil
}

// catalogue returns the tools of agent p, ordered by connection name then
// in each connector's order of operations (see namedOperations).
func (s *Server) catalogue(ctx context.Context, p *aos.Principal) ([]tool, error) {
	gs, b, err := s.grantedConnections(ctx, p)
	if err != nil {
		return nil, err
	}
	var tools []tool
	for _, g := range gs {
		ops, err := s.namedOperations(g.k, g.conn)
		if err != nil {
			s.logger().Error("mcp tools/list: a connection's operations", "connection", g.conn.Name, "err", err)
			continue
		}
		scoper, _ := g.k.(connector.OperationScoper)
		for _, op := range ops {
			if reaches(scoper, g.conn, g.scopes, op.op) {
				name := op.name
				if conn, ok := b.tool(op.op.Name); ok && conn == g.conn.Name {
					name = op.op.Name
				}
				tools = append(tools, tool{name: name, conn: g.conn, op: op.op, k: g.k})
			}
		}
	}
	return tools, nil
}

// namedOperation is an operation with its tool name.
type namedOperation struct {
	name string
	op   aos.Operation
}

// namedOperations returns every operation of connection c that is served
// as a tool (all of them, granted or not; not those through which its
// upstream's resources and prompts are reached), each with its tool name.
// A name depends on the connection's operations alone, never on grants,
// so it stays the same for every agent. An operation whose
// CONNECTION.OPERATION is a valid tool name as it is keeps it; any other is
// sanitised (toolName) and, if that name is taken, given a numeric suffix.
func (s *Server) namedOperations(k connector.Connector, c *aos.Connection) ([]namedOperation, error) {
	var ops []aos.Operation
	if d, ok := k.(connector.OperationDeclarer); ok {
		declared, err := d.DeclaredOperations(c)
		if err != nil {
			return nil, err
		}
		ops = declared
	}
	static := ops == nil
	if static {
		if cached, ok := s.staticNames.Load(c.Type + "\x00" + c.Name); ok {
			return cached.([]namedOperation), nil
		}
		ops = k.Describe().Operations
	}
	var features connector.MCPOperations
	if f, ok := k.(connector.MCPFeatures); ok {
		features = f.MCPOperations(c)
	}
	named := make([]namedOperation, 0, len(ops))
	taken := map[string]bool{}
	for _, op := range ops {
		if isFeature(features, op.Name) {
			continue
		}
		named = append(named, namedOperation{op: op})
		if name, ok := plainName(c.Name, op.Name); ok {
			taken[name] = true
		}
	}
	for i, n := range named {
		if name, ok := plainName(c.Name, n.op.Name); ok {
			named[i].name = name
			continue
		}
		name := toolName(c.Name, n.op.Name)
		for j := 2; taken[name]; j++ {
			name = toolName(c.Name, n.op.Name+"_"+strconv.Itoa(j))
		}
		taken[name] = true
		named[i].name = name
	}
	if static && features == (connector.MCPOperations{}) {
		s.staticNames.Store(c.Type+"\x00"+c.Name, named)
	}
	return named, nil
}

// plainName returns CONNECTION.OPERATION when it is a valid tool name as
// it is.
func plainName(conn, op string) (string, bool) {
	name := conn + "." + op
	return name, validToolName(name)
}

// validToolName reports whether name is a tool name as toolName leaves
// it: at most maxToolName of A-Z a-z 0-9 _ - and dots.
func validToolName(name string) bool {
	if len(name) > maxToolName {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch r := name[i]; {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
		default:
			return false
		}
	}
	return true
}

// isFeature reports whether op is how /mcp reaches resources or prompts
// (served as such, not as a tool).
func isFeature(f connector.MCPOperations, op string) bool {
	switch op {
	case f.ListResources, f.ListResourceTemplates, f.ReadResource, f.ListPrompts, f.GetPrompt, f.Complete:
		return op != ""
	}
	return false
}

// reaches reports whether some grant (scope NUL access) allows op: its
// access, and for connectors whose scopes name operations, its scope.
func reaches(scoper connector.OperationScoper, c *aos.Connection, scopes []string, op aos.Operation) bool {
	for _, sa := range scopes {
		scope, access, _ := strings.Cut(sa, "\x00")
		if op.Access == aos.Write && aos.Access(access) != aos.Write {
			continue
		}
		if scoper == nil || scoper.ScopeAllows(c, scope, op.Name) {
			return true
		}
	}
	return false
}

// genericSchema is the input schema of an operation whose connector does
// not describe its args: any JSON object, taken as the args of POST
// /v1/call.
var genericSchema = json.RawMessage(`{"type":"object","additionalProperties":true,` +
	`"description":"The args of this operation, as POST /v1/call takes them (see aos connectors TYPE and the README)."}`)

// mcpTool is how t is listed.
func (t tool) mcpTool() *mcp.Tool {
	var sch connector.OperationSchema
	if sc, ok := t.k.(connector.Schemer); ok {
		sch, _ = sc.OperationSchema(t.conn, t.op.Name)
	}
	input := sch.Input
	if !isObjectSchema(input) {
		input = genericSchema
	}
	read := t.op.Access == aos.Read
	write := !read
	open := true // every tool reaches a system outside aos
	desc := fmt.Sprintf("%s on connection %s (%s); %s.", t.op.Name, t.conn.Name, t.conn.Type, t.op.Access)
	if len(t.op.Points) > 0 {
		var ps []string
		for _, p := range t.op.Points {
			ps = append(ps, string(p))
		}
		desc += " May be held for the owner's approval (" + strings.Join(ps, ", ") + "): then wait with aos_wait_approval."
	}
	if sch.Description != "" {
		desc = sch.Description + "\n\n" + desc
	}
	mt := &mcp.Tool{
		Name: t.name, Title: sch.Title, Description: desc, InputSchema: input,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: read, DestructiveHint: &write, OpenWorldHint: &open},
	}
	if isObjectSchema(sch.Output) {
		mt.OutputSchema = sch.Output
	}
	return mt
}

// isObjectSchema reports whether raw is a JSON Schema of type object, as
// MCP requires of tool schemas.
func isObjectSchema(raw json.RawMessage) bool {
	var s struct {
		Type any `json:"type"`
	}
	return len(raw) > 0 && json.Unmarshal(raw, &s) == nil && s.Type == "object"
}

// pageSize bounds one page of tools/list.
const pageSize = 500

// listTools answers tools/list: the agent's tools, then aos's own.
func (s *Server) listTools(ctx context.Context, req *mcp.ListToolsRequest) (*mcp.ListToolsResult, error) {
	p, err := principalOf(req)
	if err != nil {
		return nil, err
	}
	tools, err := s.catalogue(ctx, p)
	if err != nil {
		return nil, s.protocolError(err)
	}
	all := make([]*mcp.Tool, 0, len(tools)+len(ownTools))
	for _, t := range tools {
		all = append(all, t.mcpTool())
	}
	all = append(all, ownTools...)
	start := 0
	if req.Params != nil && req.Params.Cursor != "" {
		start, err = decodeCursor(req.Params.Cursor)
		if err != nil || start > len(all) {
			return nil, requestError("invalid cursor")
		}
	}
	end := min(start+pageSize, len(all))
	res := &mcp.ListToolsResult{Tools: all[start:end]}
	res.CacheScope = "private"
	if end < len(all) {
		res.NextCursor = base64.RawURLEncoding.EncodeToString([]byte("aos:" + strconv.Itoa(end)))
	}
	return res, nil
}

func decodeCursor(c string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, err
	}
	n, ok := strings.CutPrefix(string(b), "aos:")
	if !ok {
		return 0, fmt.Errorf("bad cursor")
	}
	i, err := strconv.Atoi(n)
	if err != nil || i < 0 {
		return 0, fmt.Errorf("bad cursor")
	}
	return i, nil
}
