package mcpapi

//lint:file-ignore SA1019 sampling and logging are deprecated in MCP 2026-07-28 but still served under 2025-11-25, and issue 14 relays them

import (
	"context"
	"crypto/sha256"
	"sync"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/mcprelay"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// sessionRelay relays an upstream MCP server's mid-call requests and
// notifications to the agent's session that made the call.
type sessionRelay struct {
	session *mcp.ServerSession
	caps    *mcp.ClientCapabilities
	token   any // the agent's progress token, if it sent one
	// stateless is set under 2026-07-28 and later, where a server cannot
	// send a request to the client during a call.
	stateless bool

	// kept is the upstream's result as the connector decoded it, and the
	// digest of the body it answered it as (mcprelay.ResultKeeper).
	mu       sync.Mutex
	kept     *mcp.CallToolResult
	keptBody [32]byte
}

var (
	_ mcprelay.Relay        = (*sessionRelay)(nil)
	_ mcprelay.ResultKeeper = (*sessionRelay)(nil)
)

// KeepResult keeps the result the connector decoded (mcprelay.ResultKeeper).
func (r *sessionRelay) KeepResult(res *mcp.CallToolResult, bodySHA256 [32]byte) {
	r.mu.Lock()
	r.kept, r.keptBody = res, bodySHA256
	r.mu.Unlock()
}

// result returns the kept result if body is the one it was answered as.
func (r *sessionRelay) result(body []byte) (*mcp.CallToolResult, bool) {
	if r == nil {
		return nil, false
	}
	r.mu.Lock()
	res, digest := r.kept, r.keptBody
	r.mu.Unlock()
	if res == nil || sha256.Sum256(body) != digest {
		return nil, false
	}
	return res, true
}

func newRelay(req *mcp.CallToolRequest) *sessionRelay {
	r := &sessionRelay{session: req.Session, caps: req.ClientCapabilities(), stateless: req.ProtocolVersion() >= statelessVersion}
	if req.Params != nil {
		r.token = req.Params.GetProgressToken()
	}
	return r
}

// CreateMessage asks the agent's client to sample, if it said it can.
// Under 2026-07-28 (stateless) the go-sdk refuses server-to-client
// requests: the error says so.
func (r *sessionRelay) CreateMessage(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	if r.stateless {
		return nil, errStateless
	}
	if r.session == nil || r.caps == nil || r.caps.Sampling == nil {
		return nil, aos.Errorf(aos.EUnknownOperation, "the agent's MCP client does not offer sampling")
	}
	return r.session.CreateMessage(ctx, p)
}

// Elicit asks the agent's client for input from its user, if it said it can.
func (r *sessionRelay) Elicit(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	if r.stateless {
		return nil, errStateless
	}
	if r.session == nil || r.caps == nil || r.caps.Elicitation == nil {
		return nil, aos.Errorf(aos.EUnknownOperation, "the agent's MCP client does not offer elicitation")
	}
	return r.session.Elicit(ctx, p)
}

// Progress passes progress on under the agent's own progress token; an
// agent that sent none asked for no progress.
func (r *sessionRelay) Progress(ctx context.Context, p *mcp.ProgressNotificationParams) error {
	if r.session == nil || r.token == nil {
		return nil
	}
	q := *p
	q.ProgressToken = r.token
	return r.session.NotifyProgress(ctx, &q)
}

// Log passes a log message on; the go-sdk sends it only at or above the
// level the agent's session set.
func (r *sessionRelay) Log(ctx context.Context, p *mcp.LoggingMessageParams) error {
	if r.session == nil {
		return nil
	}
	return r.session.Log(ctx, p)
}

var errStateless = aos.Errorf(aos.EUnknownOperation,
	"the agent's session speaks MCP 2026-07-28, where aos cannot ask its client during a call (use 2025-11-25 for sampling and elicitation)")
