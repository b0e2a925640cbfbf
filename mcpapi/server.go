// Package mcpapi is the MCP transport: the /mcp endpoint through which
// agents reach the operations their grants allow, as MCP tools, over
// streamable HTTP, for the protocol revisions 2025-11-25 (sessions,
// initialize) and 2026-07-28 (stateless, per-request _meta,
// server/discover, Mcp-Method and Mcp-Name headers). Every tools/call runs
// the gateway's pipeline, exactly as POST /v1/call does. error.go is the
// one place where error codes become MCP errors and HTTP statuses.
package mcpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aos-dev/aos/gateway"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Version is what the endpoint reports as its serverInfo version.
var Version = "dev"

// statelessVersion is the first protocol revision served without
// sessions; the go-sdk accepts it on a stateless handler only.
const statelessVersion = "2026-07-28"

// Server serves /mcp. Its fields are set once, before use.
type Server struct {
	Gateway *gateway.Gateway
	Logger  *slog.Logger
	// Hosts are the host names, besides loopback and the address a request
	// arrived at, that the Host and Origin headers may name (the names the
	// server is reached by through DNS or a reverse proxy). Anything else
	// is refused with 403, against DNS rebinding.
	Hosts []string
	// MaxWait bounds the wait of aos_wait_approval; DefaultMaxWait if zero.
	MaxWait time.Duration
	// SessionTimeout closes a 2025-11-25 session idle for that long;
	// DefaultSessionTimeout if zero.
	SessionTimeout time.Duration

	once       sync.Once
	mcp        *mcp.Server
	stateful   http.Handler
	stateless  http.Handler
	maxRequest int64
	// watchers are the sessions' resource subscriptions (subscribe.go).
	watchMu  sync.Mutex
	watchers map[*mcp.ServerSession]*watcher
	// state keeps the connections tools/call reads (state.go).
	state stateCache
	// staticNames memoises the named operations of connections whose
	// operations are their connector's (by type and name), which never change.
	staticNames sync.Map
	// fast are the 2025-11-25 sessions by ID, for the fast path (fast.go).
	fast sync.Map
	// fastCalls counts the calls the fast path answered.
	fastCalls atomic.Int64
}

// DefaultMaxWait bounds aos_wait_approval when Server.MaxWait is zero.
const DefaultMaxWait = 2 * time.Minute

// DefaultSessionTimeout closes idle sessions when Server.SessionTimeout is zero.
const DefaultSessionTimeout = 30 * time.Minute

func (s *Server) init() {
	s.once.Do(func() {
		s.mcp = s.newServer(false)
		s.maxRequest = mcp.DefaultMaxRequestBodyBytes
		// Host and Origin are checked by guard against the allow-list, for
		// every request and not only those arriving on loopback.
		bind := auth.RequireBearerToken(tokenInfo, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})
		timeout := s.sessionTimeout()
		s.stateful = bind(mcp.NewStreamableHTTPHandler(s.sessionServer, &mcp.StreamableHTTPOptions{
			Logger: s.Logger, SessionTimeout: timeout, DisableLocalhostProtection: true, MaxRequestBodyBytes: s.maxRequest,
		}))
		s.stateless = bind(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.mcp }, &mcp.StreamableHTTPOptions{
			Logger: s.Logger, Stateless: true, DisableLocalhostProtection: true, MaxRequestBodyBytes: s.maxRequest,
			PropagateRequestCancellation: true,
		}))
	})
}

func (s *Server) sessionTimeout() time.Duration {
	if s.SessionTimeout > 0 {
		return s.SessionTimeout
	}
	return DefaultSessionTimeout
}

