package rest

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/opdef"
)

// FromHTTP maps a proxied request. The method and path give the operation:
// by the method rule (see MethodOperation), or, on a connection that
// declares operations, the declared operation whose pattern matches best,
// with the approval facts read from the request as it goes upstream. The
// path becomes the canonical resource (see Canonical), and
// the upstream request goes to the base URL plus the re-escaped resource,
// with the query as the agent sent it less the credential's parameter of a
// query:NAME connection, and those of the agent's headers that are on the
// allow-list (see forwardHeader: a fixed list, plus the names the
// connection's operation file adds), never the credential's. The Outbound
// carries no credential.
//
// A method, URL or host override (X-HTTP-Method-Override, X-Original-URL,
// X-Forwarded-*, Forwarded, a _method query, form or JSON parameter: see
// connector.CheckOverrides) is refused, not dropped.
//
// Errors: EBadRequest for a malformed method, path, query or header, or an
// override,
// EOutOfScope for a path that names another host or climbs with "..",
// EUnknownOperation for a method that is never forwarded or a request that
// is not a declared operation, ETooLarge for a body over connector.MaxBody.
func (k *Connector) FromHTTP(c *aos.Connection, r *connector.HTTPRequest) (*connector.Call, error) {
	if r == nil {
		return nil, connector.BadRequest("no request")
	}
	ep, a, ops, err := k.settings(c)
	if err != nil {
		return nil, err
	}
	method, err := normalizeMethod(r.Method)
	if err != nil {
		return nil, err
	}
	resource, err := connector.CanonicalPath(r.RawPath)
	if err != nil {
		return nil, err
	}
	query, err := cleanQuery(r.RawQuery, a.queryParam())
	if err != nil {
		return nil, err
	}
	header, err := forwardHeader(r.Header, a, ops.headers)
	if err != nil {
		return nil, err
	}
	return newCall(ep, ops, method, resource, query, header, r.Body)
}

// callArgs are the args of POST /v1/call on an http connection. Path is
// escaped, as in a URL; Query is raw, as after '?'.
type callArgs struct {
	Path     string            `json:"path"`
	Query    string            `json:"query"`
	Headers  map[string]string `json:"headers"`
	Body     json.RawMessage   `json:"body"`
	BodyText *string           `json:"body_text"`
}

const argsForm = `{"path": "/v1/contacts", "query": "a=1", "headers": {"Accept": "application/json"}, "body": <JSON> or "body_text": "..."}`

