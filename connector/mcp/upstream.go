//lint:file-ignore SA1019 an upstream's sampling and logging (deprecated in 2026-07-28, still in use) are relayed as they are

package mcp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// upstream supervises one connection's upstream server: at most one live
// session at a time, started on demand and again, with backoff, after it
// ends.
type upstream struct {
	k    *Connector
	id   int64  // the connection's
	name string // the connection's, for the log
	// key identifies what the session was started with (base URL,
	// command, credential): a connection whose settings or credential
	// changed gets a new upstream.
	key string

	mu       sync.Mutex
	live     *session
	failures int // starts or sessions that failed in a row
	retryAt  time.Time
	stopped  bool
	// conn, cfg and secret are what the last start was asked with, for
	// starting again on its own while resources are watched (revive).
	conn   *aos.Connection
	cfg    *config
	secret vault.Secret
}

// session is one started upstream: a client session and what it said.
type session struct {
	u       *upstream
	cs      *sdk.ClientSession
	done    chan struct{} // closed when the session ended
	stopped bool          // ended on purpose (guarded by u.mu)
	kill    func()        // ends what the command left running, if anything

	mu         sync.Mutex
	tools      map[string]*sdk.Tool
	toolsStale bool
	calls      map[*running]struct{}
	order      order
	// rt, header, endpoint and version are set for an upstream over
	// streamable HTTP: the transport, the credential's header fields, the
	// URL and the negotiated protocol revision, with which rawCall sends a
	// tool call on the session.
	rt       http.RoundTripper
	header   http.Header
	endpoint string
	version  string
	// heldOpen is set once a call's stream went on past its answer
	// (finish): the session's later streams are closed at the answer.
	heldOpen atomic.Bool
}

// running is one call in flight on a session, with the relay to its agent.
type running struct {
	relay Relay
	token string // the progress token sent upstream
	ctx   context.Context
}

// backoff is how long to wait before starting an upstream again after n
// failures in a row: at once after the first, then 250ms doubling to 30s.
func backoff(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	d := 250 * time.Millisecond << min(n-2, 7)
	return min(d, 30*time.Second)
}

// upstreamKey digests what a session is started with.
func upstreamKey(c *aos.Connection, secret vault.Secret) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%x\x00", c.ID, c.BaseURL, sha256.Sum256(c.Config))
	h.Write(secret.Reveal())
	return hex.EncodeToString(h.Sum(nil))
}

// upstreamOf returns the supervisor of connection c with this secret,
// replacing (and stopping) one started with other settings or another
// credential.
func (k *Connector) upstreamOf(c *aos.Connection, secret vault.Secret) (*upstream, error) {
	key := upstreamKey(c, secret)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return nil, aos.Errorf(aos.EUpstream, "the server is shutting down")
	}
	u := k.upstreams[c.ID]
	if u != nil && u.key == key {
		return u, nil
	}
	if u != nil {
		go u.stop()
	}
	u = &upstream{k: k, id: c.ID, name: c.Name, key: key}
	k.upstreams[c.ID] = u
	return u, nil
}

// Release stops connection c's upstream, if one runs. The gateway's
// owner service calls it after a disconnect or a rotation.
func (k *Connector) Release(c *aos.Connection) {
	k.mu.Lock()
	u := k.upstreams[c.ID]
	delete(k.upstreams, c.ID)
	k.mu.Unlock()
	if u != nil {
		u.stop()
	}
}

// Close stops every upstream; later calls fail. The server calls it when
// it shuts down.
func (k *Connector) Close() error {
	k.mu.Lock()
	us := k.upstreams
	k.upstreams, k.closed = map[int64]*upstream{}, true
	k.mu.Unlock()
	var wg sync.WaitGroup
	for _, u := range us {
		wg.Add(1)
		go func() { defer wg.Done(); u.stop() }()
	}
	wg.Wait()
	return nil
}

// stop ends the live session for good.
func (u *upstream) stop() {
	u.mu.Lock()
	u.stopped = true
	s := u.live
	u.live = nil
	if s != nil {
		s.stopped = true
	}
	u.mu.Unlock()
	if s != nil {
		s.close()
	}
}

func (s *session) close() {
	_ = s.cs.Close()
	if s.kill != nil {
		s.kill()
	}
}

