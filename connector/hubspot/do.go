package hubspot

import (
	"context"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Do sends call upstream with the token as a bearer token and returns the
// answer, of any status; a 3xx comes back as sent, never followed.
//
// Do trusts nothing in call.Upstream: the call may have been sealed for an
// approval long before. It maps the outbound request again, as FromHTTP
// would, and sends only if its URL is under the connection's base URL
// (else EOutOfScope) and it is the call the policy decided on: operation,
// resource and facts (connector.CheckDecided).
// It sends only the allowlisted headers, and the credential in
// Authorization whatever the request carried. After an export starts it
// remembers the export's task and object types (see exportTasks).
//
// Errors: those of FromHTTP for a malformed request; EUpstream when
// HubSpot cannot be reached or the credential cannot be sent, with a
// message that never contains the credential.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no upstream request")
	}
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	out := call.Upstream
	rel, query, err := ep.Relative(out.URL)
	if err != nil {
		return nil, err
	}
	again, err := k.mapRequest(c, ep, request{out.Method, rel, query, out.Header, out.Body})
	if err != nil {
		return nil, err
	}
	if err := connector.CheckDecided(call, again); err != nil {
		return nil, err
	}
	token, err := connector.BearerToken(secret)
	if err != nil {
		return nil, err
	}
	up := again.Upstream
	req, err := ep.NewRequest(ctx, up.Method, up.URL, up.Header, up.Body)
	if err != nil {
		return nil, err
	}
	resp, err := connector.SendBearer(k.httpClient(), req, token)
	if err != nil {
		return nil, err
	}
	if again.Operation.Name == "exports.start" && resp.Status/100 == 2 {
		k.exports.learn(c, again.Resource, resp.Body)
	}
	return resp, nil
}
