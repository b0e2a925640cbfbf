package github

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
)

// FromHTTP maps a proxied request: the method and path to one of GitHub's
// operations (see match), the path to its resource (see resourceOf), and
// the request to its facts (see facts). The upstream request goes to the
// base URL plus the path rebuilt from its decoded segments, with the query
// as sent and only the headers GitHub reads (see forwarded); it carries no
// credential.
//
// Errors: EBadRequest for a malformed method, path, query, header or
// repository name, or a query parameter on a write that GitHub's
// description does not declare for it (see checkWriteQuery), EOutOfScope for a path that climbs with "..",
// EUnknownOperation for a request that is no known operation, ETooLarge
// for a body over connector.MaxBody.
func (k *Connector) FromHTTP(c *aos.Connection, r *connector.HTTPRequest) (*connector.Call, error) {
	if r == nil {
		return nil, connector.BadRequest("no request")
	}
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	method, err := normalizeMethod(r.Method)
	if err != nil {
		return nil, err
	}
	p, err := parsePath(r.RawPath)
	if err != nil {
		return nil, err
	}
	query, err := checkQuery(r.RawQuery)
	if err != nil {
		return nil, err
	}
	header, err := forwardHeader(r.Header)
	if err != nil {
		return nil, err
	}
	return k.newCall(c, ep, method, p, query, header, r.Body, nil)
}

// Reread maps a decided call's upstream request again, as FromHTTP
// mapped it, for connector.Recheck; whether a branch it writes to is the
// default one is taken as decided (learnt, see connector.Rereader), and
// Do confirms it with GitHub. Errors: EOutOfScope for a URL outside the
// base URL, a path that does not parse or names no resource of the
// operation; EUnknownOperation for a request that is no known operation;
// those of FromHTTP otherwise.
func (k *Connector) Reread(c *aos.Connection, decided *connector.Call) (*connector.Call, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	out := decided.Upstream
	rel, rawQuery, err := ep.Relative(out.URL)
	if err != nil {
		return nil, err
	}
	method, err := normalizeMethod(out.Method)
	if err != nil {
		return nil, err
	}
	p, err := parsePath(rel)
	if err != nil {
		return nil, aos.Errorf(aos.EOutOfScope, "the upstream request is not under the connection's base URL %s", ep)
	}
	d, _, err := match(method, p)
	if err != nil {
		return nil, aos.Errorf(aos.EUnknownOperation, "the upstream request is not the operation that was authorised")
	}
	if _, err := resourceOf(d, p); err != nil {
		return nil, aos.Errorf(aos.EOutOfScope, "the upstream request is not on the resource that was authorised")
	}
	query, err := checkQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	header, err := forwardHeader(out.Header)
	if err != nil {
		return nil, err
	}
	return k.newCall(c, ep, method, p, query, header, out.Body, &decided.Facts)
}

// mapped is what mapping a request read that Do needs (call.Parsed): the
// path and its parameters.
type mapped struct {
	path   *reqPath
	params map[string]string
}

// newCall assembles a call from checked parts. learnt, if not nil, holds
// the facts learnt from GitHub that the call was decided on (see facts).
func (k *Connector) newCall(c *aos.Connection, ep *connector.Endpoint, method string, p *reqPath, query string, header http.Header, body []byte, learnt *aos.Facts) (*connector.Call, error) {
	if len(body) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the request body is larger than %d MiB", connector.MaxBody>>20)
	}
	d, params, err := match(method, p)
	if err != nil {
		return nil, err
	}
	if err := checkWriteQuery(d, query); err != nil {
		return nil, err
	}
	resource, err := resourceOf(d, p)
	if err != nil {
		return nil, err
	}
	out := &connector.Outbound{Method: method, URL: ep.URL(p.escaped(), query), Header: header, Body: body}
	if err := connector.CheckOverrides(out); err != nil {
		return nil, err
	}
	return &connector.Call{
		Operation: d.Operation(),
		Resource:  resource,
		Facts:     k.facts(c, d, resource, params, header.Get("Content-Type"), query, body, learnt),
		Upstream:  out,
		Parsed:    &mapped{path: p, params: params},
	}, nil
}

// callArgs are the args of POST /v1/call on a github connection.
type callArgs struct {
	Params map[string]json.RawMessage `json:"params"`
	Query  map[string]json.RawMessage `json:"query"`
	Body   json.RawMessage            `json:"body"`
}

const argsForm = `{"params": {"owner": "acme", "repo": "app", "pull_number": 7}, "query": {"state": "open"}, "body": {...}}`