func (s *session) ended() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// get returns the live session, starting one if there is none, after the
// backoff that the failures so far call for (waiting no longer than ctx
// allows).
func (u *upstream) get(ctx context.Context, c *aos.Connection, cfg *config, secret vault.Secret) (*session, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stopped {
		return nil, aos.Errorf(aos.EUpstream, "the upstream of %s was stopped (disconnected or rotated); call again", c.Name)
	}
	if u.live != nil && !u.live.ended() {
		return u.live, nil
	}
	u.live = nil
	u.conn, u.cfg, u.secret = c, cfg, secret
	if wait := time.Until(u.retryAt); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, aos.Errorf(aos.EUpstream, "the upstream of %s failed %d times in a row; it is tried again in %s",
				c.Name, u.failures, wait.Round(time.Millisecond))
		case <-t.C:
		}
	}
	s, err := u.k.start(ctx, c, cfg, secret, u)
	if err != nil {
		u.failures++
		u.retryAt = time.Now().Add(backoff(u.failures))
		return nil, err
	}
	u.live = s
	return s, nil
}

// succeeded resets the backoff once a call went through.
func (u *upstream) succeeded() {
	u.mu.Lock()
	u.failures, u.retryAt = 0, time.Time{}
	u.mu.Unlock()
}

// start starts an upstream: the command with its environment, or a
// session with the HTTP server, then lists its tools.
func (k *Connector) start(ctx context.Context, c *aos.Connection, cfg *config, secret vault.Secret, u *upstream) (*session, error) {
	cred, err := parseCredential(secret, cfg.stdio())
	if err != nil {
		return nil, aos.Errorf(aos.EUpstream, "the credential of %s does not fit its upstream; the owner must rotate it", c.Name)
	}
	s := &session{u: u, done: make(chan struct{}), calls: map[*running]struct{}{}}
	var transport sdk.Transport
	if cfg.stdio() {
		cmd := exec.Command(cfg.Argv[0], cfg.Argv[1:]...)
		cmd.Env = upstreamEnv(cred.env)
		cmd.Stderr = newStderrLog(k.log(), c.Name)
		s.kill = ownProcessGroup(cmd)
		transport = &countingTransport{Transport: &sdk.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}, o: &s.order}
	} else {
		hc := k.httpClient(cred.header)
		s.rt, s.header, s.endpoint = hc.Transport.(*withHeader).roundTripper(), cred.header, c.BaseURL
		transport = &sdk.StreamableClientTransport{Endpoint: c.BaseURL, HTTPClient: hc, MaxRetries: -1}
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "aos", Version: "1"}, s.clientOptions(k))
	client.AddReceivingMiddleware(s.passElicitation)
	// The session is started on a context of its own that ends with ctx
	// but carries none of its values: ctx may be an agent's request to
	// aos's MCP server, whose protocol revision the go-sdk's client would
	// otherwise send upstream as its own before the handshake (an agent on
	// 2026-07-28 made every upstream refuse aos's initialize).
	sctx, cancel := context.WithTimeout(context.Background(), k.startTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	cs, err := client.Connect(sctx, transport, &sdk.ClientSessionOptions{ProtocolVersion: upstreamProtocol})
	if err != nil {
		if s.kill != nil {
			s.kill()
		}
		return nil, startError(c, cfg, err)
	}
	s.cs = cs
	if r := cs.InitializeResult(); r != nil {
		s.version = r.ProtocolVersion
	}
	go func() {
		err := cs.Wait()
		close(s.done)
		u.mu.Lock()
		deliberate := s.stopped
		if u.live == s {
			u.live = nil
		}
		if !deliberate {
			u.failures++
			u.retryAt = time.Now().Add(backoff(u.failures))
		}
		u.mu.Unlock()
		if s.kill != nil {
			s.kill()
		}
		if !deliberate {
			k.log().Warn("mcp upstream ended", "connection", c.Name, "err", err)
			go u.revive()
		}
	}()
	if r := cs.InitializeResult(); r != nil && r.Capabilities != nil && r.Capabilities.Logging != nil {
		// Every message the upstream has; the relay filters by the level
		// the agent set.
		_ = cs.SetLoggingLevel(sctx, &sdk.SetLoggingLevelParams{Level: "debug"})
	}
	if _, err := s.listTools(sctx); err != nil {
		s.stopped = true
		s.close()
		return nil, err
	}
	k.resubscribe(sctx, s)
	return s, nil
}

