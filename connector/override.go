package connector

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
)

// Requests name their method, URL and host in the request line and the
// Host header, which is what the gateway decides on. Servers, frameworks
// and proxies also read them from elsewhere: a method override header or
// parameter (a POST that Rails, Laravel, Express or Salesforce runs as a
// DELETE), a URL or host override header (IIS and Symfony routing on
// X-Original-URL, a proxy trusting X-Forwarded-Host, an upstream that
// allow-lists client addresses from X-Forwarded-For). Any of those would
// make the upstream act on a request the policy did not see, so the
// gateway refuses them rather than drop them silently: an agent that sends
// one learns why its call failed.

// overrideHeaders are the override headers, folded (see foldName).
var overrideHeaders = map[string]bool{
	"x-http-method-override": true, "x-http-method": true, "x-method-override": true, "x-original-method": true,
	"x-original-url": true, "x-original-uri": true, "x-rewrite-url": true, "x-rewrite-uri": true,
	"x-host": true, "x-original-host": true, "x-http-host-override": true, "x-forwarded-server": true,
	"forwarded": true, "x-real-ip": true, "x-proxy-url": true,
}

// overrideParams are the method override parameters, folded (see
// foldParam): _method (Rails, Laravel, Symfony, Express), _HttpMethod
// (Salesforce) and the override headers' names, which some frameworks
// also read from the query.
var overrideParams = map[string]bool{
	"_method": true, "_httpmethod": true,
	"x_http_method_override": true, "x_http_method": true, "x_method_override": true,
}

// foldName is the form in which header names are compared: lower case,
// with '_' read as '-', because CGI, WSGI and PHP servers map both to the
// same variable.
func foldName(name string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-")
}

// IsOverrideHeader reports whether a header name (any case, '_' read as
// '-') asks a server to take the request's method, URL, host or client
// from it rather than from the request: X-HTTP-Method-Override,
// X-HTTP-Method, X-Method-Override, X-Original-URL, X-Rewrite-URL,
// X-Host, X-Original-Host, X-HTTP-Host-Override, Forwarded, every
// X-Forwarded-* and the like.
func IsOverrideHeader(name string) bool {
	f := foldName(name)
	return overrideHeaders[f] || strings.HasPrefix(f, "x-forwarded-")
}

// foldParam is the form in which parameter names are compared: lower
// case, leading spaces dropped, anything from '[' on dropped, and ' ',
// '.' and '-' read as '_', as PHP and Rack read names (" _method",
// "_method[]" and ".method" all reach PHP as _method).
func foldParam(name string) string {
	name = strings.TrimLeft(strings.ToLower(name), " ")
	if i := strings.IndexByte(name, '['); i > 0 {
		name = name[:i]
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-':
			return '_'
		}
		return r
	}, name)
}

// IsOverrideParam reports whether a query or form parameter name (as
// decoded) is a method override such as _method.
func IsOverrideParam(name string) bool { return overrideParams[foldParam(name)] }

// clientHeaders say who the client is, not what the request is: a reverse
// proxy in front of aos (TLS termination) adds them to every request. They
// are never forwarded (no allow-list lets them through, and
// CheckAddedHeader refuses to add them), so an agent's request that
// carries them is not refused for it.
var clientHeaders = map[string]bool{
	"x-forwarded-for": true, "x-forwarded-proto": true, "x-forwarded-port": true,
	"x-forwarded-ssl": true, "x-real-ip": true,
}

// fromFrontProxy reports whether a header an agent's request carries is
// one a reverse proxy in front of aos adds about the client: a client
// header, or Forwarded without a host parameter (RFC 7239 for=, by= and
// proto= name the client and the hop; host= overrides the host).
func fromFrontProxy(name string, values []string) bool {
	f := foldName(name)
	if clientHeaders[f] {
		return true
	}
	if f != "forwarded" {
		return false
	}
	for _, v := range values {
		for _, elem := range strings.Split(v, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, _, _ := strings.Cut(pair, "=")
				if k = strings.ToLower(strings.TrimSpace(k)); k != "for" && k != "by" && k != "proto" {
					return false
				}
			}
		}
	}
	return true
}

// CheckHeaderOverrides refuses a request whose headers hold an override
// header (IsOverrideHeader), with EBadRequest naming it. Connectors call
// it on the agent's headers before their allow-list, which would only
// drop it. What a reverse proxy in front of aos adds about the client
// (X-Forwarded-For, X-Forwarded-Proto, X-Real-IP, Forwarded without
// host=) is left for the allow-list to drop: refusing it would refuse
// every call behind such a proxy, and it never reaches the upstream.
func CheckHeaderOverrides(h http.Header) error {
	for name, values := range h {
		if IsOverrideHeader(name) && !fromFrontProxy(name, values) {
			return aos.Errorf(aos.EBadRequest, "header %.64s is refused: it overrides the method, URL, host or client "+
				"that the upstream sees, which the gateway decides on", http.CanonicalHeaderKey(name))
		}
	}
	return nil
}

// CheckQueryOverrides refuses a raw query with a method override
// parameter (IsOverrideParam), with EBadRequest naming it. Pairs are split
// on '&' and ';' (some servers split on both), and names decoded when
// they decode.
func CheckQueryOverrides(rawQuery string) error {
	for _, name := range paramNames(rawQuery) {
		if IsOverrideParam(name) {
			return overrideParamError("query", name)
		}
	}
	return nil
}

func overrideParamError(where, name string) error {
	return aos.Errorf(aos.EBadRequest, "%s parameter %.64q is refused: it asks the upstream to run the request "+
		"with another method than the one the gateway decided on", where, name)
}

