package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The upstream's resources and prompts are reached through read
// operations named after their MCP methods (connector.MCPFeatures), on the
// resources "resources" and "prompts", which the scopes "resources",
// "prompts" and "*" cover. Whether the upstream offers them is pinned at
// connect, from the capabilities it stated.
const (
	opListResources     = "resources/list"
	opListTemplates     = "resources/templates/list"
	opReadResource      = "resources/read"
	opSubscribe         = "resources/subscribe"
	opUnsubscribe       = "resources/unsubscribe"
	opListPrompts       = "prompts/list"
	opGetPrompt         = "prompts/get"
	opComplete          = "completion/complete"
	resourceOfResources = "resources"
	resourceOfPrompts   = "prompts"
)

var _ connector.MCPFeatures = (*Connector)(nil)

// MCPOperations names the operations of the features the upstream offered
// at connect.
func (k *Connector) MCPOperations(c *aos.Connection) connector.MCPOperations {
	cfg, err := settings(c)
	if err != nil {
		return connector.MCPOperations{}
	}
	var o connector.MCPOperations
	if cfg.Resources {
		o.ListResources, o.ListResourceTemplates, o.ReadResource = opListResources, opListTemplates, opReadResource
		o.Subscribe, o.Unsubscribe = opSubscribe, opUnsubscribe
	}
	if cfg.Prompts {
		o.ListPrompts, o.GetPrompt = opListPrompts, opGetPrompt
	}
	if cfg.Completions && (cfg.Prompts || cfg.Resources) {
		o.Complete = opComplete
	}
	return o
}

// featureResource is the resource of a feature operation, "" for a tool.
func featureResource(op string) string {
	switch op {
	case opListResources, opListTemplates, opReadResource, opSubscribe, opUnsubscribe:
		return resourceOfResources
	case opListPrompts, opGetPrompt:
		return resourceOfPrompts
	case opComplete:
		return resourceOfCompletion
	}
	return ""
}

// resourceOfCompletion marks a completion until its args say what it
// completes: a prompt's argument (the resource "prompts") or a resource
// template's ("resources").
const resourceOfCompletion = "completion"

// completeCall maps completion/complete: its args are the method's params,
// whose ref names the upstream's prompt or resource template.
func completeCall(c *aos.Connection, cfg *config, raw json.RawMessage) (*connector.Call, error) {
	if !cfg.Completions {
		return nil, aos.Errorf(aos.EUnknownOperation, "the upstream of %s did not offer completions when it was connected", c.Name)
	}
	p, err := parseComplete(raw)
	if err != nil {
		return nil, err
	}
	res := resourceOfPrompts
	if p.Ref.Type == "ref/resource" {
		res = resourceOfResources
	}
	if res == resourceOfResources && !cfg.Resources || res == resourceOfPrompts && !cfg.Prompts {
		return nil, aos.Errorf(aos.EUnknownOperation, "the upstream of %s did not offer %s when it was connected", c.Name, res)
	}
	body, _ := json.Marshal(p)
	return &connector.Call{
		Operation: aos.Operation{Name: opComplete, Access: aos.Read},
		Resource:  res,
		Upstream: &connector.Outbound{Method: opComplete, URL: "mcp:" + opComplete,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: body},
		Parsed: p,
	}, nil
}

func parseComplete(raw json.RawMessage) (*sdk.CompleteParams, error) {
	var p sdk.CompleteParams
	if err := json.Unmarshal(raw, &p); err != nil || p.Ref == nil ||
		(p.Ref.Type != "ref/prompt" || p.Ref.Name == "") && (p.Ref.Type != "ref/resource" || p.Ref.URI == "") {
		return nil, connector.BadRequest(`completion/complete takes {"ref": {"type": "ref/prompt", "name": "..."} or {"type": "ref/resource", "uri": "..."}, "argument": {"name", "value"}}`)
	}
	p.Meta = nil
	return &p, nil
}

