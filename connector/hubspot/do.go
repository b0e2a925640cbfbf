package hubspot

import (
	"context"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Do sends call upstream as it was decided on, byte for byte, with the
// token as a bearer token in Authorization whatever the request carried,
// and returns the answer, of any status; a 3xx comes back as sent, never
// followed. It does not map the request again: FromHTTP and FromCall
// built call.Upstream from the allowlisted headers only, and a call sealed
// for an approval is read again by connector.Recheck before it is sent.
// It still never sends outside the connection's base URL (EOutOfScope).
// After an export starts it remembers the export's task and object types
// (see exportTasks).
//
// Errors: EUpstream when HubSpot cannot be reached or the credential
// cannot be sent, with a message that never contains the credential.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no upstream request")
	}
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	up := call.Upstream
	if _, _, err := ep.Relative(up.URL); err != nil {
		return nil, err
	}
	token, err := connector.BearerToken(secret)
	if err != nil {
		return nil, err
	}
	req, err := ep.NewRequest(ctx, up.Method, up.URL, up.Header, up.Body)
	if err != nil {
		return nil, err
	}
	resp, err := connector.SendBearer(k.httpClient(), req, token)
	if err != nil {
		return nil, err
	}
	if call.Operation.Name == "exports.start" && resp.Status/100 == 2 {
		k.exports.learn(c, call.Resource, resp.Body)
	}
	return resp, nil
}

// SendsDecided marks the connector as a connector.DecidedSender.
func (k *Connector) SendsDecided() {}
