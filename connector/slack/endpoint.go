package slack

import (
	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/rest"
)

// parseBaseURL validates a base URL (see connector.ParseBaseURL), with a
// path that rest.Canonical accepts. Errors are EBadRequest.
func parseBaseURL(raw string) (*connector.Endpoint, error) {
	return connector.ParseBaseURL(raw, rest.Canonical)
}

// forwardedHeaders are the only request headers that go upstream: Slack
// needs nothing else, and an allowlist cannot leak the agent's token,
// cookies or gateway headers.
var forwardedHeaders = []string{"Accept", "Content-Type", "User-Agent"}

func badRequest(format string, args ...any) *aos.Error {
	return aos.Errorf(aos.EBadRequest, format, args...)
}
