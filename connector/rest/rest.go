// Package rest is the generic `http` connector: it fronts any REST API at
// a base URL the owner chose, with a credential sent as a bearer token,
// basic auth, a named header or a named query parameter.
//
// Resources are request paths, canonicalised by Canonical so that the path
// a grant is matched against is exactly the path the upstream receives.
// Scopes are path prefixes on whole segments ("/v1/contacts" covers
// "/v1/contacts/42", never "/v1/contactsX"); "/" covers every path and
// "*", which must be written out, is account-wide. GET, HEAD and OPTIONS
// read; every other method writes.
//
// The package is named rest, not http, to stay apart from net/http and the
// httpapi transport; its connector type is "http".
package rest

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// Type is the connector type name, as in `aos connect http NAME`.
const Type = "http"

// Connector is the generic http connector. It is safe for concurrent use.
// Use New; the zero value works too, with a client shared by all zero
// values.
type Connector struct {
	client *http.Client
}

var _ connector.Connector = (*Connector)(nil)

// New returns an http connector whose upstream client never follows
// redirects and has bounded timeouts (connector.NewHTTPClient).
func New() *Connector {
	return &Connector{client: connector.NewHTTPClient()}
}

var sharedClient = sync.OnceValue(connector.NewHTTPClient)

func (k *Connector) httpClient() *http.Client {
	if k.client != nil {
		return k.client
	}
	return sharedClient()
}

// Type returns "http".
func (k *Connector) Type() string { return Type }

// Describe lists the scope syntax and the method rule.
func (k *Connector) Describe() connector.Description {
	ops := []aos.Operation{
		{Name: "GET", Access: aos.Read},
		{Name: "HEAD", Access: aos.Read},
		{Name: "OPTIONS", Access: aos.Read},
	}
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		ops = append(ops, aos.Operation{Name: m, Access: aos.Write})
	}
	return connector.Description{
		Type: Type,
		Summary: "Any REST API at a base URL. The resource is the request path; GET, HEAD and OPTIONS read, " +
			"every other method (POST, PUT, PATCH, DELETE, ...) writes; TRACE and CONNECT are never forwarded. " +
			"The credential goes upstream as --auth bearer (default), basic (user:password), header:NAME or query:NAME.",
		ScopeSyntax: []string{
			"/PATH/PREFIX (whole segments: /v1/contacts covers /v1/contacts/42, not /v1/contactsX; / covers every path)",
			"* (account-wide)",
		},
		Operations: ops,
	}
}

// CheckScope validates a scope and returns its canonical form; see the
// package function CheckScope.
func (k *Connector) CheckScope(scope string) (string, error) { return CheckScope(scope) }

// Covers reports whether scope covers resource; see the package function
// Covers.
func (k *Connector) Covers(scope, resource string) bool { return Covers(scope, resource) }

// Configure validates and normalises c's base URL and auth mode.
//
// The base URL must be absolute http or https with a host, and have no
// user info, query or fragment; its scheme and host are lower-cased and a
// trailing slash is removed from its path, which must itself be a
// canonical path (see Canonical). The auth mode is "" or "bearer" (stored
// as "bearer"), "basic", "header:NAME" (NAME a header token that does not
// frame or route the request; stored in canonical case) or "query:NAME".
// Declared operations (c.Config) are not supported yet. Errors are
// *aos.Error values with code EBadRequest.
func (k *Connector) Configure(c *aos.Connection) error {
	ep, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return err
	}
	a, err := parseAuth(c.Auth)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(c.Config))) != 0 {
		return badRequest("declared operations (--operations) are not supported by this version of the http connector")
	}
	c.BaseURL, c.Auth = ep.String(), a.String()
	return nil
}

// endpoint is a parsed, validated base URL.
type endpoint struct {
	scheme, host string // lower case; host may carry a port
	escapedPath  string // "" or "/a/b": canonical, re-escaped, no trailing slash
}

// parseBaseURL validates a base URL (see Configure).
func parseBaseURL(raw string) (*endpoint, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, badRequest("the http connector needs a base URL, such as --base-url https://api.example.com")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, badRequest("the base URL does not parse; write it as https://HOST[:PORT][/PATH]")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, badRequest("the base URL must start with https:// or http://")
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return nil, badRequest("the base URL has no host; write it as https://HOST[:PORT][/PATH]")
	case u.User != nil:
		return nil, badRequest("the base URL must not carry user info; pass the credential separately")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, badRequest("the base URL must not have a query; use --auth query:NAME for a credential in the query")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, badRequest("the base URL must not have a fragment")
	}
	ep := &endpoint{scheme: u.Scheme, host: strings.ToLower(u.Host)}
	if p := strings.TrimSuffix(u.EscapedPath(), "/"); p != "" {
		canonical, err := Canonical(p)
		if err != nil {
			return nil, badRequest("the base URL's path is not accepted: %s", aos.ErrorMessage(err))
		}
		ep.escapedPath = escapePath(canonical)
	}
	return ep, nil
}

// String is the normalised base URL.
func (e *endpoint) String() string { return e.scheme + "://" + e.host + e.escapedPath }

// url is the upstream URL of a canonical resource and a checked query.
func (e *endpoint) url(resource, query string) string {
	s := e.String() + escapePath(resource)
	if query != "" {
		s += "?" + query
	}
	return s
}

// settings parses a configured connection's base URL, auth mode and
// operations. They were checked by Configure, so a failure means the
// stored connection was altered: it is reported as internal.
func settings(c *aos.Connection) (*endpoint, auth, Operations, error) {
	ep, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return nil, auth{}, nil, aos.Errorf(aos.EInternal, "connection %s has an invalid base URL: %s", c.Name, aos.ErrorMessage(err))
	}
	a, err := parseAuth(c.Auth)
	if err != nil {
		return nil, auth{}, nil, aos.Errorf(aos.EInternal, "connection %s has an invalid auth mode: %s", c.Name, aos.ErrorMessage(err))
	}
	ops, err := operationsFor(c)
	if err != nil {
		return nil, auth{}, nil, err
	}
	return ep, a, ops, nil
}
