package connector

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// AnswerHeaders are the upstream response headers that reach the agent on
// every connection, in canonical form: what describes the body and its
// caching, when to retry, pagination (Link) and the usual rate-limit and
// request-id headers. Every other header stays behind, whatever the
// upstream's Connection header names: an allow-list, so that cookies,
// credentials, hop-by-hop and unknown headers never pass. Content-Length
// is not among them: the transport writes the length of the body it
// sends. Location passes only as PassAnswerHeaders rewrites it.
var AnswerHeaders = []string{
	"Accept-Ranges", "Age", "Allow", "Cache-Control", "Content-Disposition", "Content-Language",
	"Content-Range", "Content-Type", "Date", "Deprecation", "Etag", "Expires", "Last-Modified",
	"Link", "Location", "Retry-After", "Sunset", "Vary",
	"Ratelimit", "Ratelimit-Limit", "Ratelimit-Policy", "Ratelimit-Remaining", "Ratelimit-Reset",
	"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset", "X-Ratelimit-Used",
	"X-Request-Id",
}

// VendorHeaders is implemented by connectors whose vendor's SDKs read
// response headers beyond AnswerHeaders (GitHub's X-GitHub-Request-Id,
// Stripe's Request-Id). AnswerHeaderNames lists them, in canonical form;
// they pass as AnswerHeaders do. A header that carries a credential or a
// session (Set-Cookie, WWW-Authenticate, X-Api-Key) is dropped whatever is
// listed (see neverPassed).
type VendorHeaders interface {
	AnswerHeaderNames() []string
}

// PassAnswerHeaders returns the headers of an upstream answer that may
// reach the agent: those of AnswerHeaders and of k's VendorHeaders, never
// one of neverPassed. A Location is kept only if it points under the
// connection's base URL (resolved against requestURL, the URL the request
// went to); it is then rewritten to the path and query relative to the
// base URL ("/v1/contacts/7"), which the transport puts under its proxy
// path. Any other Location is dropped, so that a client following it
// stays at the gateway.
func PassAnswerHeaders(k Connector, h http.Header, baseURL, requestURL string) http.Header {
	allow := AnswerHeaders
	if v, ok := k.(VendorHeaders); ok {
		allow = append(allow[:len(allow):len(allow)], v.AnswerHeaderNames()...)
	}
	out := http.Header{}
	for _, name := range allow {
		name = http.CanonicalHeaderKey(name)
		vs := h.Values(name)
		if len(vs) == 0 || neverPassed(name) || out[name] != nil {
			continue
		}
		if name == "Location" {
			if rel, ok := underBase(vs[0], baseURL, requestURL); ok {
				out.Set(name, rel)
			}
			continue
		}
		out[name] = append([]string(nil), vs...)
	}
	return out
}

// neverPassed reports whether a header (canonical name) must never reach
// the agent, even if a connector lists it: framing and hop-by-hop fields,
// anything that sets state (Set-Cookie), challenges, and any header with
// a word in its name that names a credential or a session (X-Api-Key,
// X-Auth-Token, X-Session-Id), Idempotency-Key apart.
func neverPassed(name string) bool {
	switch name {
	case "Idempotency-Key":
		return false
	case "Content-Length", "Content-Encoding", "Www-Authenticate", "Proxy-Authenticate", "Authentication-Info":
		return true
	}
	lower := strings.ToLower(name)
	if IsHopByHop(name) || strings.HasPrefix(lower, "set-") {
		return true
	}
	for w := range strings.FieldsFuncSeq(lower, func(r rune) bool { return r == '-' || r == '_' }) {
		if slices.Contains(credentialWords, w) {
			return true
		}
	}
	return false
}

// credentialWords are the words (of a header name split at '-' and '_')
// that mark it as carrying a credential or a session.
var credentialWords = []string{
	"apikey", "auth", "authorization", "cookie", "credential", "credentials", "jwt", "key",
	"password", "secret", "session", "signature", "token",
}

// underBase resolves loc against requestURL and, if the result is under
// baseURL (same scheme and host, below its path), returns it relative to
// baseURL: its escaped path, starting with "/", and query.
func underBase(loc, baseURL, requestURL string) (string, bool) {
	base, err := url.Parse(baseURL)
	if err != nil {
		return "", false
	}
	req, err := url.Parse(requestURL)
	if err != nil {
		return "", false
	}
	u, err := req.Parse(loc)
	if err != nil {
		return "", false
	}
	u.Fragment, u.RawFragment = "", ""
	ep := &Endpoint{Scheme: strings.ToLower(base.Scheme), Host: strings.ToLower(base.Host),
		Path: strings.TrimSuffix(base.EscapedPath(), "/")}
	path, query, err := ep.Relative(u.String())
	if err != nil {
		return "", false
	}
	if query != "" {
		path += "?" + query
	}
	return path, true
}
