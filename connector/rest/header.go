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

// droppedHeader reports whether an agent's header (folded) stays behind.
func droppedHeader(f string, a auth) bool {
	switch f {
	case "host", // the upstream Host is always the base URL's
		"authorization", "cookie", // the agent's own token and session
		"forwarded", "x-real-ip", // client addresses are the gateway's to state
		"content-length", // the body's length is recomputed
		// The upstream client asks for compression itself and decodes the
		// answer, so the gateway sees (and scans) plain bytes, never a
		// compressed body it cannot read.
		"accept-encoding":
		return true
	}
	return connector.IsHopByHop(f) ||
		strings.HasPrefix(f, "aos-") || // meant for the gateway (AOS-Purpose, ...)
		strings.HasPrefix(f, "x-forwarded-") ||
		f == foldHeader(a.header()) // whatever the credential travels in
}

// maxHeaderBytes bounds the headers an agent can forward.
const maxHeaderBytes = 64 << 10

// forwardHeader returns the headers of an agent's request that go
// upstream: every field except the dropped ones (droppedHeader) and those
// the Connection header names. Names must be tokens and values must not
// contain control characters other than tab; otherwise it returns an
// *aos.Error with code EBadRequest naming the header.
func forwardHeader(h http.Header, a auth) (http.Header, error) {
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
			return nil, badRequest("header name %.64q is not a valid token", name)
		}
		f := foldHeader(name)
		if droppedHeader(f, a) || named[f] {
			continue
		}
		key := http.CanonicalHeaderKey(name)
		for _, v := range vs {
			if !httpsyntax.ValidHeaderValue(v) {
				return nil, badRequest("header %s has a control character in its value", key)
			}
			size += len(key) + len(v)
			out[key] = append(out[key], v)
		}
	}
	if size > maxHeaderBytes {
		return nil, badRequest("the headers are larger than %d KiB", maxHeaderBytes>>10)
	}
	return out, nil
}
