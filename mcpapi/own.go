package mcpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aos-dev/aos"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// aos's own tools, listed after the agent's operations on every list. Their
// names hold no dot, so no CONNECTION.OPERATION can take them.
const (
	waitTool   = "aos_wait_approval"
	whoamiTool = "aos_whoami"
)

var (
	no       = false
	ownTools = []*mcp.Tool{
		{
			Name:  waitTool,
			Title: "Wait for the owner's decision on a held call",
			Description: "Waits (at most wait_seconds, 30 by default) for the owner to decide on a call that was held for approval. " +
				"Returns the call's result once approved and run; a tool error with code approval_denied or approval_expired if it will not run; " +
				"status pending if the owner has not decided yet (call it again).",
			InputSchema: json.RawMessage(`{"type":"object","properties":{` +
				`"approval_id":{"type":"string","description":"the approval_id of the held call"},` +
				`"wait_seconds":{"type":"integer","minimum":0,"description":"how long to wait for the decision; bounded by the server"}},` +
				`"required":["approval_id"],"additionalProperties":false}`),
			Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: &no, OpenWorldHint: &no, IdempotentHint: true},
		},
		{
			Name:        whoamiTool,
			Title:       "Who am I",
			Description: "The calling agent, its department, and the grants that apply to it (connection, scope, access, expiry).",
			InputSchema: json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`),
			Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: &no, OpenWorldHint: &no, IdempotentHint: true},
		},
	}
)

type ownHandler func(ctx context.Context, p *aos.Principal, req *mcp.CallToolRequest) (*mcp.CallToolResult, error)

func (s *Server) ownTool(name string) (ownHandler, bool) {
	switch name {
	case waitTool:
		return s.waitApproval, true
	case whoamiTool:
		return s.whoami, true
	}
	return nil, false
}

// ApprovalState is the structured result of aos_wait_approval while the
// call has not run: where the held call stands.
type ApprovalState struct {
	ID     string             `json:"id"`
	Status aos.ApprovalStatus `json:"status"`
	Reason string             `json:"reason,omitempty"`
}

func (s *Server) maxWait() time.Duration {
	if s.MaxWait > 0 {
		return s.MaxWait
	}
	return DefaultMaxWait
}

// waitApproval is aos_wait_approval: the approvals' long poll, as GET
// /v1/approvals/{id}?wait= for the agent whose call is held.
func (s *Server) waitApproval(ctx context.Context, p *aos.Principal, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var in struct {
		ApprovalID  string   `json:"approval_id"`
		WaitSeconds *float64 `json:"wait_seconds"`
	}
	if err := json.Unmarshal(orEmpty(req.Params.Arguments), &in); err != nil || in.ApprovalID == "" {
		return s.callError(waitTool, errBadRequest(`arguments must be {"approval_id": "...", "wait_seconds": 30}`))
	}
	wait := 30 * time.Second
	if in.WaitSeconds != nil {
		if *in.WaitSeconds < 0 {
			return s.callError(waitTool, errBadRequest("wait_seconds must not be negative"))
		}
		wait = time.Duration(*in.WaitSeconds * float64(time.Second))
	}
	wait = min(wait, s.maxWait())
	a, err := s.Gateway.Approvals.Wait(ctx, p, in.ApprovalID, wait)
	if err != nil {
		return s.callError(waitTool, err)
	}
	switch a.Status {
	case aos.ApprovalDenied:
		return toolError(aos.EApprovalDenied, fmt.Sprintf("the owner denied approval %s: %s", a.ID, a.Reason)), nil
	case aos.ApprovalExpired:
		return toolError(aos.EApprovalExpired, fmt.Sprintf("approval %s expired before the owner decided", a.ID)), nil
	case aos.ApprovalFailed:
		code := a.Error
		if code == "" {
			code = aos.EUpstream
		}
		return toolError(code, fmt.Sprintf("approval %s was approved but the call failed: %s", a.ID, a.Reason)), nil
	case aos.ApprovalExecuted:
		if a.Kind == aos.ApprovalCall {
			resp, err := s.Gateway.OpenResult(a)
			if err != nil {
				return s.callError(waitTool, err)
			}
			if resp != nil {
				res, raw, err := s.answer(waitTool, resp, nil)
				if raw != nil {
					return s.decodeResult(waitTool, raw)
				}
				return res, err
			}
		}
	}
	st := ApprovalState{ID: a.ID, Status: a.Status, Reason: a.Reason}
	text := fmt.Sprintf("Approval %s is %s.", a.ID, a.Status)
	if !a.Status.Final() {
		text += fmt.Sprintf(" The owner has not decided yet: call %s again.", waitTool)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}, StructuredContent: st}, nil
}

// whoami is aos_whoami: GET /v1/whoami.
func (s *Server) whoami(ctx context.Context, p *aos.Principal, _ *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	who, err := s.Gateway.WhoAmI(ctx, p)
	if err != nil {
		return s.callError(whoamiTool, err)
	}
	text, err := json.Marshal(who)
	if err != nil {
		return nil, err
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(text)}}, StructuredContent: who}, nil
}

func orEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}")
	}
	return raw
}
