// Package rest is the generic `http` connector: it fronts any REST API at
// a base URL the owner chose, with a credential sent as a bearer token,
// basic auth, a named header or a named query parameter.
//
// Resources are request paths, canonicalised by Canonical so that the path
// a grant is matched against is exactly the path the upstream receives.
// Scopes are path prefixes on whole segments ("/v1/contacts" covers
// "/v1/contacts/42", never "/v1/contactsX"); "/" covers every path and
// "*", which must be written out, is account-wide.
//
// A connection maps requests to operations by one of two rules. Without
// declared operations, the method decides: GET, HEAD and OPTIONS read,
// every other method writes, and no fact is read for the approval points.
// With declared operations (`aos connect http NAME --operations FILE`, a
// table in the format of package opdef, kept in Connection.Config in its
// normal form), only declared requests pass: each maps to its declared
// name, access and points, and its approval facts (amount, recipients,
// public, production, export, ...) are read from the request as it goes
// upstream. Any other request is an unknown operation, which is denied.
//
// The package is named rest, not http, to stay apart from net/http and the
// httpapi transport; its connector type is "http".
package rest

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/opdef"
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

func (k *Connector) httpClient() *http.Client { return connector.ClientOr(k.client) }

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
			"--operations FILE declares named operations instead (method, path pattern, access, approval points and " +
			"where to read their facts); then anything undeclared is denied. Request headers go upstream by an allow-list " +
			"(Accept, Content-Type, User-Agent, conditional and range headers, Idempotency-Key, X-Request-Id, ...), to which " +
			"the file's headers: list adds; method, URL and host overrides (X-HTTP-Method-Override, X-Forwarded-*, _method) are refused. " +
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
//
// c.Config, when not empty, declares the connection's operations: an
// operation file as the owner wrote it (YAML or JSON; see package opdef),
// that text as one JSON string, or the normal form. It is validated and
// replaced by the normal form, which is what a stored connection holds.
// The file's headers: add request headers to those forwarded (see
// forwardHeader); a file of headers alone keeps the method rule. A header
// that would frame, route, override or authenticate the request is
// refused (connector.CheckAddedHeader), as is the credential's header.
// An empty Config, or JSON null, keeps the method rule (and is stored as
// empty).
//
// Configure changes c only when it succeeds, and is idempotent on its own
// output. Errors are *aos.Error values with code EBadRequest; those about
// the operations name the line at fault ("operations:12: ...").
func (k *Connector) Configure(c *aos.Connection) error {
	ep, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return err
	}
	a, err := parseAuth(c.Auth)
	if err != nil {
		return err
	}
	var config []byte
	if declares(c.Config) {
		t, err := parseOperations(c.Config)
		if err == nil {
			err = checkAddedHeaders(t, a)
		}
		if err != nil {
			return connector.BadRequest("%s", parseErrorMessage(err))
		}
		if config, err = t.MarshalJSON(); err != nil {
			return aos.Errorf(aos.EInternal, "cannot store the declared operations")
		}
	}
	c.BaseURL, c.Auth, c.Config = ep.String(), a.String(), config
	return nil
}

// parseBaseURL validates a base URL (see Configure). The endpoint's path
// is canonical, re-escaped. Its messages are the http connector's own,
// with hints about --base-url and --auth query:NAME.
func parseBaseURL(raw string) (*connector.Endpoint, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, connector.BadRequest("the http connector needs a base URL, such as --base-url https://api.example.com")
	}
	if u, err := url.Parse(raw); err == nil && (u.RawQuery != "" || u.ForceQuery) {
		return nil, connector.BadRequest("the base URL must not have a query; use --auth query:NAME for a credential in the query")
	}
	return connector.ParseBaseURL(raw, connector.CanonicalPath)
}

// upstreamURL is the upstream URL of a canonical resource and a checked
// query.
func upstreamURL(ep *connector.Endpoint, resource, query string) string {
	return ep.URL(connector.EscapePath(resource), query)
}

// parsed is a connection's settings parsed: its base URL, auth mode and
// operations. Immutable; kept per connection version (connector.Configs).
type parsed struct {
	ep  *connector.Endpoint
	a   auth
	ops operations
}

// settings returns a configured connection's parsed settings, parsing
// them once per connection version.
func (k *Connector) settings(c *aos.Connection) (*connector.Endpoint, auth, operations, error) {
	p, err := configs.Get(c)
	if err != nil {
		return nil, auth{}, operations{}, err
	}
	return p.ep, p.a, p.ops, nil
}

// configs holds the parsed settings of connections, per version.
var configs = connector.NewConfigs(parseSettings)

// parseSettings parses a configured connection's base URL, auth mode and
// operations. They were checked by Configure, so a failure means the
// stored connection was altered: it is reported as internal, and nothing
// is sent.
func parseSettings(c *aos.Connection) (*parsed, error) {
	ops := operations{conn: c.Name}
	ep, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "connection %s has an invalid base URL: %s", c.Name, aos.ErrorMessage(err))
	}
	a, err := parseAuth(c.Auth)
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "connection %s has an invalid auth mode: %s", c.Name, aos.ErrorMessage(err))
	}
	if declares(c.Config) {
		t, err := parseOperations(c.Config)
		if err == nil {
			err = checkAddedHeaders(t, a)
		}
		if err != nil {
			return nil, aos.Errorf(aos.EInternal, "connection %s has invalid declared operations: %s", c.Name, parseErrorMessage(err))
		}
		if ops.headers = t.Headers(); t.HasOperations() {
			ops.table = t
		}
	}
	return &parsed{ep: ep, a: a, ops: ops}, nil
}

// checkAddedHeaders refuses an operation file that adds the header the
// connection's credential travels in: only the gateway may set it. (The
// file's other header rules are opdef's: connector.CheckAddedHeader.)
func checkAddedHeaders(t *opdef.Table, a auth) error {
	for _, h := range t.Headers() {
		if foldHeader(h) == foldHeader(a.header()) {
			return connector.BadRequest("%s: headers: %s cannot be forwarded: the connection's credential travels in it (--auth %s)", operationsName, h, a)
		}
	}
	return nil
}
