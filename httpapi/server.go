// Package httpapi is the HTTP transport: the agent API (proxy, /v1/call,
// whoami) and the owner API that the CLI uses. It is the one place where
// error codes become HTTP statuses.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"log/slog"
)

// EvidenceReader reads the evidence trail for the owner and auditors.
type EvidenceReader interface {
	Tail(ctx context.Context, n int64) ([]aos.Entry, error)
	Export(ctx context.Context, w io.Writer) error
}

// Server serves the HTTP API.
type Server struct {
	Gateway  *gateway.Gateway
	Owner    *owner.Service
	Evidence EvidenceReader
	Logger   *slog.Logger
	// Keys is the key inventory and exposed-key runbook; nil builds one
	// on Owner and Gateway.
	Keys *secinfra.Keys
	// Review runs the access review; nil answers its routes not_found.
	Review *secinfra.Reviewer
	// ProxyHostSuffix enables host-based routing: a request to
	// NAME.<suffix> (such as crm.localhost:7070) is proxied to connection
	// NAME with its whole path. Empty disables it.
	ProxyHostSuffix string
	// MaxWait bounds the wait of a long poll on an approval;
	// DefaultMaxWait if zero.
	MaxWait time.Duration
	// Console, if set, adds the owner's web console to the routes (see
	// package console): it mounts its own paths, / and /console/.
	Console interface{ Mount(*http.ServeMux) }
	// Metrics serves GET /metrics (Prometheus text) to the owner and
	// auditors; nil answers it not_found.
	Metrics http.Handler
	// MCP serves /mcp (package mcpapi), which does its own Host, Origin
	// and token checks; nil answers /mcp not_found.
	MCP http.Handler
}

// Handler returns the root handler. Proxied requests are dispatched before
// any router sees them: a router would clean or redirect their paths, and
// the connector must judge the path exactly as the agent sent it.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.HandleFunc(rt.pattern, s.guard(rt))
	}
	if s.Console != nil {
		s.Console.Mount(mux)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.RequestURI, "/") {
			s.writeError(w, r, aos.Errorf(aos.EBadRequest, "absolute-form request targets are not accepted"))
			return
		}
		if name, ok := hostConnection(r.Host, s.ProxyHostSuffix); ok {
			s.agent(func(w http.ResponseWriter, r *http.Request) error { return s.handleHostProxy(w, r, name) })(w, r)
			return
		}
		if s.MCP != nil && (r.URL.Path == "/mcp" || r.URL.Path == "/mcp/") {
			s.MCP.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.RequestURI, "/v1/proxy/") {
			s.agent(s.handleProxy)(w, r)
			return
		}
		s.serveRouted(mux, w, r)
	})
}

type principalKey struct{}

func principalOf(ctx context.Context) *aos.Principal {
	p, _ := ctx.Value(principalKey{}).(*aos.Principal)
	return p
}

// bearer extracts the token from "Bearer T" or "token T".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	for _, scheme := range []string{"Bearer ", "bearer ", "token ", "Token "} {
		if t, ok := strings.CutPrefix(h, scheme); ok {
			return strings.TrimSpace(t)
		}
	}
	return ""
}

func (s *Server) authenticate(r *http.Request) (*aos.Principal, error) {
	return s.Gateway.Authenticate(r.Context(), bearer(r))
}

// agent wraps a handler that only agents may use.
func (s *Server) agent(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return s.with(h, func(p *aos.Principal) bool { return p.Kind == aos.Agent }, "this route is for agents")
}

// ownerOnly wraps a handler that only the owner may use.
func (s *Server) ownerOnly(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return s.with(h, func(p *aos.Principal) bool { return p.Kind == aos.Owner }, "this route is for the owner")
}

// reader wraps a handler that the owner and auditors may use.
func (s *Server) reader(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return s.with(h, func(p *aos.Principal) bool { return p.Kind == aos.Owner || p.Kind == aos.Auditor },
		"this route is for the owner and auditors")
}

func (s *Server) with(h func(http.ResponseWriter, *http.Request) error, may func(*aos.Principal) bool, why string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err == nil && !may(p) {
			err = aos.Errorf(aos.EForbidden, "%s", why)
		}
		if err == nil {
			err = h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	}
}

// decodeJSON reads a JSON request body of at most limit bytes, before and
// after its content codings are undone (see connector.DecodeBody), into v.
func decodeJSON(r *http.Request, limit int64, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return aos.Errorf(aos.EBadRequest, "reading request body: %v", err)
	}
	if int64(len(body)) > limit {
		return aos.Errorf(aos.ETooLarge, "request body is larger than %d bytes", limit)
	}
	if body, err = connector.DecodeBody(r.Header.Values("Content-Encoding"), body); err != nil {
		return err
	}
	if err := connector.CheckCharset(r.Header.Values("Content-Type"), body); err != nil {
		return err
	}
	if int64(len(body)) > limit {
		return aos.Errorf(aos.ETooLarge, "request body is larger than %d bytes once decoded", limit)
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return aos.Errorf(aos.EBadRequest, "field %q must be %s", te.Field, te.Type)
		case errors.As(err, &se), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return aos.Errorf(aos.EBadRequest, "request body is not valid JSON")
		}
		return aos.Errorf(aos.EBadRequest, "request body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// readBody reads a proxied request body of at most connector.MaxBody
// bytes and undoes its content codings (connector.DecodeBody), to at most
// connector.MaxBody bytes: the gateway reads facts from, scans and sends
// upstream the bytes the upstream acts on, never a coded body it could
// not read. The caller drops Content-Encoding from what it forwards.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "request body is larger than %d bytes", connector.MaxBody)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, connector.MaxBody+1))
	if err != nil {
		return nil, aos.Errorf(aos.EBadRequest, "reading request body: %v", err)
	}
	if len(b) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "request body is larger than %d bytes", connector.MaxBody)
	}
	if b, err = connector.DecodeBody(r.Header.Values("Content-Encoding"), b); err != nil {
		return nil, err
	}
	return b, connector.CheckCharset(r.Header.Values("Content-Type"), b)
}
