package ga4

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Do sends call upstream and returns the answer.
//
// Data API calls go to the connection's Data API with a bearer access
// token minted from the key (cached; a 401 answer drops it so that the
// next call mints another) and come back as Google answered. sendEvents
// goes to the connection's Measurement Protocol endpoint with the API
// secret of its stream taken from the key, and a 2xx answer becomes 200
// {"sent": true, "property", "measurement_id", "events", "upstream_status"}.
//
// Do trusts nothing in call.Upstream: the call may have been sealed for
// an approval long before, and the connection or key changed since. It
// sends only if the method and URL are exactly those FromCall builds for
// call.Operation on call.Resource, the body is a JSON object that names
// no other property, and, for sendEvents, the key has a stream for the
// measurement ID that belongs to the resource's property and the body
// identifies people only if the facts decided on said so. Otherwise it
// returns EUnknownOperation or EOutOfScope and contacts nobody.
//
// Errors: EUpstream when the key is unusable, the token endpoint refuses
// it or an upstream cannot be reached; ETooLarge for an answer over
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
	op, ok := lookupOperation(call.Operation.Name)
	if !ok || op.Access != call.Operation.Access {
		return nil, aos.Errorf(aos.EUnknownOperation, "the call is not a ga4 operation")
	}
	id, ok := strings.CutPrefix(call.Resource, "property:")
	if !ok || !isPropertyID(id) {
		return nil, aos.Errorf(aos.EOutOfScope, "the call's resource is not a property")
	}
	key, err := parseKey(secret, aos.EUpstream)
	if err != nil {
		return nil, aos.Errorf(aos.EUpstream, "%s; rotate it with `aos keys rotate`", aos.ErrorMessage(err))
	}
	if op.Name == OpSendEvents.Name {
		return k.sendEvents(ctx, ep, key, id, call)
	}
	return k.dataAPI(ctx, c, ep, key, secret, op, id, call.Upstream)
}

// dataAPI re-checks and sends a Data API call.
func (k *Connector) dataAPI(ctx context.Context, c *aos.Connection, ep *endpoint, key *serviceKey, secret vault.Secret,
	op aos.Operation, id string, out *connector.Outbound) (*connector.Response, error) {
	if err := checkDataCall(ep, op, id, out); err != nil {
		return nil, err
	}
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

// checkDataCall checks that out is exactly a Data API request for op on
// property id (see Do).
func checkDataCall(ep *endpoint, op aos.Operation, id string, out *connector.Outbound) error {
	want := http.MethodPost
	if op.Name == OpGetMetadata.Name {
		want = http.MethodGet
	}
	if out.Method != want {
		return aos.Errorf(aos.EUnknownOperation, "the upstream method is not that of %s", op.Name)
	}
	if out.URL != ep.dataURL(op.Name, id) {
		return aos.Errorf(aos.EOutOfScope, "the upstream URL is not the connection's %s of property %s", op.Name, id)
	}
	body := map[string]json.RawMessage{}
	if want == http.MethodPost {
		var err error
		if body, err = decodeObject(out.Body, "the request body"); err != nil {
			return err
		}
		if _, ok := body["property"]; ok {
			return aos.Errorf(aos.EOutOfScope, "the request body names a property")
		}
	} else if len(out.Body) != 0 {
		return connector.BadRequest("getMetadata takes no body")
	}
	return checkDataBody(op, id, body)
}

// sendEvents re-checks and sends a Measurement Protocol call.
func (k *Connector) sendEvents(ctx context.Context, ep *endpoint, key *serviceKey, id string, call *connector.Call) (*connector.Response, error) {
	stream, events, err := checkMPCall(ep, key, id, call)
	if err != nil {
		return nil, err
	}
	out := call.Upstream
	req, err := newRequest(ctx, http.MethodPost, out.URL+"&api_secret="+url.QueryEscape(stream.APISecret), out.Body)
	if err != nil {
		return nil, err
	}
	resp, err := connector.Send(k.httpClient(), req, stream.APISecret, url.QueryEscape(stream.APISecret))
	if err != nil || resp.Status/100 != 2 {
		return resp, err
	}
	b, _ := json.Marshal(map[string]any{"sent": true, "property": id, "measurement_id": stream.MeasurementID,
		"events": events, "upstream_status": resp.Status})
	return &connector.Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: b}, nil
}

// checkMPCall checks a sendEvents call against the key and the facts
// (see Do) and returns the stream to send to and the number of events.
func checkMPCall(ep *endpoint, key *serviceKey, id string, call *connector.Call) (mpStream, int, error) {
	out := call.Upstream
	u, err := url.Parse(out.URL)
	if err != nil || out.Method != http.MethodPost {
		return mpStream{}, 0, aos.Errorf(aos.EOutOfScope, "the upstream request is not a Measurement Protocol send")
	}
	mid := u.Query().Get("measurement_id")
	if !measurementIDRE.MatchString(mid) || out.URL != ep.collectURL(mid) {
		return mpStream{}, 0, aos.Errorf(aos.EOutOfScope, "the upstream URL is not the connection's Measurement Protocol endpoint")
	}
	stream, ok := key.stream(mid)
	switch {
	case !ok:
		return mpStream{}, 0, aos.Errorf(aos.EOutOfScope, "measurement ID %s is not connected: the connection's key carries no "+
			"Measurement Protocol API secret for it (measurement_protocol in the key file)", mid)
	case stream.Property != id:
		return mpStream{}, 0, aos.Errorf(aos.EOutOfScope, "measurement ID %s belongs to property %s, not %s", mid, stream.Property, id)
	}
	obj, err := decodeObject(out.Body, "the request body")
	if err != nil {
		return mpStream{}, 0, err
	}
	if err := checkEvents(obj); err != nil {
		return mpStream{}, 0, err
	}
	for name := range obj {
		if !slices.Contains(mpFields, name) {
			return mpStream{}, 0, aos.Errorf(aos.EOutOfScope, "the body has a member that was not decided on")
		}
	}
	if identifiesPeople(obj, out.Body) && !call.Facts.Share {
		return mpStream{}, 0, aos.Errorf(aos.EOutOfScope, "the events identify people, which was not what was authorised")
	}
	var events []json.RawMessage
	json.Unmarshal(obj["events"], &events)
	return stream, len(events), nil
}

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
