//lint:file-ignore SA1019 an upstream's sampling and logging (deprecated in 2026-07-28, still in use) are relayed as they are

package mcp

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aos-dev/aos/connector/mcprelay"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Relay is the calling agent's MCP session (see mcprelay): what an
// upstream asks of its client mid-call (sampling, elicitation) and tells
// it (progress, logging) goes there. Progress carries the token aos sent
// upstream; the relay puts the agent's own in its place. Log carries every
// message the upstream sends (aos asks it for debug and above); the relay
// filters by the level the agent set. A call without one (POST /v1/call)
// has no client to ask, and the upstream's requests are answered with an
// error saying so.
type Relay = mcprelay.Relay

// WithRelay returns ctx carrying r (mcprelay.WithRelay).
func WithRelay(ctx context.Context, r Relay) context.Context { return mcprelay.WithRelay(ctx, r) }

// RelayFrom returns the relay ctx carries, or nil (mcprelay.RelayFrom).
func RelayFrom(ctx context.Context) Relay { return mcprelay.RelayFrom(ctx) }

var (
	errNoClient = errors.New("aos: the agent's call came without an MCP client session (POST /v1/call), " +
		"so nothing can answer this request; call the tool over aos's MCP endpoint")
	errAmbiguous = errors.New("aos: several calls are running on this upstream, so aos cannot tell " +
		"which agent this request is for; it is refused rather than sent to the wrong one")
	errNoCall = errors.New("aos: no call is running on this upstream; requests are answered only during a call")
)

// caller is the one call in flight on the session, whose agent a request
// the upstream sends without naming its call is for. An MCP server's
// request carries no reference to the call that caused it, so with more
// than one call in flight it could belong to any: it is refused rather
// than shown to the wrong agent.
func (s *session) caller() (*running, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch len(s.calls) {
	case 0:
		return nil, errNoCall
	case 1:
		for r := range s.calls {
			if r.relay == nil {
				return nil, errNoClient
			}
			return r, nil
		}
	}
	return nil, errAmbiguous
}

// byToken is the call a progress token was sent with.
func (s *session) byToken(token any) *running {
	t, ok := token.(string)
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for r := range s.calls {
		if r.token == t {
			return r
		}
	}
	return nil
}

func (s *session) begin(r *running) {
	s.mu.Lock()
	s.calls[r] = struct{}{}
	s.mu.Unlock()
}

func (s *session) end(r *running) {
	s.mu.Lock()
	delete(s.calls, r)
	s.mu.Unlock()
}

// passElicitation hands an upstream's elicitation/create to the agent as
// it came: the go-sdk client would check the requested schema against its
// own reading of the specification first, and refuse what the agent's
// client may well accept. The agent's client validates what it shows its
// user; aos only carries it.
func (s *session) passElicitation(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		er, ok := req.(*sdk.ElicitRequest)
		if method != "elicitation/create" || !ok {
			return next(ctx, method, req)
		}
		r, err := s.caller()
		if err != nil {
			return nil, err
		}
		return r.relay.Elicit(r.ctx, er.Params)
	}
}

// clientOptions are the handlers of the session's client: the upstream's
// requests and notifications go to the calling agent through its relay.
// The client advertises sampling and elicitation, which the agent's client
// may or may not support; when it cannot answer, the upstream gets an
// error saying why.
func (s *session) clientOptions(k *Connector) *sdk.ClientOptions {
	return &sdk.ClientOptions{
		Logger:       slog.New(slog.DiscardHandler),
		Capabilities: &sdk.ClientCapabilities{},
		CreateMessageHandler: func(_ context.Context, req *sdk.CreateMessageRequest) (*sdk.CreateMessageResult, error) {
			r, err := s.caller()
			if err != nil {
				return nil, err
			}
			return r.relay.CreateMessage(r.ctx, req.Params)
		},
		ElicitationHandler: func(_ context.Context, req *sdk.ElicitRequest) (*sdk.ElicitResult, error) {
			r, err := s.caller()
			if err != nil {
				return nil, err
			}
			return r.relay.Elicit(r.ctx, req.Params)
		},
		ProgressNotificationHandler: func(_ context.Context, req *sdk.ProgressNotificationClientRequest) {
			defer s.order.done()
			if r := s.byToken(req.Params.ProgressToken); r != nil && r.relay != nil {
				_ = r.relay.Progress(r.ctx, req.Params)
			}
		},
		LoggingMessageHandler: func(_ context.Context, req *sdk.LoggingMessageRequest) {
			defer s.order.done()
			if r, err := s.caller(); err == nil {
				_ = r.relay.Log(r.ctx, req.Params)
				return
			}
			k.log().Debug("mcp upstream log message", "connection", s.u.name, "level", req.Params.Level)
		},
		ResourceUpdatedHandler: func(_ context.Context, req *sdk.ResourceUpdatedNotificationRequest) {
			if req.Params != nil {
				k.updated(s.u.id, req.Params.URI)
			}
		},
		ToolListChangedHandler: func(context.Context, *sdk.ToolListChangedRequest) {
			s.mu.Lock()
			s.toolsStale = true
			s.mu.Unlock()
		},
	}
}
