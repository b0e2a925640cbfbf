package mcpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/mcprelay"
	"github.com/aos-dev/aos/gateway"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// toolsMiddleware answers tools/list, tools/call and the resource and
// prompt methods from the calling agent's grants; every other method goes
// to the go-sdk. Calls, reads and gets pass through the go-sdk's own
// handlers (renamed to a dispatch tool, resource or prompt), which finish
// their results for the negotiated revision.
func (s *Server) toolsMiddleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		switch method {
		case "notifications/initialized":
			s.registerSession(req)
		case "logging/setLevel":
			s.sessionLogs(req)
		case "notifications/cancelled":
			s.cancelFast(req)
		case "tools/list":
			if r, ok := req.(*mcp.ListToolsRequest); ok {
				return s.listTools(ctx, r)
			}
		case "tools/call":
			if r, ok := req.(*mcp.CallToolRequest); ok && r.Params != nil {
				// The go-sdk finishes a tool's result for the
				// negotiated revision (resultType under 2026-07-28):
				// the call goes through it as the dispatch tool, whose
				// handler answers the original request.
				ctx = context.WithValue(ctx, callKey{}, r)
				params := *r.Params
				params.Name = dispatchTool
				return next(ctx, method, &mcp.CallToolRequest{Session: r.Session, Params: &params, Extra: r.Extra})
			}
		case "resources/list":
			if r, ok := req.(*mcp.ListResourcesRequest); ok {
				return s.listResources(ctx, r)
			}
		case "resources/templates/list":
			if r, ok := req.(*mcp.ListResourceTemplatesRequest); ok {
				return s.listResourceTemplates(ctx, r)
			}
		case "prompts/list":
			if r, ok := req.(*mcp.ListPromptsRequest); ok {
				return s.listPrompts(ctx, r)
			}
		case "resources/read":
			// Through the go-sdk's resource path, as tools/call.
			if r, ok := req.(*mcp.ReadResourceRequest); ok && r.Params != nil {
				ctx = context.WithValue(ctx, callKey{}, r)
				params := *r.Params
				params.URI = dispatchURI
				return next(ctx, method, &mcp.ReadResourceRequest{Session: r.Session, Params: &params, Extra: r.Extra})
			}
		case "prompts/get":
			if r, ok := req.(*mcp.GetPromptRequest); ok && r.Params != nil {
				ctx = context.WithValue(ctx, callKey{}, r)
				params := *r.Params
				params.Name = dispatchTool
				return next(ctx, method, &mcp.GetPromptRequest{Session: r.Session, Params: &params, Extra: r.Extra})
			}
		}
		return next(ctx, method, req)
	}
}

// dispatchTool is the one tool the go-sdk knows: never listed, and never
// callable by its name (the middleware renames every call to it).
const dispatchTool = "aos_dispatch"

type callKey struct{}

// dispatchURI is the one resource the go-sdk knows, as dispatchTool.
const dispatchURI = "aos:dispatch"

// dispatchRead answers the resources/read the middleware passed on.
func (s *Server) dispatchRead(ctx context.Context, _ *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	r, ok := ctx.Value(callKey{}).(*mcp.ReadResourceRequest)
	if !ok {
		return nil, mcp.ResourceNotFoundError(dispatchURI)
	}
	return s.readResource(ctx, r)
}

// dispatchPrompt answers the prompts/get the middleware passed on.
func (s *Server) dispatchPrompt(ctx context.Context, _ *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	r, ok := ctx.Value(callKey{}).(*mcp.GetPromptRequest)
	if !ok {
		return nil, requestError("unknown prompt %q", dispatchTool)
	}
	return s.getPrompt(ctx, r)
}

// dispatch answers the tools/call the middleware passed on.
func (s *Server) dispatch(ctx context.Context, _ *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	r, ok := ctx.Value(callKey{}).(*mcp.CallToolRequest)
	if !ok {
		return nil, requestError("unknown tool %q", dispatchTool)
	}
	return s.callTool(ctx, r)
}

// Keys of a tools/call's _meta that say why the agent calls; they are
// the purpose, recommendation and alternatives of POST /v1/call, shown to
// the owner when the call is held.
const (
	MetaPurpose        = "aos/purpose"
	MetaRecommendation = "aos/recommendation"
	MetaAlternatives   = "aos/alternatives"
)

