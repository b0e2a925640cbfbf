package stripe

import (
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
	"github.com/aos-dev/aos/connector/opdef"
)

// request is a Stripe request as the connector reads it: the operation it
// performs, on which resource, with which facts, and the parts that go
// upstream. FromHTTP, FromCall and Do all read requests with analyze, so
// what the policy decides on is what the upstream receives.
type request struct {
	op       aos.Operation
	resource string
	facts    aos.Facts
	method   string      // upper case
	path     string      // canonical (decoded once)
	query    string      // raw, as sent, checked
	header   http.Header // the forwarded headers only
	body     []byte
}

// formType is the media type of Stripe v1 request bodies.
const formType = "application/x-www-form-urlencoded"

// Bounds on what an agent sends; real Stripe requests are far smaller.
const (
	maxQueryLen    = 16 << 10
	maxHeaderBytes = 16 << 10
	maxMethodLen   = 16
)

// analyze reads a request: method, escaped path and raw query as sent,
// headers and body. The operation is the table's for the method and the
// canonical path (see connector.CanonicalPath); its parameters are the query of a
// GET or DELETE, which may have no body, and the form body of a POST,
// which may have no query, so that each parameter has exactly one place.
//
// Errors: EBadRequest for a malformed method, path, query, header or body
// (a POST body must be form-encoded), EOutOfScope for a path that climbs
// or names a host, or for a request on a connected account (Stripe-Account
// or Stripe-Context), EUnknownOperation for a request not in the table,
// ETooLarge for a body over connector.MaxBody.
func analyze(method, rawPath, rawQuery string, h http.Header, body []byte) (*request, error) {
	// ASCII letters only: Unicode case mapping would turn other letters
	// into these ("ſ" upper-cases to "S").
	if method == "" || len(method) > maxMethodLen ||
		strings.Trim(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "" {
		return nil, connector.BadRequest("the method is not a valid HTTP method name")
	}
	r := &request{method: strings.ToUpper(method), query: rawQuery, body: body}
	var err error
	if r.path, err = connector.CanonicalPath(rawPath); err != nil {
		return nil, err
	}
	d, _, ok := operations.table.Match(r.method, r.path)
	if !ok {
		return nil, aos.Errorf(aos.EUnknownOperation, "%s %.200s is not a Stripe operation the stripe connector knows (see `aos connectors`)", r.method, r.path)
	}
	if r.header, err = forwardHeader(h); err != nil {
		return nil, err
	}
	if len(body) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the request body is larger than %d MiB", connector.MaxBody>>20)
	}
	query, err := parseQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	params, err := r.params(query)
	if err != nil {
		return nil, err
	}
	// A method override would have Stripe, or a proxy before it, run
	// another operation than the one matched.
	if err := connector.CheckQueryOverrides(rawQuery); err != nil {
		return nil, err
	}
	if err := connector.CheckBodyOverrides(r.header.Get("Content-Type"), body); err != nil {
		return nil, err
	}
	return r, r.decide(d, query, params)
}

// params returns the request's parameters from the one place they may be.
func (r *request) params(query url.Values) (url.Values, error) {
	if r.method != http.MethodPost {
		if len(r.body) > 0 {
			return nil, connector.BadRequest("a Stripe %s carries its parameters in the query, not in a body", r.method)
		}
		r.header.Del("Content-Type")
		return query, nil
	}
	if r.query != "" {
		return nil, connector.BadRequest("a Stripe POST carries its parameters in the form body, not in the query")
	}
	if len(r.body) == 0 {
		return url.Values{}, nil
	}
	mt, _, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil || mt != formType {
		return nil, connector.BadRequest("a Stripe POST body must be %s", formType)
	}
	form, err := url.ParseQuery(string(r.body))
	if err != nil {
		return nil, connector.BadRequest("the form body does not parse (malformed percent-escape or ';' separator)")
	}
	return form, nil
}

