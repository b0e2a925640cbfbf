package github

import (
	"net/http"
	"net/url"

	"github.com/aos-dev/aos"
)

// forwarded are the request headers that go upstream; every other header
// an agent sends stays behind. They are what GitHub's REST API reads:
// media type and API version, conditional requests, the time zone of
// commits made through the API, and User-Agent, which GitHub requires.
// Authorization, cookies, AOS-* and proxy headers are never among them.
var forwarded = []string{
	"Accept", "Content-Type", "User-Agent", "X-Github-Api-Version",
	"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "Time-Zone",
}

// defaultUserAgent is sent when the agent sent none: GitHub refuses
// requests without one.
const defaultUserAgent = "aos-gateway"

// maxHeaderBytes bounds the forwarded headers.
const maxHeaderBytes = 16 << 10

// forwardHeader returns the headers of h that go upstream (see
// forwarded), with a User-Agent. A value with a control character other
// than tab is EBadRequest.
func forwardHeader(h http.Header) (http.Header, error) {
	out := http.Header{}
	size := 0
	for _, name := range forwarded {
		for _, v := range h.Values(name) {
			if !validHeaderValue(v) {
				return nil, badRequest("header %s has a control character in its value", name)
			}
			size += len(name) + len(v)
			out.Add(name, v)
		}
	}
	if size > maxHeaderBytes {
		return nil, badRequest("the headers are larger than %d KiB", maxHeaderBytes>>10)
	}
	if out.Get("User-Agent") == "" {
		out.Set("User-Agent", defaultUserAgent)
	}
	return out, nil
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// maxQueryLen bounds a raw query.
const maxQueryLen = 8192

// checkQuery validates a raw query, which goes upstream as sent: only
// characters a request line can carry unescaped, and a form every server
// splits the same way (no ';' separators, no malformed escapes). Messages
// never repeat the query.
func checkQuery(raw string) (string, error) {
	if len(raw) > maxQueryLen {
		return "", badRequest("the query is longer than %d bytes", maxQueryLen)
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return "", badRequest("the query has a character that must be percent-encoded (space, control, '#' or non-ASCII)")
		}
	}
	if _, err := url.ParseQuery(raw); err != nil {
		return "", aos.Errorf(aos.EBadRequest, "the query does not parse (malformed percent-escape or ';' separator)")
	}
	return raw, nil
}