// metaOf reads the agent's purpose, recommendation and alternatives from
// a tools/call's _meta. Alternatives is a list of strings, or one string
// of comma-separated alternatives.
func metaOf(m mcp.Meta) (gateway.Meta, error) {
	var out gateway.Meta
	str := func(key string, dst *string) error {
		v, ok := m[key]
		if !ok || v == nil {
			return nil
		}
		s, ok := v.(string)
		if !ok {
			return errBadRequest("_meta %q must be a string", key)
		}
		*dst = s
		return nil
	}
	if err := str(MetaPurpose, &out.Purpose); err != nil {
		return out, err
	}
	if err := str(MetaRecommendation, &out.Recommendation); err != nil {
		return out, err
	}
	switch v := m[MetaAlternatives].(type) {
	case nil:
	case string:
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				out.Alternatives = append(out.Alternatives, a)
			}
		}
	case []any:
		for _, a := range v {
			s, ok := a.(string)
			if !ok {
				return out, errBadRequest("_meta %q must be a list of strings", MetaAlternatives)
			}
			out.Alternatives = append(out.Alternatives, s)
		}
	default:
		return out, errBadRequest("_meta %q must be a list of strings", MetaAlternatives)
	}
	return out, nil
}

// callTool answers tools/call. aos's own tools are answered here; any
// other name is CONNECTION.OPERATION and runs through the gateway, as
// POST /v1/call does. Names are resolved among every operation of the
// connection, so that one that exists but is not granted is refused by the
// policy with its code (and recorded), never answered "unknown tool".
func (s *Server) callTool(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	if req.Params == nil || req.Params.Name == "" {
		return nil, requestError("tools/call needs a tool name")
	}
	name := req.Params.Name
	p, err := principalOf(req)
	if err != nil {
		return s.callError(name, err)
	}
	if own, ok := s.ownTool(name); ok {
		return own(ctx, p, req)
	}
	res, raw, err := s.runTool(ctx, p, name, req.Params.Meta, req.Params.Arguments, newRelay(req))
	if raw != nil {
		return s.decodeResult(name, raw)
	}
	return res, err
}

// runTool runs tools/call of name, not one of aos's own tools, for agent
// p with the call's _meta and arguments, relaying what the upstream asks
// and tells mid-call through relay. The answer is a result, or raw: an
// upstream MCP server's CallToolResult as the gateway passed it back (a
// JSON object), which the connector neither decoded nor kept decoded.
func (s *Server) runTool(ctx context.Context, p *aos.Principal, name string, meta mcp.Meta, args json.RawMessage, relay *sessionRelay) (res *mcp.CallToolResult, raw json.RawMessage, err error) {
	m, err := metaOf(meta)
	if err != nil {
		res, err = s.callError(name, err)
		return res, nil, err
	}
	if len(args) == 0 || string(args) == "null" {
		args = json.RawMessage("{}")
	}
	conn, op, err := s.resolve(ctx, name)
	if err != nil {
		res, err = s.callError(name, err)
		return res, nil, err
	}
	ctx = mcprelay.WithRelay(ctx, relay)
	out, err := s.Gateway.Call(ctx, p, gateway.CallRequest{Connection: conn, Operation: op, Args: args, Meta: m})
	if err != nil {
		res, err = s.callError(name, err)
		return res, nil, err
	}
	if out.Held != nil {
		return heldResult(out.Held), nil, nil
	}
	return s.answer(name, out.Response, relay)
}

// resolve finds the connection and operation a tool name stands for,
// among all the operations of the connection its first dot names, granted
// to the agent or not (the gateway then decides, and refuses what is not
// granted with its code); a name without a dot is an upstream's own name,
// found among the tools of the connections with upstream names (see
// names.go), granted or not. A name that stands for no operation of an
// existing connection is an unknown tool.
func (s *Server) resolve(ctx context.Context, name string) (conn, op string, err error) {
	connName, _, ok := strings.Cut(name, ".")
	if !ok {
		b, err := s.bare(ctx)
		if err != nil {
			return "", "", err
		}
		if conn, ok := b.tool(name); ok {
			return conn, name, nil
		}
		return "", "", &unknownTool{name}
	}
	if connName == "" {
		return "", "", &unknownTool{name}
	}
	c, err := s.connection(ctx, connName)
	if aos.ErrorCode(err) == aos.ENotFound {
		return "", "", &unknownTool{name}
	}
	if err != nil {
		return "", "", err
	}
	k, ok := s.Gateway.Connectors[c.Type]
	if !ok {
		return "", "", &unknownTool{name}
	}
	if op, ok, err := plainOperation(k, c, name); err != nil || ok {
		return c.Name, op, err
	}
	ops, err := s.namedOperations(k, c)
	if err != nil {
		return "", "", err
	}
	for _, o := range ops {
		if o.name == name {
			return c.Name, o.op.Name, nil
		}
	}
	return "", "", &unknownTool{name}
}

