package mcpapi

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/gateway"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// An upstream MCP server's resources and prompts (connector.MCPFeatures)
// are served to agents with an active grant on its connection, each list,
// read and get a read call through the gateway. So that two upstreams
// cannot collide, a resource's URI is served as aos://CONNECTION/ followed
// by the upstream's URI (a template's likewise), and a prompt's name as
// CONNECTION.NAME, unless the connection has upstream names and its are
// unambiguous (see names.go): then as the upstream names them.

const uriPrefix = "aos://"

// featureConnections are the agent's granted connections whose upstream
// offers the feature op picks, with that operation's name.
func (s *Server) featureConnections(ctx context.Context, p *aos.Principal, op func(connector.MCPOperations) string) ([]*granted, []string, *bareNames, error) {
	gs, b, err := s.grantedConnections(ctx, p)
	if err != nil {
		return nil, nil, nil, err
	}
	var out []*granted
	var ops []string
	for _, g := range gs {
		f, ok := g.k.(connector.MCPFeatures)
		if !ok {
			continue
		}
		if name := op(f.MCPOperations(g.conn)); name != "" {
			out = append(out, g)
			ops = append(ops, name)
		}
	}
	return out, ops, b, nil
}

// featureCall runs one feature operation through the gateway and decodes
// its answer (the upstream's MCP result) into out. A held call (the owner
// attached an approval point) is refused here: a list or a read has no
// result to wait for.
func (s *Server) featureCall(ctx context.Context, p *aos.Principal, conn, op string, args any, out any) error {
	raw, err := json.Marshal(args)
	if err != nil {
		return err
	}
	res, err := s.Gateway.Call(ctx, p, gateway.CallRequest{Connection: conn, Operation: op, Args: raw})
	if err != nil {
		return err
	}
	if res.Held != nil {
		return aos.Errorf(aos.EForbidden, "%s is held for the owner's approval (%s); call it as a tool to wait for the decision", op, res.Held.ID)
	}
	if res.Response.Status >= 400 {
		return aos.Errorf(aos.EUpstream, "the upstream of %s answered %d", conn, res.Response.Status)
	}
	if err := json.Unmarshal(res.Response.Body, out); err != nil {
		return aos.Errorf(aos.EUpstream, "the upstream of %s answered what is not an MCP result", conn)
	}
	return nil
}

// maxPages bounds the pages read from one upstream for one list.
const maxPages = 20

// eachPage calls list with each cursor the upstream gives, from none.
func eachPage(list func(cursor string) (next string, err error)) error {
	cursor := ""
	for range maxPages {
		next, err := list(cursor)
		if err != nil || next == "" {
			return err
		}
		cursor = next
	}
	return nil
}

type cursorArgs struct {
	Cursor string `json:"cursor,omitempty"`
}

// listResources answers resources/list: every resource of the agent's
// granted upstreams. An upstream that refuses or fails is left out (and
// logged); the others are listed.
func (s *Server) listResources(ctx context.Context, req *mcp.ListResourcesRequest) (*mcp.ListResourcesResult, error) {
	p, err := principalOf(req)
	if err != nil {
		return nil, err
	}
	gs, ops, b, err := s.featureConnections(ctx, p, func(o connector.MCPOperations) string { return o.ListResources })
	if err != nil {
		return nil, s.protocolError(err)
	}
	res := &mcp.ListResourcesResult{Resources: []*mcp.Resource{}}
	for i, g := range gs {
		err := eachPage(func(cursor string) (string, error) {
			var page mcp.ListResourcesResult
			if err := s.featureCall(ctx, p, g.conn.Name, ops[i], cursorArgs{cursor}, &page); err != nil {
				return "", err
			}
			for _, r := range page.Resources {
				if r != nil {
					r.URI = b.resourceURI(g.conn.Name, r.URI)
					res.Resources = append(res.Resources, r)
				}
			}
			return page.NextCursor, nil
		})
		if err != nil {
			s.logger().Warn("mcp resources/list: an upstream left out", "connection", g.conn.Name, "code", aos.ErrorCode(err), "err", err)
		}
	}
	res.CacheScope = "private"
	return res, nil
}

// listResourceTemplates answers resources/templates/list, as listResources.
func (s *Server) listResourceTemplates(ctx context.Context, req *mcp.ListResourceTemplatesRequest) (*mcp.ListResourceTemplatesResult, error) {
	p, err := principalOf(req)
	if err != nil {
		return nil, err
	}
	gs, ops, b, err := s.featureConnections(ctx, p, func(o connector.MCPOperations) string { return o.ListResourceTemplates })
	if err != nil {
		return nil, s.protocolError(err)
	}
	res := &mcp.ListResourceTemplatesResult{ResourceTemplates: []*mcp.ResourceTemplate{}}
	for i, g := range gs {
		err := eachPage(func(cursor string) (string, error) {
			var page mcp.ListResourceTemplatesResult
			if err := s.featureCall(ctx, p, g.conn.Name, ops[i], cursorArgs{cursor}, &page); err != nil {
				return "", err
			}
			for _, t := range page.ResourceTemplates {
				if t != nil {
					t.URITemplate = b.resourceURI(g.conn.Name, t.URITemplate)
					res.ResourceTemplates = append(res.ResourceTemplates, t)
				}
			}
			return page.NextCursor, nil
		})
		if err != nil {
			s.logger().Warn("mcp resources/templates/list: an upstream left out", "connection", g.conn.Name, "code", aos.ErrorCode(err), "err", err)
		}
	}
	res.CacheScope = "private"
	return res, nil
}