// decide fills in the operation, the facts and the resource.
func (r *request) decide(d *opdef.Def, query, params url.Values) error {
	r.op = operations.operation(d)
	r.facts = d.Facts(r.header.Get("Content-Type"), query, r.body)
	if r.op.Access == aos.Write {
		r.moneyFacts(params)
	}
	expanded, ok := expansions(params)
	if !ok {
		return connector.BadRequest("the request expands more than %d fields, or deeper than %d levels", maxExpansions, maxExpandDepth)
	}
	r.resource = resourceOf(operations.typeOf[r.op.Name], expanded)
	return nil
}

// moneyFacts sets the money facts of a write from what the table read,
// the operation's rule (rules.go) and its money parameters (money.go).
// Whatever moves money beyond the amount the request states holds the
// call, its amount unknown.
func (r *request) moneyFacts(params url.Values) {
	name := r.op.Name
	within := withinAmount[name]
	if amount, ok := readAmount[name]; ok {
		within = []string{amount, "currency"}
		if params.Has(amount) || params.Has("currency") {
			r.facts.Amount, r.facts.Currency, r.facts.AmountUnknown = statedAmount(params, amount)
		}
	}
	rule, ruled := moneyRules[name]
	if ruled && rule(params) || len(moneyKeys(params, within)) > 0 {
		r.facts.Amount, r.facts.Currency, r.facts.AmountUnknown = 0, "", true
	}
}

// parseQuery checks a raw query, of up to maxQueryLen bytes, and parses
// it (see connector.ParseQuery). Messages never repeat it.
func parseQuery(raw string) (url.Values, error) {
	return connector.ParseQuery(raw, maxQueryLen)
}

// forwarded are the request headers that go to Stripe: those its SDKs
// send to describe the request. Everything else stays behind: the agent's
// Authorization and cookies, hop-by-hop and AOS-* fields, proxies' and
// telemetry headers.
var forwarded = []string{"Accept", "Content-Type", "Idempotency-Key", "Stripe-Version", "User-Agent", "X-Stripe-Client-User-Agent"}

// connectedAccount are the headers that make Stripe act on another
// (connected) account, which no scope covers.
var connectedAccount = []string{"Stripe-Account", "Stripe-Context"}

// forwardHeader returns the headers that go upstream. A forwarded header
// given twice is ambiguous and refused, as is a value with a control
// character; a connected-account header is out of scope. Names are
// compared case-insensitively, with '_' read as '-' (CGI servers merge
// both).
func forwardHeader(h http.Header) (http.Header, error) {
	if err := connector.CheckHeaderOverrides(h); err != nil {
		return nil, err
	}
	out := http.Header{}
	size := 0
	for name, vs := range h {
		key := http.CanonicalHeaderKey(strings.ReplaceAll(name, "_", "-"))
		for _, c := range connectedAccount {
			if key == c {
				return nil, aos.Errorf(aos.EOutOfScope, "%s asks Stripe to act on a connected account; no stripe scope covers another account", c)
			}
		}
		if !slices.Contains(forwarded, key) {
			continue
		}
		if len(vs) != 1 || len(out[key]) > 0 {
			return nil, connector.BadRequest("header %s is given more than once", key)
		}
		if !httpsyntax.ValidHeaderValue(vs[0]) {
			return nil, connector.BadRequest("header %s has a control character in its value", key)
		}
		size += len(key) + len(vs[0])
		out[key] = []string{vs[0]}
	}
	if size > maxHeaderBytes {
		return nil, connector.BadRequest("the headers are larger than %d KiB", maxHeaderBytes>>10)
	}
	return out, nil
}

// upstreamURL is the URL of the request under base.
func (r *request) upstreamURL(base *url.URL) string {
	s := base.String() + connector.EscapePath(r.path)
	if r.query != "" {
		s += "?" + r.query
	}
	return s
}

// call is the request as a connector.Call to base.
func (r *request) call(base *url.URL) *connector.Call {
	return &connector.Call{
		Operation: r.op,
		Resource:  r.resource,
		Facts:     r.facts,
		Upstream:  &connector.Outbound{Method: r.method, URL: r.upstreamURL(base), Header: r.header, Body: r.body},
	}
}
