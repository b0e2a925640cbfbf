package hubspot

import (
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/rest"
)

// parseBaseURL validates a base URL (see connector.ParseBaseURL), with a
// path that rest.Canonical accepts. Errors are EBadRequest.
func parseBaseURL(raw string) (*connector.Endpoint, error) {
	return connector.ParseBaseURL(raw, rest.Canonical)
}

// forwardedHeaders are the only request headers that go upstream: HubSpot
// needs nothing else, and an allowlist cannot leak the agent's token,
// cookies or gateway headers.
var forwardedHeaders = []string{"Accept", "Content-Type", "User-Agent"}

// checkQuery validates a raw query as it goes upstream and parses it (see
// connector.ParseQueryBrief). It also refuses the hapikey parameter (a
// legacy credential that only the gateway may supply). Messages never
// repeat the query.
func checkQuery(raw string) (url.Values, error) {
	q, err := connector.ParseQueryBrief(raw)
	if err != nil {
		return nil, err
	}
	for k := range q {
		if strings.EqualFold(strings.TrimSpace(k), "hapikey") {
			return nil, badRequest("the query carries hapikey; aos sends the connection's credential itself")
		}
	}
	return q, nil
}

func badRequest(format string, args ...any) *aos.Error {
	return aos.Errorf(aos.EBadRequest, format, args...)
}