func startError(c *aos.Connection, cfg *config, err error) error {
	var ee *exec.Error
	switch {
	case errors.As(err, &ee):
		return aos.Errorf(aos.EUpstream, "the upstream command of %s cannot be started: %s is not found or not executable", c.Name, cfg.Argv[0])
	case errors.Is(err, context.DeadlineExceeded):
		return aos.Errorf(aos.EUpstream, "the upstream of %s did not complete the MCP handshake in time", c.Name)
	case cfg.stdio():
		return aos.Errorf(aos.EUpstream, "the upstream command of %s did not start an MCP session (its stderr is in the server log)", c.Name)
	}
	return aos.Errorf(aos.EUpstream, "the MCP server of %s did not start a session: %s", c.Name, brief(err.Error()))
}

// brief bounds an upstream's message for an error.
func brief(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// upstreamEnv is the environment of a stdio upstream: the harmless
// variables of the server's own (inheritedEnv) and the credential's.
func upstreamEnv(cred []string) []string {
	var env []string
	for _, n := range inheritedEnv {
		if v, ok := os.LookupEnv(n); ok {
			env = append(env, n+"="+v)
		}
	}
	return append(env, cred...)
}

// httpClient is the client of an HTTP upstream: the connector's transport
// (which never follows redirects) with the credential's header fields on
// every request, and no overall timeout, which would end the server's
// event streams; each call has its own deadline.
func (k *Connector) httpClient(h http.Header) *http.Client {
	base := k.client
	return &http.Client{
		Transport:     &withHeader{base: base.Transport, header: h},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type withHeader struct {
	base   http.RoundTripper
	header http.Header
}

func (t *withHeader) roundTripper() http.RoundTripper {
	if t.base == nil {
		return http.DefaultTransport
	}
	return t.base
}

func (t *withHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.roundTripper()
	if len(t.header) == 0 {
		return base.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	for name, vs := range t.header {
		r.Header[name] = vs
	}
	return base.RoundTrip(r)
}

// listTools asks the upstream for every tool (all pages) and keeps them.
func (s *session) listTools(ctx context.Context) (map[string]*sdk.Tool, error) {
	tools := map[string]*sdk.Tool{}
	for t, err := range s.cs.Tools(ctx, nil) {
		if err != nil {
			return nil, aos.Errorf(aos.EUpstream, "the upstream of %s did not list its tools: %s", s.u.name, brief(err.Error()))
		}
		if len(tools) >= maxTools {
			return nil, aos.Errorf(aos.EUpstream, "the upstream of %s lists more than %d tools", s.u.name, maxTools)
		}
		tools[t.Name] = t
	}
	s.mu.Lock()
	s.tools, s.toolsStale = tools, false
	s.mu.Unlock()
	return tools, nil
}

// upstreamProtocol is the revision aos asks upstreams for: sessions in
// which a server may ask the client mid-call (sampling, elicitation), as
// most servers are written to; a server written for multi round-trip
// requests has its SDK send them the same way on this revision.
const upstreamProtocol = "2025-11-25"

// maxTools bounds the tools one upstream may offer.
const maxTools = 1000

// tool returns the upstream's current definition of a tool (nil when it
// has none), listing the tools again if the upstream said they changed.
func (s *session) tool(ctx context.Context, name string) (*sdk.Tool, error) {
	s.mu.Lock()
	tools, stale := s.tools, s.toolsStale
	s.mu.Unlock()
	if stale {
		var err error
		if tools, err = s.listTools(ctx); err != nil {
			return nil, err
		}
	}
	return tools[name], nil
}

// known returns, without asking, what the session last heard of a tool:
// nil, false when it knows nothing for sure.
func (s *session) known(name string) (*sdk.Tool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.toolsStale || s.tools == nil {
		return nil, false
	}
	return s.tools[name], true
}

// liveTool is what a running upstream of connection id last said of a
// tool, without asking it: ok is false when no session runs or its list
// is stale.
func (k *Connector) liveTool(id int64, name string) (*sdk.Tool, bool) {
	k.mu.Lock()
	u := k.upstreams[id]
	k.mu.Unlock()
	if u == nil {
		return nil, false
	}
	u.mu.Lock()
	s := u.live
	u.mu.Unlock()
	if s == nil || s.ended() {
		return nil, false
	}
	return s.known(name)
}

// liveTools is every tool the running upstream of connection id last
// listed, sorted by name; none when no session runs.
func (k *Connector) liveTools(id int64) []*sdk.Tool {
	k.mu.Lock()
	u := k.upstreams[id]
	k.mu.Unlock()
	if u == nil {
		return nil
	}
	u.mu.Lock()
	s := u.live
	u.mu.Unlock()
	if s == nil || s.ended() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := make([]*sdk.Tool, 0, len(s.tools))
	for _, t := range s.tools {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	return ts
}
