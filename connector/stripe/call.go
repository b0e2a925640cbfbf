package stripe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// FromHTTP maps a proxied request (see analyze). The upstream request goes
// to the connection's base URL with the canonical path re-escaped, the
// query as sent, the body as sent and only the forwarded headers; it
// carries no credential.
func (k *Connector) FromHTTP(c *aos.Connection, r *connector.HTTPRequest) (*connector.Call, error) {
	if r == nil {
		return nil, connector.BadRequest("no request")
	}
	base, err := baseOf(c)
	if err != nil {
		return nil, err
	}
	req, err := analyze(r.Method, r.RawPath, r.RawQuery, r.Header, r.Body)
	if err != nil {
		return nil, err
	}
	return req.call(base), nil
}

// callArgs are the args of POST /v1/call on a stripe connection.
type callArgs struct {
	// Path are the operation's path parameters by name ("id", "customer").
	Path map[string]string
	// Params are Stripe's parameters, form-encoded as Stripe's SDKs do.
	Params json.RawMessage
	// IdempotencyKey is sent as the Idempotency-Key header.
	IdempotencyKey string
}

// FromCall maps a POST /v1/call request. The operation is a name from the
// table ("refunds.create", see `aos connectors`), and args are
//
//	{"id": "re_123", "params": {"amount": 500, "currency": "usd", "metadata": {"k": "v"}}, "idempotency_key": "k1"}
//
// where each path parameter of the operation ("id", and "customer" or
// "transfer" for nested paths) is a string field, "params" is an object of
// Stripe parameters (objects nest as a[b], arrays as a[0], null as the
// empty string that unsets a field) sent in the query of a GET or DELETE
// and in the form body of a POST, and "idempotency_key" is optional. The
// request is then read exactly as a proxied one (see FromHTTP).
func (k *Connector) FromCall(c *aos.Connection, operation string, args json.RawMessage) (*connector.Call, error) {
	base, err := baseOf(c)
	if err != nil {
		return nil, err
	}
	d, ok := operations.table.Lookup(operation)
	if !ok {
		return nil, aos.Errorf(aos.EUnknownOperation, "%.100q is not an operation of the stripe connector (see `aos connectors`)", operation)
	}
	if len(args) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "args are larger than %d MiB", connector.MaxBody>>20)
	}
	params := paramNames(d.Pattern())
	a, err := decodeArgs(args, params)
	if err != nil {
		return nil, err
	}
	path, err := fillPath(d.Pattern(), a.Path)
	if err != nil {
		return nil, err
	}
	form, err := encodeParams(a.Params)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	if a.IdempotencyKey != "" {
		h.Set("Idempotency-Key", a.IdempotencyKey)
	}
	var query string
	var body []byte
	if d.Method() == http.MethodPost {
		body = []byte(form)
		h.Set("Content-Type", formType)
	} else {
		query = form
	}
	req, err := analyze(d.Method(), path, query, h, body)
	if err != nil {
		return nil, err
	}
	return req.call(base), nil
}

// paramNames lists the names of a pattern's parameters, in order.
func paramNames(pattern string) []string {
	var names []string
	for seg := range strings.SplitSeq(pattern, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			names = append(names, strings.TrimSuffix(name, "}"))
		}
	}
	return names
}

// decodeArgs reads args: an object with the path parameters, params and
// idempotency_key, and nothing else.
func decodeArgs(args json.RawMessage, pathParams []string) (*callArgs, error) {
	form := argsForm(pathParams)
	a := &callArgs{Path: map[string]string{}}
	if len(bytes.TrimSpace(args)) == 0 || string(bytes.TrimSpace(args)) == "null" {
		args = json.RawMessage("{}")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(args, &fields); err != nil || fields == nil {
		return nil, connector.BadRequest("args must be a JSON object: %s", form)
	}
	for name, raw := range fields {
		switch {
		case name == "params":
			a.Params = raw
		case name == "idempotency_key":
			if err := json.Unmarshal(raw, &a.IdempotencyKey); err != nil {
				return nil, connector.BadRequest("args.idempotency_key must be a string")
			}
		case slices.Contains(pathParams, name):
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, connector.BadRequest("args.%s must be a string", name)
			}
			a.Path[name] = v
		default:
			return nil, connector.BadRequest("args has an unknown field %.64q: %s", name, form)
		}
	}
	return a, nil
}

// argsForm shows the args an operation takes.
func argsForm(pathParams []string) string {
	var b strings.Builder
	b.WriteString("{")
	for _, p := range pathParams {
		fmt.Fprintf(&b, "%q: \"...\", ", p)
	}
	b.WriteString(`"params": {...}, "idempotency_key": "..."}`)
	return b.String()
}

// fillPath puts the path parameters into a pattern, escaped. Each must be
// one non-empty segment.
func fillPath(pattern string, values map[string]string) (string, error) {
	segs := strings.Split(pattern, "/")
	for i, seg := range segs {
		name, ok := strings.CutPrefix(seg, "{")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(name, "}")
		v := values[name]
		if v == "" || strings.ContainsAny(v, "/\\") || len(v) > 255 {
			return "", connector.BadRequest("args.%s is required: a Stripe ID, such as re_123 (no slashes, at most 255 bytes)", name)
		}
		segs[i] = url.PathEscape(v)
	}
	return strings.Join(segs, "/"), nil
}

// maxParamDepth bounds the nesting of params.
const maxParamDepth = 8

// encodeParams form-encodes a JSON object of Stripe parameters, the way
// Stripe's SDKs do: nested objects as a[b]=..., arrays as a[0]=...,
// booleans as true/false, numbers as written, null as the empty string
// (which unsets a field). Keys are sorted, so the same params always give
// the same bytes.
func encodeParams(raw json.RawMessage) (string, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return "", nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", connector.BadRequest("args.params is not valid JSON")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return "", connector.BadRequest("args.params must be an object of Stripe parameters")
	}
	var pairs []string
	if err := flatten(&pairs, "", obj, 0); err != nil {
		return "", err
	}
	return strings.Join(pairs, "&"), nil
}

// flatten appends the form pairs of v under the key prefix.
func flatten(pairs *[]string, prefix string, v any, depth int) error {
	if depth > maxParamDepth {
		return connector.BadRequest("args.params nests deeper than %d levels", maxParamDepth)
	}
	key := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "[" + k + "]"
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "" {
				return connector.BadRequest("args.params has an empty key")
			}
			if err := flatten(pairs, key(k), x[k], depth+1); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := flatten(pairs, key(fmt.Sprint(i)), e, depth+1); err != nil {
				return err
			}
		}
	case nil:
		*pairs = append(*pairs, url.QueryEscape(prefix)+"=")
	case bool:
		*pairs = append(*pairs, url.QueryEscape(prefix)+"="+fmt.Sprint(x))
	case json.Number:
		*pairs = append(*pairs, url.QueryEscape(prefix)+"="+url.QueryEscape(x.String()))
	case string:
		*pairs = append(*pairs, url.QueryEscape(prefix)+"="+url.QueryEscape(x))
	}
	return nil
}