// FromCall maps POST /v1/call: operation is an operation's name
// ("pulls.merge") and args are
//
//	{"params": {"owner": "acme", "repo": "app", "pull_number": 7}, "query": {"state": "open"}, "body": <any JSON>}
//
// where params are the path's parameters (strings or integers; a ref or
// file path may hold slashes), query values are strings, numbers or
// booleans, and body, if given and not null, is sent as JSON. The request
// is then mapped exactly as FromHTTP maps the same request, and must come
// out as the named operation. Errors are those of FromHTTP, EBadRequest
// for args that do not fit, and EUnknownOperation for an unknown name.
func (k *Connector) FromCall(c *aos.Connection, operation string, args json.RawMessage) (*connector.Call, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	d, ok := lookup(operation)
	if !ok {
		return nil, aos.Errorf(aos.EUnknownOperation, "%.100q is not a GitHub operation this connector knows (see `aos connectors`)", operation)
	}
	if len(args) > connector.MaxBody+maxPathLen+connector.MaxQuery {
		return nil, aos.Errorf(aos.ETooLarge, "args are larger than %d MiB", connector.MaxBody>>20)
	}
	var ca callArgs
	if err := connector.DecodeArgs(args, &ca, connector.ArgsForm{Example: argsForm, Optional: true}); err != nil {
		return nil, err
	}
	rawPath, err := buildPath(d.Pattern(), ca.Params)
	if err != nil {
		return nil, err
	}
	query, err := buildQuery(ca.Query)
	if err != nil {
		return nil, err
	}
	p, err := parsePath(rawPath)
	if err != nil {
		return nil, aos.Errorf(aos.ErrorCode(err), "args.params: %s", aos.ErrorMessage(err))
	}
	header := http.Header{"Accept": {"application/vnd.github+json"}, "User-Agent": {defaultUserAgent}}
	var body []byte
	if len(ca.Body) > 0 && string(ca.Body) != "null" {
		body = ca.Body
		header.Set("Content-Type", "application/json")
	}
	call, err := k.newCall(c, ep, d.Method(), p, query, header, body, nil)
	if err != nil {
		return nil, err
	}
	if call.Operation.Name != d.Name() {
		return nil, connector.BadRequest("args.params make the path of %s, not %s", call.Operation.Name, d.Name())
	}
	return call, nil
}

// buildPath fills a pattern's parameters. A parameter's value is escaped
// as one segment (a slash becomes %2F, as Octokit sends it); a rest
// parameter's value is split on its slashes.
func buildPath(pattern string, params map[string]json.RawMessage) (string, error) {
	used := map[string]bool{}
	parts := strings.Split(pattern[1:], "/")
	for i, part := range parts {
		name, isParam := strings.CutPrefix(part, "{")
		if !isParam {
			continue
		}
		name = strings.TrimSuffix(name, "}")
		name, rest := strings.CutSuffix(name, "...")
		v, err := paramValue(params, name)
		if err != nil {
			return "", err
		}
		used[name] = true
		if !rest {
			parts[i] = url.PathEscape(v)
			continue
		}
		parts[i] = connector.EscapePath(v)
	}
	for name := range params {
		if !used[name] {
			return "", connector.BadRequest("args.params.%.64s is not a parameter of %s", name, pattern)
		}
	}
	return "/" + strings.Join(parts, "/"), nil
}

// paramValue returns a path parameter given as a string or an integer.
func paramValue(params map[string]json.RawMessage, name string) (string, error) {
	raw, ok := params[name]
	if !ok {
		return "", connector.BadRequest("args.params.%s is required", name)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return "", connector.BadRequest("args.params.%s is empty", name)
		}
		return s, nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&n) == nil {
		if _, err := n.Int64(); err == nil {
			return n.String(), nil
		}
	}
	return "", connector.BadRequest("args.params.%s must be a string or an integer", name)
}

// buildQuery encodes query values, in key order.
func buildQuery(q map[string]json.RawMessage) (string, error) {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		var v any
		dec := json.NewDecoder(bytes.NewReader(q[k]))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return "", connector.BadRequest("args.query.%.64s is not valid JSON", k)
		}
		var s string
		switch t := v.(type) {
		case string:
			s = t
		case json.Number:
			s = t.String()
		case bool:
			s = "false"
			if t {
				s = "true"
			}
		default:
			return "", connector.BadRequest("args.query.%.64s must be a string, number or boolean", k)
		}
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(s))
	}
	query := strings.Join(parts, "&")
	if _, err := checkQuery(query); err != nil {
		var e *aos.Error
		if errors.As(err, &e) {
			return "", connector.BadRequest("args.query: %s", e.Message)
		}
		return "", err
	}
	return query, nil
}

// maxMethodLen bounds a method name.
const maxMethodLen = 32

// normalizeMethod checks that method is an HTTP token and returns it in
// upper case, the form that is matched and sent.
func normalizeMethod(method string) (string, error) {
	if len(method) > maxMethodLen || !httpsyntax.IsToken(method) {
		return "", connector.BadRequest("the method is not a valid HTTP method name")
	}
	return strings.ToUpper(method), nil
}
