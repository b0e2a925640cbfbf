package ga4

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Do sends call upstream as it was decided on, byte for byte, and
// returns the answer. It does not map the request again: FromCall and
// FromHTTP built call.Upstream (and, for sendEvents, what Do needs of it
// in call.Parsed), and a call sealed for an approval is read again by
// connector.Recheck before it is sent. It still never sends elsewhere
// than the connection's Data API or Measurement Protocol endpoint
// (EOutOfScope).
//
// Data API calls go with a bearer access token minted from the key
// (cached; a 401 answer drops it so that the next call mints another) and
// come back as Google answered. sendEvents goes with the API secret of
// its stream taken from the key, which must have a stream for the
// measurement ID that belongs to the call's property (else EOutOfScope,
// and nobody is contacted); a 2xx answer becomes 200 {"sent": true,
// "property", "measurement_id", "events", "upstream_status"}.
//
// Errors: EInternal for a sendEvents call the connector did not map;
// EUpstream when the key is unusable, the token endpoint refuses it or an
// upstream cannot be reached; ETooLarge for an answer over
// connector.MaxBody. Messages never contain the key, a token or an API
// secret.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no upstream request")
	}
	id, ok := strings.CutPrefix(call.Resource, "property:")
	if !ok || !isPropertyID(id) {
		return nil, aos.Errorf(aos.EOutOfScope, "the call's resource is not a property")
	}
	key, err := parseKey(secret, aos.EUpstream)
	if err != nil {
		return nil, aos.Errorf(aos.EUpstream, "%s; rotate it with `aos keys rotate`", aos.ErrorMessage(err))
	}
	if call.Operation.Name == OpSendEvents.Name {
		mp, ok := call.Parsed.(*mpSend)
		if !ok {
			return nil, aos.Errorf(aos.EInternal, "the call was not mapped by the ga4 connector")
		}
		return k.sendEvents(ctx, ep, key, id, mp, call.Upstream)
	}
	if !strings.HasPrefix(call.Upstream.URL, ep.data+"/") {
		return nil, aos.Errorf(aos.EOutOfScope, "the upstream URL is not the connection's Data API")
	}
	return k.dataAPI(ctx, c, key, secret, call.Upstream)
}

// dataAPI sends a Data API call.
func (k *Connector) dataAPI(ctx context.Context, c *aos.Connection, key *serviceKey, secret vault.Secret, out *connector.Outbound) (*connector.Response, error) {
	ck := keyOf(c, secret)
	token, err := k.tokens.token(ctx, ck, key, secret, k.httpClient())
	if err != nil {
		return nil, err
	}
	req, err := newRequest(ctx, out.Method, out.URL, out.Body)
	if err != nil {
		return nil, err
	}
	resp, err := connector.SendBearer(k.httpClient(), req, token)
	if err == nil && resp.Status == http.StatusUnauthorized {
		k.tokens.forget(ck)
	}
	return resp, err
}

// sendEvents sends a Measurement Protocol call to the stream of mp's
// measurement ID, with its API secret, if the key has that stream and it
// belongs to property id.
func (k *Connector) sendEvents(ctx context.Context, ep *endpoint, key *serviceKey, id string, mp *mpSend, out *connector.Outbound) (*connector.Response, error) {
	mid := mp.measurementID
	if out.URL != ep.collectURL(mid) {
		return nil, aos.Errorf(aos.EOutOfScope, "the upstream URL is not the connection's Measurement Protocol endpoint")
	}
	stream, ok := key.stream(mid)
	switch {
	case !ok:
		return nil, aos.Errorf(aos.EOutOfScope, "measurement ID %s is not connected: the connection's key carries no "+
			"Measurement Protocol API secret for it (measurement_protocol in the key file)", mid)
	case stream.Property != id:
		return nil, aos.Errorf(aos.EOutOfScope, "measurement ID %s belongs to property %s, not %s", mid, stream.Property, id)
	}
	req, err := newRequest(ctx, http.MethodPost, out.URL+"&api_secret="+url.QueryEscape(stream.APISecret), out.Body)
	if err != nil {
		return nil, err
	}
	resp, err := connector.Send(k.httpClient(), req, stream.APISecret, url.QueryEscape(stream.APISecret))
	if err != nil || resp.Status/100 != 2 {
		return resp, err
	}
	b, _ := json.Marshal(map[string]any{"sent": true, "property": id, "measurement_id": mid,
		"events": mp.events, "upstream_status": resp.Status})
	return &connector.Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: b}, nil
}

// SendsDecided marks the connector as a connector.DecidedSender.
func (k *Connector) SendsDecided() {}

// newRequest builds an upstream request with a JSON body, if any.
func newRequest(ctx context.Context, method, target string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "cannot build the upstream request")
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	} else {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}
