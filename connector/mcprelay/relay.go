// Package mcprelay carries, through a call's context, the way back to the
// MCP client (the agent) on whose behalf the gateway calls an upstream MCP
// server. The agent side (the /mcp endpoint) puts a Relay into the context
// it passes to gateway.Call; the context reaches connector.Do unchanged, so
// the mcp connector can relay what the upstream asks of its client mid-call
// (sampling, elicitation) and tells it (progress, logging) to the agent,
// and the agent's answers back.
//
// A call without a Relay in its context (one made over POST /v1/call, or a
// held call the owner approved later) has no client to ask: the connector
// must then decline the upstream's request (an MCP error), never invent an
// answer, and may drop its notifications.
package mcprelay

//lint:file-ignore SA1019 sampling and logging are deprecated in MCP 2026-07-28 but still served under 2025-11-25, and issue 14 relays them

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Relay is the calling agent's MCP session, as far as an upstream may
// reach it during one call. Implementations must be safe for concurrent
// use. Errors: an *aos.Error with code EUnknownOperation when the agent's
// client does not offer the capability (no sampling, no elicitation, or a
// transport that cannot carry server-to-client requests), else what the
// agent's client answered, as a *jsonrpc.Error from the go-sdk.
type Relay interface {
	// CreateMessage asks the agent's client to sample an LLM
	// (sampling/createMessage).
	CreateMessage(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error)
	// Elicit asks the agent's client for input from its user
	// (elicitation/create).
	Elicit(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error)
	// Progress tells the agent of the call's progress. The relay replaces
	// the progress token with the one the agent sent with its tools/call
	// (and sends nothing when it sent none).
	Progress(ctx context.Context, p *mcp.ProgressNotificationParams) error
	// Log passes on a log message (notifications/message), if the agent's
	// session asked for that level.
	Log(ctx context.Context, p *mcp.LoggingMessageParams) error
}

type relayKey struct{}

// WithRelay returns ctx carrying r.
func WithRelay(ctx context.Context, r Relay) context.Context {
	return context.WithValue(ctx, relayKey{}, r)
}

// RelayFrom returns the Relay ctx carries, or nil.
func RelayFrom(ctx context.Context) Relay {
	r, _ := ctx.Value(relayKey{}).(Relay)
	return r
}

// ResultKeeper is a Relay that keeps the result of the call as the
// connector decoded it, with the SHA-256 of the body (ToolResultType) the
// connector answered it as: the endpoint that answers the agent takes that
// result instead of decoding the body again, when the body the gateway
// passed back still has that digest (the gateway may change a body, as
// when it redacts a credential the upstream echoed; it is decoded then).
type ResultKeeper interface {
	KeepResult(res *mcp.CallToolResult, bodySHA256 [32]byte)
}

// ToolResultType is the Content-Type of a connector.Response whose body is
// an MCP CallToolResult (JSON) that an upstream MCP server answered. The
// /mcp endpoint returns such a body to the agent as the result of its
// tools/call (content, structuredContent and isError as the upstream set
// them); any other answer is wrapped as the HTTP-style result of POST
// /v1/call.
const ToolResultType = "application/vnd.aos.mcp-tool-result+json"
