package rest

import (
	"net/http"
	"strings"

	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
)

// foldHeader is the form in which header names are compared: lower case,
// with '_' read as '-', because CGI, WSGI and PHP servers map both to the
// same variable (X_Api_Key and X-Api-Key both become HTTP_X_API_KEY).
func foldHeader(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), "_", "-")
}

// forwarded are the request headers that go upstream on every http
// connection: those a REST client sends to describe what it sends and
// what it wants back (media types, languages, conditional and range
// requests, idempotency keys, preferences, request ids, its name). Every
// other header stays behind unless the connection's operation file adds it
// (opdef headers:, checked by connector.CheckAddedHeader): the agent's
// token and cookies, AOS-* fields, hop-by-hop and framing fields
// (Content-Length, Content-Encoding: the transport has decoded the body),
// Accept-Encoding (the upstream client asks for compression itself and
// decodes the answer, so the gateway scans plain bytes) and whatever the
// credential travels in.
var forwarded = []string{
	"Accept", "Accept-Language", "Content-Language", "Content-Type", "Idempotency-Key",
	"If-Match", "If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since",
	"Prefer", "Range", "User-Agent", "X-Request-Id",
}

// maxHeaderBytes bounds the headers an agent can forward.
const maxHeaderBytes = 64 << 10

// forwardHeader returns the headers of an agent's request that go
// upstream: those in forwarded or added (canonical names, from the
// connection's operation file), less any that the Connection header names
// hop-by-hop and the one the credential travels in, under their
// canonical names. Every name must be a token,
// and no header may be an override of the method, URL or host
// (connector.IsOverrideHeader), which is refused rather than dropped so
// that the agent learns why; values must not contain control characters
// other than tab. Errors are *aos.Error values with code EBadRequest
// naming the header.
func forwardHeader(h http.Header, a auth, added []string) (http.Header, error) {
	if err := connector.CheckHeaderOverrides(h); err != nil {
		return nil, err
	}
	allowed := map[string]string{} // folded name → canonical name
	for _, list := range [][]string{forwarded, added} {
		for _, name := range list {
			allowed[foldHeader(name)] = name
		}
	}
	delete(allowed, foldHeader(a.header())) // only the gateway sets the credential
	named := map[string]bool{}
	for name, vs := range h {
		if foldHeader(name) != "connection" {
			continue
		}
		for _, v := range vs {
			for n := range strings.SplitSeq(v, ",") {
				named[foldHeader(strings.TrimSpace(n))] = true
			}
		}
	}
	out := http.Header{}
	size := 0
	for name, vs := range h {
		if !httpsyntax.IsToken(name) {
			return nil, connector.BadRequest("header name %.64q is not a valid token", name)
		}
		f := foldHeader(name)
		key, ok := allowed[f]
		if !ok || named[f] {
			continue
		}
		for _, v := range vs {
			if !httpsyntax.ValidHeaderValue(v) {
				return nil, connector.BadRequest("header %s has a control character in its value", key)
			}
			size += len(key) + len(v)
			out[key] = append(out[key], v)
		}
	}
	if size > maxHeaderBytes {
		return nil, connector.BadRequest("the headers are larger than %d KiB", maxHeaderBytes>>10)
	}
	return out, nil
}