// newServer builds an MCP server: the shared one of stateless requests,
// or (session) the own server of one 2025-11-25 session, so that a
// resource update the go-sdk sends to a server's subscribers reaches that
// session only (see subscribe.go).
func (s *Server) newServer(session bool) *mcp.Server {
	var srv *mcp.Server
	srv = mcp.NewServer(implementation(),
		&mcp.ServerOptions{
			Instructions: instructions,
			Logger:       s.Logger,
			// Logging is deprecated in 2026-07-28 but relayed from upstream servers (connector/mcprelay).
			//lint:ignore SA1019 logging is relayed, see above
			Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{}, Logging: &mcp.LoggingCapabilities{},
				Resources: &mcp.ResourceCapabilities{}, Prompts: &mcp.PromptCapabilities{}},
			// Every list is the calling agent's own: never shared through a cache.
			SetCacheable: func(_ context.Context, _ mcp.Request, c *mcp.Cacheable) { c.CacheScope = "private" },
			// Completions of an upstream's prompt and resource template arguments.
			CompletionHandler: s.complete,
			// Subscriptions to an upstream's resources; refused, saying
			// why, on the stateless server.
			SubscribeHandler: func(ctx context.Context, req *mcp.SubscribeRequest) error {
				if !session {
					return s.subscribe(ctx, nil, req)
				}
				return s.subscribe(ctx, srv, req)
			},
			UnsubscribeHandler: s.unsubscribe,
		})
	srv.AddTool(&mcp.Tool{Name: dispatchTool, InputSchema: json.RawMessage(`{"type":"object"}`)}, s.dispatch)
	srv.AddResource(&mcp.Resource{URI: dispatchURI, Name: dispatchURI}, s.dispatchRead)
	srv.AddPrompt(&mcp.Prompt{Name: dispatchTool}, s.dispatchPrompt)
	srv.AddReceivingMiddleware(s.toolsMiddleware)
	return srv
}

// implementation is what the endpoint says of itself (serverInfo).
func implementation() *mcp.Implementation {
	return &mcp.Implementation{Name: "aos", Title: "aos: the company's tools, as granted", Version: Version}
}

// serverSlotKey carries, in a request's context, the server made for it
// if it starts a session: the go-sdk asks getServer more than once for
// one request.
type serverSlotKey struct{}

type serverSlot struct{ srv *mcp.Server }

// sessionServer is the stateful handler's getServer: a request of an
// existing session is routed to that session's server by the go-sdk,
// which reads only the protocol versions of the server returned here (the
// shared server's, the same); a request that starts a session gets a
// server of its own.
func (s *Server) sessionServer(r *http.Request) *mcp.Server {
	if r.Header.Get("Mcp-Session-Id") != "" {
		return s.mcp
	}
	slot, _ := r.Context().Value(serverSlotKey{}).(*serverSlot)
	if slot == nil {
		return s.newServer(true)
	}
	if slot.srv == nil {
		slot.srv = s.newServer(true)
	}
	return slot.srv
}

const instructions = "The tools are the operations your grants allow, named CONNECTION.OPERATION " +
	"(or, for an upstream MCP server the owner serves under its own names, as that server names them). " +
	"A call may be held for the owner's approval: its result then names an approval_id; " +
	"wait for the decision with aos_wait_approval. Say why you call in _meta: aos/purpose, " +
	"aos/recommendation and aos/alternatives are shown to the owner when a call is held."

// ServeHTTP serves /mcp: the Host and Origin check, the agent's token,
// then the go-sdk's streamable HTTP handler, stateful for 2025-11-25 and
// earlier, stateless for 2026-07-28.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.init()
	if err := s.checkHosts(r); err != nil {
		s.writeHTTPError(w, r, err)
		return
	}
	p, err := s.authenticate(r)
	if err != nil {
		s.writeHTTPError(w, r, err)
		return
	}
	r = withPrincipal(r, p)
	stateless, err := s.stateless26(r)
	if err != nil {
		s.writeHTTPError(w, r, err)
		return
	}
	if stateless {
		if s.fastStateless(w, r, p) {
			return
		}
		s.stateless.ServeHTTP(w, r)
		return
	}
	if s.fastCall(w, r, p) {
		return
	}
	s.sessionDeleted(r, p)
	s.stateful.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), serverSlotKey{}, &serverSlot{})))
}

// stateless26 reports whether a request speaks 2026-07-28 or later: by
// its Mcp-Protocol-Version header, or, for a first request without one
// and without a session, by its method (server/discover) or the protocol
// version in its _meta. It leaves r.Body readable again.
func (s *Server) stateless26(r *http.Request) (bool, error) {
	if v := r.Header.Get("Mcp-Protocol-Version"); v != "" {
		return v >= statelessVersion, nil
	}
	if r.Method != http.MethodPost || r.Header.Get("Mcp-Session-Id") != "" || r.Body == nil {
		return false, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.maxRequest+1))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false, errBadRequest("reading the request body: %v", err)
	}
	var msg struct {
		Method string `json:"method"`
		Params struct {
			Meta map[string]any `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil {
		return false, nil // a batch or garbage: the go-sdk answers it
	}
	if msg.Method == "server/discover" {
		return true, nil
	}
	v, _ := msg.Params.Meta[mcp.MetaKeyProtocolVersion].(string)
	return strings.TrimSpace(v) >= statelessVersion, nil
}
