package mcpapi

import (
	"context"
	"sync"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/mcprelay"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Resource subscriptions (resources/subscribe, resources/unsubscribe).
//
// The go-sdk sends a server's notifications/resources/updated to every
// session of that server subscribed to the URI, so each 2025-11-25
// session has an mcp.Server of its own (newServer, from getServer): an
// update reaches exactly the session it is for. A subscription is a read
// of the connection's "resources" through the gateway, checked and
// recorded as resources/read is, and so is unsubscribing; the session's
// watcher (an mcprelay.Watcher) is handed to the mcp connector, which
// subscribes upstream once per (connection, URI) and passes each upstream
// update to the watchers of its URI. The watcher checks at delivery that
// its agent still holds its token and its grants still reach the
// connection's resources; an update the agent may no longer see is
// dropped, so a revoke (or the agent's removal) stops updates at once.
// When the session closes, its subscriptions are released. 2026-07-28 requests have no standing session to send updates on: a
// subscription there is refused, saying so.

// watcher is one agent session's subscriptions.
type watcher struct {
	s   *Server
	srv *mcp.Server // the session's own
	p   *aos.Principal

	mu      sync.Mutex
	watches map[string]*watch // by the URI as served to the agent
}

// watch is one subscription: the upstream's URI on a connection.
type watch struct {
	conn   string
	connID int64
	uri    string
	unsub  string // the connection's unsubscribe operation
	k      connector.Connector
}

var _ mcprelay.Watcher = (*watcher)(nil)

// unwatcher is the connector's release of a watcher without a call.
type unwatcher interface {
	Unwatch(connID int64, uri string, w mcprelay.Watcher)
}

// releaseTimeout bounds releasing a closed session's subscriptions.
const releaseTimeout = 30 * time.Second

var errStatelessSubscribe = aos.Errorf(aos.EUnknownOperation,
	"the agent's request speaks MCP 2026-07-28, which has no standing session for aos to send resource updates on "+
		"(use 2025-11-25 to subscribe to a resource)")

// watcherOf returns the session's watcher, making it (and arranging its
// release when the session closes) on its first subscription.
func (s *Server) watcherOf(ss *mcp.ServerSession, srv *mcp.Server, p *aos.Principal) *watcher {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	if w := s.watchers[ss]; w != nil {
		return w
	}
	w := &watcher{s: s, srv: srv, p: p, watches: map[string]*watch{}}
	if s.watchers == nil {
		s.watchers = map[*mcp.ServerSession]*watcher{}
	}
	s.watchers[ss] = w
	go func() {
		_ = ss.Wait()
		s.watchMu.Lock()
		delete(s.watchers, ss)
		s.watchMu.Unlock()
		w.mu.Lock()
		ws := w.watches
		w.watches = map[string]*watch{}
		w.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
		defer cancel()
		for _, wt := range ws {
			s.release(ctx, w, wt)
		}
	}()
	return w
}

// subscribe is the SubscribeHandler of a session's server srv (nil for
// the stateless server): the agent may subscribe to a resource it may
// read.
func (s *Server) subscribe(ctx context.Context, srv *mcp.Server, req *mcp.SubscribeRequest) error {
	if srv == nil || req.Session == nil || req.ProtocolVersion() >= statelessVersion {
		return featureError(errStatelessSubscribe)
	}
	p, err := principalOf(req)
	if err != nil {
		return err
	}
	if req.Params == nil || req.Params.URI == "" {
		return requestError("resources/subscribe needs a uri")
	}
	uri := req.Params.URI
	gs, ops, b, err := s.featureConnections(ctx, p, func(o connector.MCPOperations) string { return o.Subscribe })
	if err != nil {
		return s.protocolError(err)
	}
	conn, upstreamURI, ok := b.resourceRef(uri)
	if !ok {
		return mcp.ResourceNotFoundError(uri)
	}
	for i, g := range gs {
		if g.conn.Name != conn {
			continue
		}
		w := s.watcherOf(req.Session, srv, p)
		var res struct{}
		if err := s.featureCall(mcprelay.WithWatcher(ctx, w), p, conn, ops[i], map[string]string{"uri": upstreamURI}, &res); err != nil {
			return featureError(err)
		}
		unsub := g.k.(connector.MCPFeatures).MCPOperations(g.conn).Unsubscribe
		wt := &watch{conn: conn, connID: g.conn.ID, uri: upstreamURI, unsub: unsub, k: g.k}
		w.mu.Lock()
		w.watches[uri] = wt
		w.mu.Unlock()
		s.watchMu.Lock()
		closed := s.watchers[req.Session] != w
		s.watchMu.Unlock()
		if closed { // the session closed meanwhile, its watches released
			s.release(context.WithoutCancel(ctx), w, wt)
		}
		return nil
	}
	return mcp.ResourceNotFoundError(uri)
}

// unsubscribe is the UnsubscribeHandler: it ends the session's
// subscription to the URI, if it has one.
func (s *Server) unsubscribe(ctx context.Context, req *mcp.UnsubscribeRequest) error {
	if req.Session == nil || req.ProtocolVersion() >= statelessVersion {
		return featureError(errStatelessSubscribe)
	}
	if req.Params == nil || req.Params.URI == "" {
		return requestError("resources/unsubscribe needs a uri")
	}
	s.watchMu.Lock()
	w := s.watchers[req.Session]
	s.watchMu.Unlock()
	if w == nil {
		return nil
	}
	w.mu.Lock()
	wt := w.watches[req.Params.URI]
	delete(w.watches, req.Params.URI)
	w.mu.Unlock()
	if wt != nil {
		s.release(ctx, w, wt)
	}
	return nil
}

// release unsubscribes w from wt through the gateway (recorded like the
// subscription); when the gateway refuses (the grant was revoked, the
// connection removed), the connector forgets the watcher all the same,
// so that nothing stays subscribed upstream for it.
func (s *Server) release(ctx context.Context, w *watcher, wt *watch) {
	var res struct{}
	err := s.featureCall(mcprelay.WithWatcher(ctx, w), w.p, wt.conn, wt.unsub, map[string]string{"uri": wt.uri}, &res)
	if err == nil {
		return
	}
	s.logger().Info("mcp resources/unsubscribe: released without the gateway", "connection", wt.conn, "code", aos.ErrorCode(err))
	if u, ok := wt.k.(unwatcher); ok {
		u.Unwatch(wt.connID, wt.uri, w)
	}
}

// ResourceUpdated passes an upstream's update of uri on connection connID
// to the session, under each URI it subscribed to it by, if the agent's
// grants still reach the connection's resources now.
func (w *watcher) ResourceUpdated(ctx context.Context, connID int64, uri string) {
	w.mu.Lock()
	var served []string
	for as, wt := range w.watches {
		if wt.connID == connID && wt.uri == uri {
			served = append(served, as)
		}
	}
	w.mu.Unlock()
	if len(served) == 0 {
		return
	}
	ok, gone, err := w.s.mayWatch(ctx, w.p, connID)
	if err != nil {
		w.s.logger().Warn("mcp notifications/resources/updated: the grants could not be read; the update is dropped", "err", err)
		return
	}
	if gone {
		w.drop()
		return
	}
	if !ok {
		return
	}
	for _, as := range served {
		_ = w.srv.ResourceUpdated(ctx, &mcp.ResourceUpdatedNotificationParams{URI: as})
	}
}

// mayWatch reports whether agent p's grants reach, now, the resources of
// connection connID; gone, when p no longer holds the token its session
// was opened with (the agent was removed or its token replaced), which
// no grant brings back.
func (s *Server) mayWatch(ctx context.Context, p *aos.Principal, connID int64) (ok, gone bool, err error) {
	err = s.Gateway.Store.View(ctx, func(tx aos.Tx) error {
		now, err := tx.PrincipalByTokenHash(ctx, p.TokenHash)
		if err == nil && now.ID != p.ID {
			return aos.Errorf(aos.ENotFound, "the token is another principal's")
		}
		return err
	})
	if aos.ErrorCode(err) == aos.ENotFound {
		return false, true, nil
	}
	if err != nil {
		return false, false, err
	}
	gs, ops, _, err := s.featureConnections(ctx, p, func(o connector.MCPOperations) string { return o.Subscribe })
	if err != nil {
		return false, false, err
	}
	for i, g := range gs {
		if g.conn.ID != connID {
			continue
		}
		scoper, _ := g.k.(connector.OperationScoper)
		return reaches(scoper, g.conn, g.scopes, aos.Operation{Name: ops[i], Access: aos.Read}), false, nil
	}
	return false, false, nil
}

// drop releases every subscription of a session whose agent is gone,
// without the gateway (no call is made for a principal that no longer
// exists): its session lingers until it times out, its upstream
// subscriptions do not.
func (w *watcher) drop() {
	w.mu.Lock()
	ws := w.watches
	w.watches = map[string]*watch{}
	w.mu.Unlock()
	for _, wt := range ws {
		w.s.logger().Info("mcp resource subscription released: its agent is gone", "connection", wt.conn)
		if u, ok := wt.k.(unwatcher); ok {
			u.Unwatch(wt.connID, wt.uri, w)
		}
	}
}