// FromCall maps a POST /v1/call request. Under the method rule the
// operation is the HTTP method; on a connection that declares operations
// it is a declared operation's name, whose method is used. Args are
//
//	{"path": "/v1/contacts", "query": "a=1", "headers": {"Accept": "application/json"}, "body": <any JSON>}
//
// where path is escaped as in a URL, "body" is sent as JSON (Content-Type
// application/json unless headers set one; null means no body), and
// "body_text" instead sends a string as it is (Content-Type text/plain;
// charset=utf-8 unless set). Path is required, except for a declared
// operation whose pattern has no parameters, where it defaults to that
// path; for a declared operation it must be a path of that very operation
// (the one its method and path map to). Path, query and headers are
// checked and stripped as in FromHTTP, and facts are read as in FromHTTP.
// Errors are those of FromHTTP, with EBadRequest messages naming the
// argument at fault, and EUnknownOperation for an operation name the
// connection does not declare.
func (k *Connector) FromCall(c *aos.Connection, operation string, args json.RawMessage) (*connector.Call, error) {
	ep, a, ops, err := k.settings(c)
	if err != nil {
		return nil, err
	}
	var def *opdef.Def
	var method string
	if ops.table != nil {
		d, ok := ops.table.Lookup(operation)
		if !ok {
			return nil, ops.unknownName(operation)
		}
		def, method = d, d.Method()
	} else if method, err = normalizeMethod(operation); err != nil {
		return nil, connector.BadRequest("the operation must be an HTTP method such as GET or POST")
	}
	if len(args) > connector.MaxBody+connector.MaxPathLen+connector.MaxQuery+maxHeaderBytes {
		return nil, aos.Errorf(aos.ETooLarge, "args are larger than %d MiB", connector.MaxBody>>20)
	}
	var ca callArgs
	if err := connector.DecodeArgs(args, &ca, connector.ArgsForm{Example: argsForm,
		Fields: "path, query, headers, body and body_text", Want: argType}); err != nil {
		return nil, err
	}
	resource, err := callResource(ca.Path, def)
	if err != nil {
		return nil, err
	}
	if def != nil {
		if d, _, ok := ops.table.Match(method, resource); !ok || d != def {
			return nil, connector.BadRequest("args.path %s is not a path of operation %s (%s %s)", resource, def.Name(), method, def.Pattern())
		}
	}
	query, err := cleanQuery(strings.TrimPrefix(ca.Query, "?"), a.queryParam())
	if err != nil {
		return nil, argError("query", err)
	}
	h := http.Header{}
	for name, v := range ca.Headers {
		h[name] = []string{v}
	}
	header, err := forwardHeader(h, a, ops.headers)
	if err != nil {
		return nil, argError("headers", err)
	}
	var body []byte
	switch hasBody := len(ca.Body) > 0 && string(ca.Body) != "null"; {
	case hasBody && ca.BodyText != nil:
		return nil, connector.BadRequest("args: give either body (JSON) or body_text (a string), not both")
	case hasBody:
		body = ca.Body
		setDefault(header, "Content-Type", "application/json")
	case ca.BodyText != nil:
		body = []byte(*ca.BodyText)
		setDefault(header, "Content-Type", "text/plain; charset=utf-8")
	}
	return newCall(ep, ops, method, resource, query, header, body)
}

// callResource returns the canonical resource of a call's path argument,
// or, when it is empty, of the one path of a declared operation whose
// pattern has no parameters.
func callResource(path string, def *opdef.Def) (string, error) {
	if path == "" {
		if def == nil {
			return "", connector.BadRequest("args.path is required: %s", argsForm)
		}
		fixed, ok := def.FixedPath()
		if !ok {
			return "", connector.BadRequest("args.path is required: operation %s has the path pattern %s", def.Name(), def.Pattern())
		}
		path = connector.EscapePath(fixed)
	}
	resource, err := connector.CanonicalPath(path)
	if err != nil {
		return "", argError("path", err)
	}
	return resource, nil
}

// argType is what a field of the args must be.
func argType(field string) string {
	if field == "headers" {
		return "an object of strings"
	}
	return "a string"
}

// argError prefixes an error's message with the argument it is about,
// keeping its code.
func argError(field string, err error) error {
	return &aos.Error{Code: aos.ErrorCode(err), Message: "args." + field + ": " + aos.ErrorMessage(err)}
}

func setDefault(h http.Header, key, value string) {
	if h.Get(key) == "" {
		h.Set(key, value)
	}
}

// newCall assembles a call from checked parts, with the facts of a
// declared operation.
func newCall(ep *connector.Endpoint, ops operations, method, resource, query string, header http.Header, body []byte) (*connector.Call, error) {
	if len(body) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the request body is larger than %d MiB", connector.MaxBody>>20)
	}
	op, def, err := ops.lookup(method, resource)
	if err != nil {
		return nil, err
	}
	call := &connector.Call{
		Operation: op,
		Resource:  resource,
		Upstream: &connector.Outbound{
			Method: method,
			URL:    upstreamURL(ep, resource, query),
			Header: header,
			Body:   body,
		},
	}
	// The headers were checked by forwardHeader; a method override in the
	// query or the body would have the upstream run another operation
	// than the one looked up.
	if err := connector.CheckOverrides(call.Upstream); err != nil {
		return nil, err
	}
	if def != nil {
		call.Facts = readFacts(def, header, query, body)
	}
	return call, nil
}
