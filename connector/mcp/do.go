package mcp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/mcprelay"
	"github.com/aos-dev/aos/vault"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Do calls one authorised tool and returns its result (a CallToolResult,
// JSON; a tool's own error is a result with isError, status 200), or
// sends a feature operation (resources, prompts, completions).
//
// Do sends the tool and arguments its mapping read (Call.Parsed), as
// decided on; a sealed call was read again before, by connector.Recheck
// (Reread). What needs the upstream is checked right before sending: it
// must still define the tool exactly as pinned (asked again when it said
// its tools changed); otherwise nothing is sent (EUnknownOperation,
// EToolNotAccepted).
//
// What the upstream asks of the client during the call (sampling,
// elicitation) goes to the relay in ctx (RelayFrom), or is answered with
// an error when there is none; its progress and log messages go there too.
//
// Errors: those above; EInternal for a call the connector did not map;
// ETooLarge for a result over connector.MaxBody; EUpstream when the
// upstream cannot be started or reached, answers with a protocol error,
// or ends during the call (the next call starts it again).
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	cfg, err := settings(c)
	if err != nil {
		return nil, err
	}
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no tool call to send")
	}
	var req *request
	switch parsed := call.Parsed.(type) {
	case *request:
		req = parsed
	case *featureArgs, *sdk.CompleteParams:
		s, _, err := k.session(ctx, c, cfg, secret)
		if err != nil {
			return nil, err
		}
		if p, ok := parsed.(*sdk.CompleteParams); ok {
			res, err := s.cs.Complete(ctx, p)
			return k.featureAnswer(ctx, c, s, opComplete, res, err)
		}
		return k.doFeature(ctx, c, s, call.Operation.Name, parsed.(*featureArgs))
	default:
		return nil, aos.Errorf(aos.EInternal, "the call was not mapped by the mcp connector")
	}
	p := cfg.pin(req.Name)
	if p == nil {
		return nil, noLongerPinned(c.Name, req.Name)
	}
	s, u, err := k.session(ctx, c, cfg, secret)
	if err != nil {
		return nil, err
	}
	t, err := s.tool(ctx, req.Name)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, aos.Errorf(aos.EUnknownOperation, "the upstream of %s no longer offers tool %q", c.Name, req.Name)
	}
	if digest, err := digestOf(t); err != nil || digest != p.Digest {
		return nil, notAccepted(c.Name, req.Name, false)
	}
	r := &running{relay: RelayFrom(ctx), token: newToken(), ctx: ctx}
	s.begin(r)
	if s.rawable() {
		body, err := s.rawCall(ctx, req, r)
		s.end(r)
		if err != nil {
			return nil, rawError(ctx, c, s, req.Name, err)
		}
		u.succeeded()
		return toolResult(body), nil
	}
	res, err := s.cs.CallTool(ctx, &sdk.CallToolParams{Name: req.Name, Arguments: req.Arguments,
		Meta: sdk.Meta{"progressToken": r.token}})
	if err == nil && r.relay != nil {
		s.order.settle(ctx)
	}
	s.end(r)
	if err != nil {
		return nil, callError(ctx, c, s, err)
	}
	u.succeeded()
	body, err := json.Marshal(res)
	if err != nil {
		return nil, aos.Errorf(aos.EUpstream, "the result of tool %q cannot be encoded", req.Name)
	}
	if len(body) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the result of tool %q is larger than %d MiB", req.Name, connector.MaxBody>>20)
	}
	if keeper, ok := r.relay.(mcprelay.ResultKeeper); ok {
		keeper.KeepResult(res, sha256.Sum256(body))
	}
	return toolResult(body), nil
}

// toolResult is the answer of a tool call whose result is body.
func toolResult(body []byte) *connector.Response {
	return &connector.Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {mcprelay.ToolResultType}}, Body: body}
}

// rawError says what became of a call rawCall got no result for.
func rawError(ctx context.Context, c *aos.Connection, s *session, tool string, err error) error {
	var status statusError
	switch {
	case errors.Is(err, errTooLarge):
		return aos.Errorf(aos.ETooLarge, "the result of tool %q is larger than %d MiB", tool, connector.MaxBody>>20)
	case errors.As(err, &status):
		return aos.Errorf(aos.EUpstream, "the upstream of %s answered tool %q with HTTP status %d", c.Name, tool, int(status))
	case errors.Is(err, errResult):
		return aos.Errorf(aos.EUpstream, "the upstream of %s answered tool %q with something that is not an MCP tool result", c.Name, tool)
	case errors.Is(err, errStream):
		return aos.Errorf(aos.EUpstream, "the upstream of %s ended or garbled its answer to tool %q", c.Name, tool)
	case errors.Is(err, errSessionGone):
		return aos.Errorf(aos.EUpstream, "the upstream of %s no longer knows aos's session; it is started again on the next call", c.Name)
	}
	return callError(ctx, c, s, err)
}

// session is the running session of the connection's upstream, started
// when there is none.
func (k *Connector) session(ctx context.Context, c *aos.Connection, cfg *config, secret vault.Secret) (*session, *upstream, error) {
	u, err := k.upstreamOf(c, secret)
	if err != nil {
		return nil, nil, err
	}
	s, err := u.get(ctx, c, cfg, secret)
	if err != nil {
		return nil, nil, err
	}
	return s, u, nil
}

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "aos-" + hex.EncodeToString(b[:])
}

// callError says what became of a call that got no result.
func callError(ctx context.Context, c *aos.Connection, s *session, err error) error {
	switch {
	case ctx.Err() != nil:
		return aos.Errorf(aos.EUpstream, "the call to %s was cancelled or timed out before the upstream answered", c.Name)
	}
	var rpc *jsonrpc.Error
	if errors.As(err, &rpc) {
		return aos.Errorf(aos.EUpstream, "the upstream of %s answered with an error: %s", c.Name, brief(rpc.Message))
	}
	// Not an answer: the transport failed. The session's end is noticed
	// a moment after the call's.
	select {
	case <-s.done:
		return aos.Errorf(aos.EUpstream, "the upstream of %s ended during the call; it is started again on the next call", c.Name)
	case <-time.After(time.Second):
	}
	return aos.Errorf(aos.EUpstream, "the upstream of %s could not be reached: %s", c.Name, brief(err.Error()))
}