// readResource answers resources/read of aos://CONNECTION/URI, or of a
// URI served as the upstream names it.
func (s *Server) readResource(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	p, err := principalOf(req)
	if err != nil {
		return nil, err
	}
	uri := req.Params.URI
	gs, ops, b, err := s.featureConnections(ctx, p, func(o connector.MCPOperations) string { return o.ReadResource })
	if err != nil {
		return nil, s.protocolError(err)
	}
	conn, upstreamURI, ok := b.resourceRef(uri)
	if !ok {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	prefixed := strings.HasPrefix(uri, uriPrefix)
	for i, g := range gs {
		if g.conn.Name != conn {
			continue
		}
		var res mcp.ReadResourceResult
		if err := s.featureCall(ctx, p, conn, ops[i], map[string]string{"uri": upstreamURI}, &res); err != nil {
			return nil, featureError(err)
		}
		for _, c := range res.Contents {
			if c != nil && c.URI != "" {
				if prefixed {
					c.URI = uriPrefix + conn + "/" + c.URI
				} else {
					c.URI = b.resourceURI(conn, c.URI)
				}
			}
		}
		res.CacheScope = "private"
		return &res, nil
	}
	return nil, mcp.ResourceNotFoundError(uri)
}

// listPrompts answers prompts/list, as listResources.
func (s *Server) listPrompts(ctx context.Context, req *mcp.ListPromptsRequest) (*mcp.ListPromptsResult, error) {
	p, err := principalOf(req)
	if err != nil {
		return nil, err
	}
	gs, ops, b, err := s.featureConnections(ctx, p, func(o connector.MCPOperations) string { return o.ListPrompts })
	if err != nil {
		return nil, s.protocolError(err)
	}
	res := &mcp.ListPromptsResult{Prompts: []*mcp.Prompt{}}
	for i, g := range gs {
		err := eachPage(func(cursor string) (string, error) {
			var page mcp.ListPromptsResult
			if err := s.featureCall(ctx, p, g.conn.Name, ops[i], cursorArgs{cursor}, &page); err != nil {
				return "", err
			}
			for _, pr := range page.Prompts {
				if pr != nil {
					pr.Name = b.promptName(g.conn.Name, pr.Name)
					res.Prompts = append(res.Prompts, pr)
				}
			}
			return page.NextCursor, nil
		})
		if err != nil {
			s.logger().Warn("mcp prompts/list: an upstream left out", "connection", g.conn.Name, "code", aos.ErrorCode(err), "err", err)
		}
	}
	res.CacheScope = "private"
	return res, nil
}

// getPrompt answers prompts/get of CONNECTION.NAME, or of a name served
// as the upstream names it.
func (s *Server) getPrompt(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	p, err := principalOf(req)
	if err != nil {
		return nil, err
	}
	gs, ops, b, err := s.featureConnections(ctx, p, func(o connector.MCPOperations) string { return o.GetPrompt })
	if err != nil {
		return nil, s.protocolError(err)
	}
	if conn, name, ok := b.promptRef(req.Params.Name); ok {
		for i, g := range gs {
			if g.conn.Name != conn {
				continue
			}
			var res mcp.GetPromptResult
			args := map[string]any{"name": name, "arguments": req.Params.Arguments}
			if err := s.featureCall(ctx, p, conn, ops[i], args, &res); err != nil {
				return nil, featureError(err)
			}
			return &res, nil
		}
	}
	return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "unknown prompt " + strings.TrimSpace(req.Params.Name) + " (see prompts/list)"}
}

// complete answers completion/complete for an argument of an upstream's
// prompt (CONNECTION.NAME) or resource template (aos://CONNECTION/...),
// or one served as the upstream names it, through the connection's
// Complete operation. A reference to anything else has no completions.
func (s *Server) complete(ctx context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
	p, err := principalOf(req)
	if err != nil {
		return nil, err
	}
	none := &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: []string{}}}
	if req.Params == nil || req.Params.Ref == nil {
		return nil, requestError("completion/complete needs a ref")
	}
	params := *req.Params
	ref := *req.Params.Ref
	gs, ops, b, err := s.featureConnections(ctx, p, func(o connector.MCPOperations) string { return o.Complete })
	if err != nil {
		return nil, s.protocolError(err)
	}
	var conn string
	switch ref.Type {
	case "ref/prompt":
		c, name, ok := b.promptRef(ref.Name)
		if !ok {
			return none, nil
		}
		conn, ref.Name = c, name
	case "ref/resource":
		c, uri, ok := b.resourceRef(ref.URI)
		if !ok {
			return none, nil
		}
		conn, ref.URI = c, uri
	default:
		return none, nil
	}
	params.Ref = &ref
	params.Meta = nil
	for i, g := range gs {
		if g.conn.Name != conn {
			continue
		}
		var res mcp.CompleteResult
		if err := s.featureCall(ctx, p, conn, ops[i], &params, &res); err != nil {
			return nil, featureError(err)
		}
		if res.Completion.Values == nil {
			res.Completion.Values = []string{}
		}
		return &res, nil
	}
	return none, nil
}
