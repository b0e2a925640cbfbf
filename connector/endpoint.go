package connector

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
)

// Endpoint is a connection's parsed base URL, the only place its calls go.
type Endpoint struct {
	Scheme string // "http" or "https", lower case
	Host   string // lower case; may carry a port
	Path   string // "" or "/a/b": escaped, without a trailing slash
}

// String is the normalised base URL, as Configure stores it.
func (e *Endpoint) String() string { return e.Scheme + "://" + e.Host + e.Path }

// URL is the upstream URL of an escaped path below the base path and a
// raw query.
func (e *Endpoint) URL(escapedPath, query string) string {
	s := e.String() + escapedPath
	if query != "" {
		s += "?" + query
	}
	return s
}

// NewRequest is the package function NewRequest, for an upstream request
// to target (an absolute URL under e), with its Host pinned to e's host.
func (e *Endpoint) NewRequest(ctx context.Context, method, target string, header http.Header, body []byte) (*http.Request, error) {
	req, err := NewRequest(ctx, e.Host, method, target, header, body)
	if err != nil {
		return nil, err
	}
	req.Host = e.Host
	return req, nil
}

// Relative checks that raw, an Outbound URL read back from a call that
// may have been sealed long before, is under e (see AtOrigin, and below
// its path on a segment boundary), and returns its escaped path below the
// base path, starting with "/", and its raw query. Anything else is
// EOutOfScope: the request would leave the connection's base URL.
func (e *Endpoint) Relative(raw string) (escapedPath, query string, err error) {
	u, ok := AtOrigin(raw, e.Scheme, e.Host)
	if !ok || !strings.HasPrefix(u.EscapedPath(), e.Path+"/") {
		return "", "", aos.Errorf(aos.EOutOfScope, "the upstream request is not under the connection's base URL %s", e)
	}
	return u.EscapedPath()[len(e.Path):], u.RawQuery, nil
}

// AtOrigin parses raw, an absolute URL, and reports whether it is at
// scheme and host (compared in any case) with no user info, opaque part
// or fragment: a URL that a connection may send to.
func AtOrigin(raw, scheme, host string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, scheme) || !strings.EqualFold(u.Host, host) ||
		u.User != nil || u.Opaque != "" || u.Fragment != "" {
		return nil, false
	}
	return u, true
}

// ParseBaseURL validates a base URL: absolute http or https with a host,
// no user info, query or fragment, and a path that canonical accepts.
// canonical gets the escaped path without its trailing slash and returns
// it decoded (a connector's own path rules, such as CanonicalPath); the
// endpoint keeps it re-escaped by EscapePath. Errors are EBadRequest.
func ParseBaseURL(raw string, canonical func(escapedPath string) (string, error)) (*Endpoint, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return nil, BadRequest("the base URL does not parse; write it as https://HOST[:PORT][/PATH]")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, BadRequest("the base URL must start with https:// or http://")
	case u.Opaque != "" || u.Hostname() == "":
		return nil, BadRequest("the base URL has no host; write it as https://HOST[:PORT][/PATH]")
	case u.User != nil:
		return nil, BadRequest("the base URL must not carry user info; pass the credential separately")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, BadRequest("the base URL must not have a query")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, BadRequest("the base URL must not have a fragment")
	}
	ep := &Endpoint{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}
	if p := strings.TrimSuffix(u.EscapedPath(), "/"); p != "" {
		decoded, err := canonical(p)
		if err != nil {
			return nil, BadRequest("the base URL's path is not accepted: %s", aos.ErrorMessage(err))
		}
		ep.Path = EscapePath(decoded)
	}
	return ep, nil
}

// EscapePath re-escapes a canonical (decoded) path segment by segment, so
// that an upstream decoding it once reads exactly the canonical path.
func EscapePath(canonical string) string {
	segs := strings.Split(canonical, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// IsLoopback reports whether host (as url.URL.Hostname returns it) names
// this machine: localhost, in any case, or a loopback address literal.
// Connectors allow plain http:// only to such a host, for test servers.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