// paramNames returns the decoded names of a raw query or form.
func paramNames(raw string) []string {
	var names []string
	for pair := range strings.FieldsFuncSeq(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		name, _, _ := strings.Cut(pair, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		names = append(names, name)
	}
	return names
}

// CheckBodyOverrides refuses a body, read as its Content-Type says (the
// way a framework reads it), that carries a method override parameter: a
// field of a form (application/x-www-form-urlencoded or
// multipart/form-data), or a member of a JSON object body (Laravel merges
// JSON members into its input). A multipart body that does not parse is
// refused too, since a laxer parser upstream might find a field in it.
// Errors are EBadRequest.
func CheckBodyOverrides(contentType string, body []byte) error {
	if len(body) == 0 || contentType == "" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil // no framework reads parameters from a body it cannot type
	}
	switch {
	case mt == "application/x-www-form-urlencoded":
		for _, name := range paramNames(string(body)) {
			if IsOverrideParam(name) {
				return overrideParamError("form", name)
			}
		}
	case mt == "multipart/form-data":
		return checkMultipart(params["boundary"], body)
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return checkJSONMembers(body)
	}
	return nil
}

// maxParts bounds the parts of a multipart body that are looked at.
const maxParts = 10000

func checkMultipart(boundary string, body []byte) error {
	if boundary == "" {
		return aos.Errorf(aos.EBadRequest, "the multipart body has no boundary")
	}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for n := 0; ; n++ {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return nil
		}
		if err != nil || n >= maxParts {
			return aos.Errorf(aos.EBadRequest, "the multipart body does not parse")
		}
		if name := p.FormName(); IsOverrideParam(name) {
			return overrideParamError("form", name)
		}
	}
}

// checkJSONMembers refuses a JSON object body with an override member at
// its top level. A body that is not a JSON object has none.
func checkJSONMembers(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		if name, ok := t.(string); ok && IsOverrideParam(name) {
			return overrideParamError("JSON body", name)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return nil
}

// CheckOverrides refuses an upstream request that carries a method, URL
// or host override anywhere: an override header, or a method override
// parameter in its URL's query or in its body (see CheckBodyOverrides).
// Connectors call it on the Outbound they built, and NewRequest on every
// request it builds.
func CheckOverrides(out *Outbound) error {
	if out == nil {
		return nil
	}
	if err := CheckHeaderOverrides(out.Header); err != nil {
		return err
	}
	if _, rawQuery, ok := strings.Cut(out.URL, "?"); ok {
		if err := CheckQueryOverrides(rawQuery); err != nil {
			return err
		}
	}
	return CheckBodyOverrides(out.Header.Get("Content-Type"), out.Body)
}

// framingHeaders are fields that frame or route a request, which the
// gateway and its HTTP client set; none may be added to an allow-list.
var framingHeaders = map[string]bool{
	"host": true, "content-length": true, "content-encoding": true, "expect": true, "max-forwards": true,
	"via": true, "te": true,
}

// credentialParts are parts of header names that carry a credential or a
// session (Authorization, Cookie, X-Api-Key, X-Auth-Token, ...), looked
// for anywhere in the name with '-' and '_' removed, so that run-together
// names (X-Authtoken, Apisecret) count too; a name ending in "key" is one
// as well. This is stricter than credentialWords, the whole words that
// keep an answer's header from the agent, and includes them.
var credentialParts = []string{"auth", "token", "secret", "passw", "credential", "apikey", "cookie", "session", "signature", "jwt"}

// namesCredential reports whether a header name (folded) names a
// credential or a session, by credentialParts or by any of its words in
// credentialWords. Idempotency-Key, a request's own key, does not.
func namesCredential(folded string) bool {
	squashed := strings.NewReplacer("-", "", "_", "").Replace(folded)
	if strings.HasSuffix(squashed, "idempotencykey") {
		return false
	}
	if strings.HasSuffix(squashed, "key") || containsAny(squashed, credentialParts) {
		return true
	}
	for w := range strings.FieldsFuncSeq(folded, func(r rune) bool { return r == '-' || r == '_' }) {
		if slices.Contains(credentialWords, w) {
			return true
		}
	}
	return false
}

// CheckAddedHeader refuses a header name that an owner asks a connection
// to forward beyond its connector's allow-list (an operation file's
// headers:) when forwarding what an agent puts in it could change what
// the gateway decided on or speak with another's authority: a name that
// is not a token, a hop-by-hop or framing field (Host, Content-Length,
// Content-Encoding, Transfer-Encoding, ...), an override header
// (IsOverrideHeader), an AOS-* field meant for the gateway, or one that
// carries a credential or session (Authorization, Cookie, any name with
// auth, token, secret, password, credential, api-key, session, signature
// or jwt in it, or ending in key, Idempotency-Key excepted). The error, EBadRequest, names the
// header and why.
func CheckAddedHeader(name string) error {
	f := foldName(name)
	switch {
	case !httpsyntax.IsToken(name):
		return aos.Errorf(aos.EBadRequest, "header %.64q is not a valid header name", name)
	case framingHeaders[f] || IsHopByHop(f) || strings.HasPrefix(f, "aos-"):
		return aos.Errorf(aos.EBadRequest, "header %s cannot be forwarded: it frames or routes the request, which the gateway does", name)
	case IsOverrideHeader(f):
		return aos.Errorf(aos.EBadRequest, "header %s cannot be forwarded: it overrides the method, URL or host the gateway decides on", name)
	case namesCredential(f):
		return aos.Errorf(aos.EBadRequest, "header %s cannot be forwarded: it would carry a credential or session, which only the gateway sets", name)
	}
	return nil
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