// plainOperation finds, without naming every operation, the declared
// operation of connection c whose tool name is name as it is
// (CONNECTION.OPERATION, a valid tool name): namedOperations gives such an
// operation that very name, and no other operation takes it. ok is false
// when the connector declares no operations of its own, or name is not the
// plain name of one (it may be a sanitised name: namedOperations tells).
func plainOperation(k connector.Connector, c *aos.Connection, name string) (op string, ok bool, err error) {
	d, declares := k.(connector.OperationDeclarer)
	if !declares || !validToolName(name) {
		return "", false, nil
	}
	_, op, _ = strings.Cut(name, ".")
	declared, err := d.DeclaredOperations(c)
	if err != nil || declared == nil {
		return "", false, err
	}
	var features connector.MCPOperations
	if f, ok := k.(connector.MCPFeatures); ok {
		features = f.MCPOperations(c)
	}
	for _, o := range declared {
		if o.Name == op {
			return op, !isFeature(features, op), nil
		}
	}
	return "", false, nil
}

// CallResult is the structured result of a call whose upstream is not an
// MCP server: the upstream's answer, in the shape of POST /v1/call's
// answer (gateway.CallResult).
type CallResult = gateway.CallResult

// answer is the result of a call the upstream answered. An upstream MCP
// server's CallToolResult (mcprelay.ToolResultType) is returned as it is
// (as the connector kept it in relay when the body is the one it
// answered, else decoded from the body); any other answer as a
// CallResult, in structuredContent and as JSON text, and a tool error
// when its status is 400 or more.
func (s *Server) answer(tool string, resp *connector.Response, relay *sessionRelay) (*mcp.CallToolResult, json.RawMessage, error) {
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == mcprelay.ToolResultType {
		if res, ok := relay.result(resp.Body); ok {
			return res, nil, nil
		}
		return nil, resp.Body, nil
	}
	res := gateway.ResultOf(resp)
	text, err := json.Marshal(res)
	if err != nil {
		return nil, nil, err
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{&mcp.TextContent{Text: string(text)}},
		StructuredContent: res,
		IsError:           resp.Status >= 400,
	}, nil, nil
}

// decodeResult decodes an upstream MCP server's CallToolResult (the raw
// answer of runTool).
func (s *Server) decodeResult(tool string, raw json.RawMessage) (*mcp.CallToolResult, error) {
	var res mcp.CallToolResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return s.callError(tool, aos.Errorf(aos.EUpstream, "the upstream MCP server's result does not decode: %v", err))
	}
	return &res, nil
}

// Held is the structured result of a call held at an approval point, as
// the agent API's 202 body, with the tool to wait with.
type Held struct {
	ApprovalID     string              `json:"approval_id"`
	ApprovalPoint  aos.ApprovalPoint   `json:"approval_point"`
	ApprovalPoints []aos.ApprovalPoint `json:"approval_points"`
	Status         aos.ApprovalStatus  `json:"status"`
	Poll           string              `json:"poll"`
	Wait           string              `json:"wait"`
	ExpiresAt      time.Time           `json:"expires_at"`
	Reasons        []string            `json:"reasons,omitempty"`
}

// heldResult answers a held call at once, so that the session is never
// blocked on the owner: the agent follows it with aos_wait_approval or GET
// /v1/approvals/{id}.
func heldResult(a *aos.Approval) *mcp.CallToolResult {
	h := Held{
		ApprovalID: a.ID, ApprovalPoint: a.Points[0], ApprovalPoints: a.Points, Status: a.Status,
		Poll: "/v1/approvals/" + a.ID, Wait: waitTool, ExpiresAt: a.ExpiresAt, Reasons: a.Reasons,
	}
	text := fmt.Sprintf("The call is held for the owner's approval at the %s approval point (approval %s, pending until %s). "+
		"It has not run. Wait for the decision with the %s tool ({\"approval_id\": %q}); once approved, aos runs it and that tool returns its result.",
		a.Points[0], a.ID, a.ExpiresAt.UTC().Format(time.RFC3339), waitTool, a.ID)
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}, StructuredContent: h}
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}
