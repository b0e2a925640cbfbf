package slack

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/vault"
)

// endpoint is a parsed, validated base URL.
type endpoint struct {
	scheme, host string // lower case; host may carry a port
	path         string // "" or "/a/b": escaped, without a trailing slash
}

// parseBaseURL validates a base URL: absolute http or https with a host,
// no user info, query or fragment, and a path that rest.Canonical accepts.
// Errors are EBadRequest.
func parseBaseURL(raw string) (*endpoint, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return nil, badRequest("the base URL does not parse; write it as https://HOST[:PORT][/PATH]")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, badRequest("the base URL must start with https:// or http://")
	case u.Opaque != "" || u.Hostname() == "":
		return nil, badRequest("the base URL has no host")
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, badRequest("the base URL must not carry user info, a query or a fragment")
	}
	ep := &endpoint{scheme: u.Scheme, host: strings.ToLower(u.Host)}
	if p := strings.TrimSuffix(u.EscapedPath(), "/"); p != "" {
		canonical, err := rest.Canonical(p)
		if err != nil {
			return nil, badRequest("the base URL's path is not accepted: %s", aos.ErrorMessage(err))
		}
		ep.path = escapePath(canonical)
	}
	return ep, nil
}

func (e *endpoint) String() string { return e.scheme + "://" + e.host + e.path }

// url is the upstream URL of an escaped path and a raw query.
func (e *endpoint) url(escapedPath, query string) string {
	s := e.String() + escapedPath
	if query != "" {
		s += "?" + query
	}
	return s
}

// relative checks that raw is under the endpoint and returns its escaped
// path below the base path and its raw query. Anything else is
// EOutOfScope: the request would leave the connection's base URL.
func (e *endpoint) relative(raw string) (string, string, error) {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, e.scheme) || !strings.EqualFold(u.Host, e.host) ||
		u.User != nil || u.Opaque != "" || u.Fragment != "" {
		return "", "", aos.Errorf(aos.EOutOfScope, "the upstream request is not under the connection's base URL %s", e)
	}
	p, ok := strings.CutPrefix(u.EscapedPath(), e.path)
	if !ok || !strings.HasPrefix(p, "/") {
		return "", "", aos.Errorf(aos.EOutOfScope, "the upstream request is not under the connection's base URL %s", e)
	}
	return p, u.RawQuery, nil
}

// escapePath re-escapes a canonical path segment by segment, so that an
// upstream decoding it once reads exactly the canonical path.
func escapePath(canonical string) string {
	segs := strings.Split(canonical, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// forwardedHeaders are the only request headers that go upstream: Slack
// needs nothing else, and an allowlist cannot leak the agent's token,
// cookies or gateway headers.
var forwardedHeaders = []string{"Accept", "Content-Type", "User-Agent"}

// forwardHeader returns the allowlisted headers of h, refusing values with
// control characters (EBadRequest).
func forwardHeader(h http.Header) (http.Header, error) {
	out := http.Header{}
	for _, name := range forwardedHeaders {
		for _, v := range h.Values(name) {
			if len(v) > 4096 || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
				return nil, badRequest("header %s has a control character or is too long", name)
			}
			out.Add(name, v)
		}
	}
	return out, nil
}

// maxQueryLen bounds a raw query.
const maxQueryLen = 8192

// checkQuery validates a raw query as it goes upstream and parses it. It
// refuses characters that must be escaped, malformed escapes and ';'
// separators (readArgs refuses a token argument). Messages never repeat
// the query.
func checkQuery(raw string) (url.Values, error) {
	if len(raw) > maxQueryLen {
		return nil, badRequest("the query is longer than %d bytes", maxQueryLen)
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return nil, badRequest("the query has a character that must be percent-encoded")
		}
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, badRequest("the query does not parse (malformed percent-escape or ';' separator)")
	}
	return q, nil
}

// credential returns the secret as it goes on the wire: trailing CR and
// LF dropped, and any other control character or space refused (it could
// end the header). Errors never contain the secret.
func credential(secret vault.Secret) (string, error) {
	v := strings.TrimRight(string(secret.Reveal()), "\r\n")
	if v == "" {
		return "", aos.Errorf(aos.EUpstream, "the connection's credential is empty; rotate it with `aos keys rotate`")
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", aos.Errorf(aos.EUpstream, "the connection's credential contains a space or control character; rotate it with `aos keys rotate`")
	}
	return v, nil
}

func badRequest(format string, args ...any) *aos.Error {
	return &aos.Error{Code: aos.EBadRequest, Message: fmt.Sprintf(format, args...)}
}
