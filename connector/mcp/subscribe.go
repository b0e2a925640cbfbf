package mcp

import (
	"context"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/mcprelay"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Resource subscriptions. An agent's session subscribes through the
// gateway (resources/subscribe, a read of "resources") with a Watcher in
// the call's context (mcprelay.WithWatcher). aos subscribes upstream once
// per (connection, URI) while any watcher is subscribed to it, unsubscribes
// when the last one unsubscribes or is released (its session closed), and
// subscribes again to every watched URI whenever it starts the upstream
// anew: after a stdio upstream exited, it is started again (with backoff)
// while anything is watched, not only on the next call. Each
// notifications/resources/updated is handed to the watchers of its URI on
// that connection, and to no one else; each watcher decides whether its
// agent may still hear of it.

// watching is the connector's table of watchers: connection ID, then the
// URI as the upstream names it.
type watching map[int64]map[string]map[mcprelay.Watcher]struct{}

// watchTimeout bounds the upstream subscribe and unsubscribe aos sends on
// its own (a release, a restart).
const watchTimeout = 10 * time.Second

// subscribe adds the watcher in ctx to uri on connection c, subscribing
// upstream if it is the first.
func (k *Connector) subscribe(ctx context.Context, c *aos.Connection, s *session, uri string) (any, error) {
	w := mcprelay.WatcherFrom(ctx)
	if w == nil {
		return nil, aos.Errorf(aos.EUnknownOperation,
			"resources/subscribe of %s needs an agent's MCP session to send the updates to; subscribe over aos's MCP endpoint", c.Name)
	}
	if s.rt != nil && s.cs.ID() == "" {
		// An HTTP upstream served without sessions has no stream to send
		// an update on: a subscription would accept and never deliver.
		return nil, aos.Errorf(aos.EUnknownOperation,
			"the upstream of %s serves MCP without sessions, so it cannot send resource updates; read the resource again instead", c.Name)
	}
	k.watchOps.Lock()
	defer k.watchOps.Unlock()
	if k.watchers(c.ID, uri) == 0 {
		if err := s.cs.Subscribe(ctx, &sdk.SubscribeParams{URI: uri}); err != nil {
			return nil, err
		}
	}
	k.watchMu.Lock()
	byURI := k.watching[c.ID]
	if byURI == nil {
		byURI = map[string]map[mcprelay.Watcher]struct{}{}
		k.watching[c.ID] = byURI
	}
	if byURI[uri] == nil {
		byURI[uri] = map[mcprelay.Watcher]struct{}{}
	}
	byURI[uri][w] = struct{}{}
	k.watchMu.Unlock()
	return struct{}{}, nil
}

// unsubscribe removes the watcher in ctx from uri on connection c,
// unsubscribing upstream if it was the last.
func (k *Connector) unsubscribe(ctx context.Context, c *aos.Connection, s *session, uri string) (any, error) {
	w := mcprelay.WatcherFrom(ctx)
	if w == nil {
		return nil, aos.Errorf(aos.EUnknownOperation,
			"resources/unsubscribe of %s needs the agent's MCP session that subscribed; unsubscribe over aos's MCP endpoint", c.Name)
	}
	k.watchOps.Lock()
	defer k.watchOps.Unlock()
	if !k.forget(c.ID, uri, w) {
		return struct{}{}, nil
	}
	if err := s.cs.Unsubscribe(ctx, &sdk.UnsubscribeParams{URI: uri}); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// Unwatch removes w from uri on connection connID without a call (the
// agent's session closed, or its unsubscribe was refused), unsubscribing
// the running upstream if w was the last. It sends nothing when no
// upstream runs: a new one is subscribed only to what is watched.
func (k *Connector) Unwatch(connID int64, uri string, w mcprelay.Watcher) {
	k.watchOps.Lock()
	defer k.watchOps.Unlock()
	if !k.forget(connID, uri, w) {
		return
	}
	s := k.liveSession(connID)
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), watchTimeout)
	defer cancel()
	if err := s.cs.Unsubscribe(ctx, &sdk.UnsubscribeParams{URI: uri}); err != nil {
		k.log().Warn("mcp upstream: unsubscribing a resource nobody watches", "connection", s.u.name, "err", err)
	}
}

