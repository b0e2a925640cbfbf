package mcp

import (
	"context"
	"crypto/rand"
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
// JSON; a tool's own error is a result with isError, status 200).
//
// Do trusts nothing in the call: it may have been sealed for an approval
// long before. The tool must still be pinned with the operation's access
// and points, and the upstream must still define it exactly as pinned
// (asked again when it said its tools changed); otherwise nothing is sent
// (EUnknownOperation, EToolNotAccepted).
//
// What the upstream asks of the client during the call (sampling,
// elicitation) goes to the relay in ctx (RelayFrom), or is answered with
// an error when there is none; its progress and log messages go there too.
//
// Errors: those above; ETooLarge for a result over connector.MaxBody;
// EUpstream when the upstream cannot be started or reached, answers with
// a protocol error, or ends during the call (the next call starts it
// again).
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if call != nil && call.Upstream != nil && featureResource(call.Operation.Name) != "" {
		cfg, err := settings(c)
		if err != nil {
			return nil, err
		}
		if _, err := featureCall(c, cfg, call.Operation.Name, call.Upstream.Body); aos.ErrorCode(err) == aos.EUnknownOperation {
			return nil, err
		}
		u, err := k.upstreamOf(c, secret)
		if err != nil {
			return nil, err
		}
		s, err := u.get(ctx, c, cfg, secret)
		if err != nil {
			return nil, err
		}
		return k.doFeature(ctx, c, cfg, s, call)
	}
	req, err := parseRequest(call)
	if err != nil {
		return nil, err
	}
	cfg, err := settings(c)
	if err != nil {
		return nil, err
	}
	p := cfg.pin(req.Name)
	if p == nil || call.Operation.Name != p.Name || call.Operation.Access != p.Access ||
		call.Resource != "tool:"+p.Name || !covers(call.Facts, pointFacts(p.Points)) {
		return nil, aos.Errorf(aos.EUnknownOperation, "tool %q of %s is no longer pinned as it was when the call was decided; call it again", req.Name, c.Name)
	}
	u, err := k.upstreamOf(c, secret)
	if err != nil {
		return nil, err
	}
	s, err := u.get(ctx, c, cfg, secret)
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
	return &connector.Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {mcprelay.ToolResultType}}, Body: body}, nil
}

// covers reports whether the facts a call was decided on hold every
// point the tool's pin raises now: a call never runs with fewer approval
// points than its tool has (one held for more, and approved, may).
func covers(decided, now aos.Facts) bool {
	return (!now.AmountUnknown || decided.AmountUnknown) && (!now.Public || decided.Public) &&
		(!now.Share || decided.Share) && (!now.Production || decided.Production)
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
