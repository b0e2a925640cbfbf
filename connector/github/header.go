package github

import (
	"net/http"

	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
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
// forwarded), with a User-Agent. An override header
// (connector.IsOverrideHeader), or a value with a control character other
// than tab, is EBadRequest.
func forwardHeader(h http.Header) (http.Header, error) {
	if err := connector.CheckHeaderOverrides(h); err != nil {
		return nil, err
	}
	out := http.Header{}
	size := 0
	for _, name := range forwarded {
		for _, v := range h.Values(name) {
			if !httpsyntax.ValidHeaderValue(v) {
				return nil, connector.BadRequest("header %s has a control character in its value", name)
			}
			size += len(name) + len(v)
			out.Add(name, v)
		}
	}
	if size > maxHeaderBytes {
		return nil, connector.BadRequest("the headers are larger than %d KiB", maxHeaderBytes>>10)
	}
	if out.Get("User-Agent") == "" {
		out.Set("User-Agent", defaultUserAgent)
	}
	return out, nil
}

// checkQuery validates a raw query, which goes upstream as sent (see
// connector.ParseQuery), and returns it. Messages never repeat the query.
func checkQuery(raw string) (string, error) {
	if _, err := connector.ParseQuery(raw, connector.MaxQuery); err != nil {
		return "", err
	}
	return raw, nil
}

// AnswerHeaderNames are GitHub's response headers that pass to the agent
// beyond connector.AnswerHeaders: what Octokit and gh read (the request
// id, the media type and API version served, the rate limit's resource).
// Link passes too, rewritten under the base URL by Do.
func (*Connector) AnswerHeaderNames() []string {
	return []string{"X-Github-Request-Id", "X-Github-Media-Type", "X-Github-Api-Version-Selected", "X-Ratelimit-Resource"}
}

var _ connector.VendorHeaders = (*Connector)(nil)
