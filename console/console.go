// Package console is the owner's web console: the approval inbox,
// connections and grants, keys, the access review, the PII flow map and the
// evidence trail, in the browser. It is a transport like httpapi: it calls
// the same owner, gateway and secinfra services, and it is the one place
// where errors become console pages and statuses.
//
// Everything is served from embedded assets: server-rendered HTML
// (html/template), one stylesheet and one small script, no CDN, nothing to
// build. The owner signs in once with the owner token and then holds a
// session cookie; every state change is a form POST carrying the session's
// CSRF token and checked for a same-origin browser request; every page is
// sent with a strict Content-Security-Policy.
package console

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/evidence"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Prefix is where the console lives; `/` redirects to it. The session
// cookie is scoped to it, so the API under /v1/ never receives it.
const Prefix = "/console/"

// EvidenceReader reads and verifies the evidence trail (an *evidence.Log).
type EvidenceReader interface {
	Tail(ctx context.Context, n int64) ([]aos.Entry, error)
	// Verify re-verifies the whole log (evidence.Log.Verify).
	Verify(ctx context.Context) (*evidence.Report, error)
}

// Console serves the owner's web console. Its fields are set once, before
// Handler or Mount.
type Console struct {
	Gateway *gateway.Gateway
	Owner   *owner.Service
	// Keys is the key inventory and exposed-key runbook; nil builds one on
	// Owner and Gateway as the HTTP API does.
	Keys *secinfra.Keys
	// Review runs the access review; nil shows the page as unavailable.
	Review   *secinfra.Reviewer
	Evidence EvidenceReader
	Logger   *slog.Logger
	// SessionTTL is how long a session lasts after sign-in;
	// DefaultSessionTTL if zero.
	SessionTTL time.Duration
	// Poll is how often an open inbox looks for approvals changed by
	// another replica; one second if zero. Changes made by this process
	// show at once.
	Poll time.Duration

	once     sync.Once
	pages    map[string]*template.Template
	sessions sessionStore
	verified verifiedCache
}

// DefaultSessionTTL is how long a console session lasts.
const DefaultSessionTTL = 12 * time.Hour

// Mount adds the console's routes to mux: everything under Prefix, and `/`
// itself, which redirects to the inbox.
func (c *Console) Mount(mux *http.ServeMux) {
	c.init()
	mux.Handle(Prefix, c.Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w, r)
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
	})
}

// Handler returns the console's handler for paths under Prefix.
func (c *Console) Handler() http.Handler {
	c.init()
	mux := http.NewServeMux()
	sub, _ := fs.Sub(assetFS, "assets")
	assets := http.StripPrefix(Prefix+"assets/", http.FileServerFS(sub))
	mux.HandleFunc("GET "+Prefix+"assets/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		assets.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET "+Prefix+"signin", c.page(c.handleSignInForm))
	mux.HandleFunc("POST "+Prefix+"signin", c.page(c.handleSignIn))
	for _, rt := range c.routes() {
		mux.HandleFunc(rt.pattern, c.signedIn(rt.handle))
	}
	mux.HandleFunc(Prefix, c.page(func(w http.ResponseWriter, r *http.Request) error {
		return errNotFound
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w, r)
		mux.ServeHTTP(w, r)
	})
}

type consoleRoute struct {
	pattern string
	handle  func(http.ResponseWriter, *http.Request, *visit) error
}

// routes is every page and action behind sign-in. Every POST is checked
// for its CSRF token and a same-origin request before its handler runs.
func (c *Console) routes() []consoleRoute {
	p := Prefix
	return []consoleRoute{
		{"GET " + p + "{$}", c.handleInbox},
		{"GET " + p + "inbox/items", c.handleInboxItems},
		{"GET " + p + "events", c.handleEvents},
		{"POST " + p + "signout", c.handleSignOut},
		{"POST " + p + "approvals/{id}/approve", c.handleDecide(true)},
		{"POST " + p + "approvals/{id}/deny", c.handleDecide(false)},

		{"GET " + p + "connections", c.handleConnections},
		{"GET " + p + "connect", c.handleConnectForm},
		{"POST " + p + "connect/confirm", c.handleConnectConfirm},
		{"POST " + p + "connect", c.handleConnect},
		{"GET " + p + "connections/{name}/disconnect", c.handleDisconnectConfirm},
		{"POST " + p + "connections/{name}/disconnect", c.handleDisconnect},
		{"GET " + p + "grant", c.handleGrantForm},
		{"POST " + p + "grant/confirm", c.handleGrantConfirm},
		{"POST " + p + "grant", c.handleGrant},
		{"GET " + p + "grants/{id}/revoke", c.handleRevokeConfirm},
		{"POST " + p + "grants/{id}/revoke", c.handleRevoke},
		{"GET " + p + "grants/{id}/narrow", c.handleNarrowForm},
		{"POST " + p + "grants/{id}/narrow/confirm", c.handleNarrowConfirm},
		{"POST " + p + "grants/{id}/narrow", c.handleNarrow},

		{"GET " + p + "keys", c.handleKeys},
		{"GET " + p + "keys/{name}/rotate", c.handleRotateConfirm},
		{"POST " + p + "keys/{name}/rotate", c.handleRotate},
		{"GET " + p + "keys/{name}/exposed", c.handleExposedConfirm},
		{"POST " + p + "keys/{name}/exposed", c.handleExposed},

		{"GET " + p + "review", c.handleReview},
		{"GET " + p + "review.md", c.handleReviewMarkdown},
		{"POST " + p + "review/apply", c.handleReviewApply},
		{"POST " + p + "review/dismiss", c.handleReviewDismiss},

		{"GET " + p + "pii-map", c.handlePIIMap},
		{"POST " + p + "pii-map", c.handlePIIMap},

		{"GET " + p + "evidence", c.handleEvidence},
		{"POST " + p + "evidence/verify", c.handleVerify},
	}
}

// StateChanging lists the patterns of every POST behind sign-in, so tests
// can check that each refuses a request without a valid CSRF token.
func StateChanging() []string {
	var out []string
	for _, rt := range (&Console{}).routes() {
		if strings.HasPrefix(rt.pattern, "POST ") {
			out = append(out, rt.pattern)
		}
	}
	return out
}

func (c *Console) init() {
	c.once.Do(func() {
		c.pages = parsePages()
		c.sessions.sessions = map[[32]byte]*session{}
	})
}

func (c *Console) ttl() time.Duration {
	if c.SessionTTL > 0 {
		return c.SessionTTL
	}
	return DefaultSessionTTL
}

func (c *Console) poll() time.Duration {
	if c.Poll > 0 {
		return c.Poll
	}
	return time.Second
}

func (c *Console) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

func (c *Console) keys() *secinfra.Keys {
	if c.Keys != nil {
		return c.Keys
	}
	k := &secinfra.Keys{Owner: c.Owner}
	if g := c.Gateway; g != nil {
		k.Drain = g.DrainCredential
		if g.Approvals != nil {
			k.Changed = g.Approvals.Changed
		}
	}
	return k
}

// securityHeaders are sent with every console response: a strict
// Content-Security-Policy (only the console's own script and stylesheet,
// no inline code, never framed), no MIME sniffing, no Referer.
func securityHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}
