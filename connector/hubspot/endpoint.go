package hubspot

import (
	"net/url"
	"strings"

	"github.com/aos-dev/aos/connector"
)

// parseBaseURL validates a base URL (see connector.ParseBaseURL), with a
// path that connector.CanonicalPath accepts. Errors are EBadRequest.
func parseBaseURL(raw string) (*connector.Endpoint, error) {
	return connector.ParseBaseURL(raw, connector.CanonicalPath)
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
			return nil, connector.BadRequest("the query carries hapikey; aos sends the connection's credential itself")
		}
	}
	return q, nil
}
