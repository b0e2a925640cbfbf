package mcpapi

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// checkHosts refuses, with EForbidden, a request whose Host, or Origin
// when it has one, names a host outside the allow-list: loopback names and
// addresses, the address the request arrived at, and s.Hosts. A web page
// on a name that resolves to this server (DNS rebinding) sends its own
// name in both, and is refused before anything else happens.
func (s *Server) checkHosts(r *http.Request) error {
	if !s.allowedHost(r, r.Host) {
		return aos.Errorf(aos.EForbidden, "the Host header %.100q is not a name of this server", r.Host)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil // not a browser: SDK clients send no Origin
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !s.allowedHost(r, u.Host) {
		return aos.Errorf(aos.EForbidden, "the Origin %.100q is not this server", origin)
	}
	return nil
}

func (s *Server) allowedHost(r *http.Request, hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return true
		}
		if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && local != nil {
			if lh, _, err := net.SplitHostPort(local.String()); err == nil {
				if lip := net.ParseIP(lh); lip != nil && lip.Equal(ip) {
					return true
				}
			}
		}
	}
	for _, h := range s.Hosts {
		if strings.EqualFold(strings.TrimSuffix(h, "."), host) {
			return true
		}
	}
	return false
}

// bearer extracts the token from "Bearer T" or "token T" (see the agent API).
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !(strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "token")) {
		return ""
	}
	return strings.TrimSpace(token)
}

// authenticate returns the agent whose token the request carries. The
// owner and auditors are refused: /mcp is for agents.
// Errors: EUnauthenticated, EForbidden.
func (s *Server) authenticate(r *http.Request) (*aos.Principal, error) {
	p, err := s.Gateway.Authenticate(r.Context(), bearer(r))
	if err != nil {
		return nil, err
	}
	if p.Kind != aos.Agent {
		return nil, aos.Errorf(aos.EForbidden, "/mcp is for agents: use an agent's token (`aos agent add NAME`)")
	}
	return p, nil
}

type principalKey struct{}

// withPrincipal puts the authenticated agent into r's context, and
// normalises its Authorization header to the Bearer form the go-sdk's
// token check reads (tokenInfo then finds the agent in the context).
func withPrincipal(r *http.Request, p *aos.Principal) *http.Request {
	token := bearer(r)
	r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// tokenInfo is the go-sdk's token verifier: the token was checked by
// authenticate; the TokenInfo's UserID binds a session to its agent, so
// that no other principal can use a session ID it learnt.
func tokenInfo(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
	p, _ := ctx.Value(principalKey{}).(*aos.Principal)
	if p == nil {
		return nil, auth.ErrInvalidToken
	}
	return &auth.TokenInfo{UserID: strconv.FormatInt(p.ID, 10), Extra: map[string]any{"principal": p}}, nil
}

// principalOf returns the agent that sent an MCP request.
func principalOf(req mcp.Request) (*aos.Principal, error) {
	if extra := req.GetExtra(); extra != nil && extra.TokenInfo != nil {
		if p, ok := extra.TokenInfo.Extra["principal"].(*aos.Principal); ok && p != nil {
			return p, nil
		}
	}
	return nil, aos.Errorf(aos.EUnauthenticated, "the request carries no agent token")
}