// Watched reports how many watchers connection connID has on uri.
func (k *Connector) Watched(connID int64, uri string) int { return k.watchers(connID, uri) }

func (k *Connector) watchers(connID int64, uri string) int {
	k.watchMu.Lock()
	defer k.watchMu.Unlock()
	return len(k.watching[connID][uri])
}

// forget removes w from uri and reports whether uri has no watcher left
// (false when w was not watching it).
func (k *Connector) forget(connID int64, uri string, w mcprelay.Watcher) bool {
	k.watchMu.Lock()
	defer k.watchMu.Unlock()
	ws := k.watching[connID][uri]
	if _, ok := ws[w]; !ok {
		return false
	}
	delete(ws, w)
	if len(ws) > 0 {
		return false
	}
	delete(k.watching[connID], uri)
	if len(k.watching[connID]) == 0 {
		delete(k.watching, connID)
	}
	return true
}

// watchedURIs are the URIs connection connID has watchers on.
func (k *Connector) watchedURIs(connID int64) []string {
	k.watchMu.Lock()
	defer k.watchMu.Unlock()
	uris := make([]string, 0, len(k.watching[connID]))
	for uri := range k.watching[connID] {
		uris = append(uris, uri)
	}
	return uris
}

// updated hands an upstream's notifications/resources/updated to the
// watchers of its URI on the connection, outside the session's read loop.
func (k *Connector) updated(connID int64, uri string) {
	k.watchMu.Lock()
	ws := make([]mcprelay.Watcher, 0, len(k.watching[connID][uri]))
	for w := range k.watching[connID][uri] {
		ws = append(ws, w)
	}
	k.watchMu.Unlock()
	if len(ws) == 0 {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), watchTimeout)
		defer cancel()
		for _, w := range ws {
			w.ResourceUpdated(ctx, connID, uri)
		}
	}()
}

// resubscribe subscribes a newly started session to every URI watched on
// its connection. A URI the upstream refuses is logged; its watchers stay
// (the next start tries again). It runs under the upstream's lock, so it
// does not take watchOps (Unwatch holds that while it looks for the live
// session): a subscribe racing it may reach the upstream twice, which is
// harmless, and an update of a URI no longer watched is dropped.
func (k *Connector) resubscribe(ctx context.Context, s *session) {
	for _, uri := range k.watchedURIs(s.u.id) {
		if err := s.cs.Subscribe(ctx, &sdk.SubscribeParams{URI: uri}); err != nil {
			k.log().Warn("mcp upstream: subscribing again after a start", "connection", s.u.name, "err", err)
		}
	}
}

// liveSession is connection connID's running session, or nil.
func (k *Connector) liveSession(connID int64) *session {
	k.mu.Lock()
	u := k.upstreams[connID]
	k.mu.Unlock()
	if u == nil {
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.live == nil || u.live.ended() {
		return nil
	}
	return u.live
}

// revive starts the upstream again after it ended on its own, as long as
// something is watched on it and it is not stopped: updates would
// otherwise stop until the next call. It waits the backoff get waits.
func (u *upstream) revive() {
	for {
		u.mu.Lock()
		stopped, c, cfg, secret := u.stopped, u.conn, u.cfg, u.secret
		wait := time.Until(u.retryAt)
		u.mu.Unlock()
		if stopped || c == nil || len(u.k.watchedURIs(u.id)) == 0 {
			return
		}
		time.Sleep(max(wait, 0))
		ctx, cancel := context.WithTimeout(context.Background(), u.k.startTimeout+time.Second)
		_, err := u.get(ctx, c, cfg, secret)
		cancel()
		if err == nil {
			return
		}
	}
}