// featureArgs are the args of every feature operation; each takes its
// own fields only.
type featureArgs struct {
	Cursor    string            `json:"cursor,omitempty"`
	URI       string            `json:"uri,omitempty"`
	Name      string            `json:"name,omitempty"`
	Arguments map[string]string `json:"arguments,omitempty"`
}

func parseFeatureArgs(op string, raw json.RawMessage) (*featureArgs, error) {
	var a featureArgs
	if len(bytes.TrimSpace(raw)) > 0 && string(bytes.TrimSpace(raw)) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			return nil, connector.BadRequest("the args of %s are not what it takes (%s)", op, jsonProblem(err))
		}
	}
	byURI := op == opReadResource || op == opSubscribe || op == opUnsubscribe
	switch {
	case byURI && a.URI == "":
		return nil, connector.BadRequest("%s takes {\"uri\": \"...\"}", op)
	case op == opGetPrompt && a.Name == "":
		return nil, connector.BadRequest("prompts/get takes {\"name\": \"...\", \"arguments\": {...}}")
	case !byURI && a.URI != "", op != opGetPrompt && (a.Name != "" || a.Arguments != nil),
		(byURI || op == opGetPrompt) && a.Cursor != "":
		return nil, connector.BadRequest("the args of %s are not what it takes", op)
	}
	return &a, nil
}

// featureCall maps a feature operation: a read of "resources" or
// "prompts", its args sealed as they go upstream.
func featureCall(c *aos.Connection, cfg *config, op string, raw json.RawMessage) (*connector.Call, error) {
	if op == opComplete {
		return completeCall(c, cfg, raw)
	}
	res := featureResource(op)
	if res == resourceOfResources && !cfg.Resources || res == resourceOfPrompts && !cfg.Prompts {
		return nil, aos.Errorf(aos.EUnknownOperation, "the upstream of %s did not offer %s when it was connected", c.Name, res)
	}
	a, err := parseFeatureArgs(op, raw)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(a)
	return &connector.Call{
		Operation: aos.Operation{Name: op, Access: aos.Read},
		Resource:  res,
		Upstream: &connector.Outbound{Method: op, URL: "mcp:" + op,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: body},
		Parsed: a,
	}, nil
}

// doFeature sends a feature operation upstream, with the parameters its
// mapping read (a), and returns its result.
func (k *Connector) doFeature(ctx context.Context, c *aos.Connection, s *session, op string, a *featureArgs) (*connector.Response, error) {
	var res any
	var err error
	switch op {
	case opListResources:
		res, err = s.cs.ListResources(ctx, &sdk.ListResourcesParams{Cursor: a.Cursor})
	case opListTemplates:
		res, err = s.cs.ListResourceTemplates(ctx, &sdk.ListResourceTemplatesParams{Cursor: a.Cursor})
	case opReadResource:
		res, err = s.cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: a.URI})
	case opSubscribe:
		res, err = k.subscribe(ctx, c, s, a.URI)
	case opUnsubscribe:
		res, err = k.unsubscribe(ctx, c, s, a.URI)
	case opListPrompts:
		res, err = s.cs.ListPrompts(ctx, &sdk.ListPromptsParams{Cursor: a.Cursor})
	case opGetPrompt:
		res, err = s.cs.GetPrompt(ctx, &sdk.GetPromptParams{Name: a.Name, Arguments: a.Arguments})
	default:
		return nil, aos.Errorf(aos.EInternal, "%s is not a feature operation of the mcp connector", op)
	}
	return k.featureAnswer(ctx, c, s, op, res, err)
}

// featureAnswer is a feature operation's result as the agent gets it.
func (k *Connector) featureAnswer(ctx context.Context, c *aos.Connection, s *session, op string, res any, err error) (*connector.Response, error) {
	if err != nil {
		return nil, callError(ctx, c, s, err)
	}
	body, err := json.Marshal(res)
	if err != nil {
		return nil, aos.Errorf(aos.EUpstream, "the answer of %s cannot be encoded", op)
	}
	if len(body) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the answer of %s is larger than %d MiB", op, connector.MaxBody>>20)
	}
	return &connector.Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}, nil
}
