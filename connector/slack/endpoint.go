package slack

import (
	"github.com/aos-dev/aos/connector"
)

// parseBaseURL validates a base URL (see connector.ParseBaseURL), with a
// path that connector.CanonicalPath accepts. Errors are EBadRequest.
func parseBaseURL(raw string) (*connector.Endpoint, error) {
	return connector.ParseBaseURL(raw, connector.CanonicalPath)
}

// forwardedHeaders are the only request headers that go upstream: Slack
// needs nothing else, and an allowlist cannot leak the agent's token,
// cookies or gateway headers.
var forwardedHeaders = []string{"Accept", "Content-Type", "User-Agent"}
