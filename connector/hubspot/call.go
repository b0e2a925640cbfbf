package hubspot

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// request is a request relative to the connection, as an agent sent it or
// as an Outbound is read back: the path still escaped.
type request struct {
	method, rawPath, rawQuery string
	header                    http.Header
	body                      []byte
}

// FromHTTP maps a proxied request: the method and the canonical path
// (connector.CanonicalPath) select a declared operation, and the resource comes
// from the path, the query or the body (see the package documentation).
// The upstream request goes to the base URL plus the re-escaped canonical
// path, with the query as sent and only the Accept, Content-Type and
// User-Agent headers.
//
// Errors: EUnknownOperation for a request no operation declares;
// EBadRequest for a malformed path, query, header or body, or one that is
// ambiguous (a key given twice); EOutOfScope for a path that leaves the
// base URL; ETooLarge for a body over connector.MaxBody.
func (k *Connector) FromHTTP(c *aos.Connection, r *connector.HTTPRequest) (*connector.Call, error) {
	if r == nil {
		return nil, connector.BadRequest("no request")
	}
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	return k.mapRequest(c, ep, request{r.Method, r.RawPath, r.RawQuery, r.Header, r.Body})
}

// mapRequest maps a request relative to the connection to a call.
func (k *Connector) mapRequest(c *aos.Connection, ep *connector.Endpoint, r request) (*connector.Call, error) {
	method := strings.ToUpper(r.method)
	if len(r.body) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the request body is larger than %d MiB", connector.MaxBody>>20)
	}
	path, err := connector.CanonicalPath(r.rawPath)
	if err != nil {
		return nil, err
	}
	match := path
	if len(match) > 1 {
		match = strings.TrimSuffix(match, "/")
	}
	def, params, ok := table.Match(method, match)
	if !ok {
		return nil, aos.Errorf(aos.EUnknownOperation, "%.16q %.200q is not a HubSpot operation the hubspot connector knows", method, path)
	}
	query, err := checkQuery(r.rawQuery)
	if err != nil {
		return nil, err
	}
	header, err := connector.AllowedHeaders(r.header, forwardedHeaders)
	if err != nil {
		return nil, err
	}
	ct := header.Get("Content-Type")
	resource, err := k.resourceOf(c, def, params, query, ct, r.body)
	if err != nil {
		return nil, err
	}
	out := &connector.Outbound{Method: method, URL: ep.URL(connector.EscapePath(path), r.rawQuery), Header: header, Body: r.body}
	if err := connector.CheckOverrides(out); err != nil {
		return nil, err
	}
	return &connector.Call{
		Operation: def.Operation(),
		Resource:  resource,
		Facts:     def.Facts(ct, query, r.body),
		Upstream:  out,
	}, nil
}

// callArgs are the args of POST /v1/call on a hubspot connection.
type callArgs struct {
	Path  string          `json:"path"`
	Query string          `json:"query"`
	Body  json.RawMessage `json:"body"`
}

// FromCall maps a POST /v1/call request. The operation is a declared
// operation's name (see `aos connectors`), which gives the method, and
// args are {"path": "/crm/v3/objects/contacts/42", "query": "properties=email",
// "body": <JSON>}: the path escaped as in a URL, the query raw, the body
// sent as JSON. The path must be one of that operation's. Errors are
// those of FromHTTP.
func (k *Connector) FromCall(c *aos.Connection, operation string, args json.RawMessage) (*connector.Call, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	def, ok := table.Lookup(operation)
	if !ok {
		return nil, aos.Errorf(aos.EUnknownOperation, "%.64q is not a hubspot operation (see `aos connectors`)", operation)
	}
	if len(args) > connector.MaxBody+2*connector.MaxQuery {
		return nil, aos.Errorf(aos.ETooLarge, "args are larger than %d MiB", connector.MaxBody>>20)
	}
	const form = `{"path": "/crm/v3/...", "query": "a=1", "body": <JSON>}, with path required`
	var ca callArgs
	if err := connector.DecodeArgs(args, &ca, connector.ArgsForm{Example: form}); err != nil {
		return nil, err
	}
	if ca.Path == "" {
		return nil, connector.BadRequest("args must be %s", form)
	}
	header := http.Header{"Accept": {"application/json"}}
	var body []byte
	if len(ca.Body) > 0 && string(ca.Body) != "null" {
		body = ca.Body
		header.Set("Content-Type", "application/json")
	}
	call, err := k.mapRequest(c, ep, request{def.Method(), ca.Path, strings.TrimPrefix(ca.Query, "?"), header, body})
	if err != nil {
		return nil, err
	}
	if call.Operation.Name != operation {
		return nil, connector.BadRequest("args.path is a path of %s, not of %s", call.Operation.Name, operation)
	}
	return call, nil
}
