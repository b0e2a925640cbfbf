package ga4

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// maxEvents is the Measurement Protocol's limit of events per request.
const maxEvents = 25

// mpFields are the members of a Measurement Protocol body the connector
// forwards. Any other is refused, so that nothing the facts were not
// read from reaches Google (its parser may accept other spellings).
var mpFields = []string{
	"client_id", "user_id", "timestamp_micros", "user_properties", "consent",
	"non_personalized_ads", "user_data", "user_location", "device", "ip_override", "events",
}

// identifying are the members that identify a person by themselves.
var identifying = []string{"user_id", "user_data", "ip_override"}

// emailRE finds something that looks like an email address.
var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

// mpCall builds a sendEvents call from the args less "property": the
// body is re-encoded from the members read, so that what the facts were
// read from, what the gateway scans and what is sent are one thing.
func mpCall(ep *endpoint, id string, obj map[string]json.RawMessage) (*connector.Call, error) {
	var mid string
	if json.Unmarshal(obj["measurement_id"], &mid) != nil || !measurementIDRE.MatchString(mid) {
		return nil, connector.BadRequest("args.measurement_id is required: the web stream's measurement ID, such as G-ABC123")
	}
	delete(obj, "measurement_id")
	for name := range obj {
		if !slices.Contains(mpFields, name) {
			return nil, connector.BadRequest("args.%s is not a Measurement Protocol field the connector forwards (fields: property, measurement_id, %s)",
				clip(name), strings.Join(mpFields, ", "))
		}
	}
	if err := checkEvents(obj); err != nil {
		return nil, err
	}
	var events []json.RawMessage
	json.Unmarshal(obj["events"], &events) // checked by checkEvents
	body, _ := json.Marshal(obj)
	return &connector.Call{
		Operation: OpSendEvents,
		Resource:  Resource(id),
		Facts:     aos.Facts{Share: identifiesPeople(obj, body)},
		Upstream: &connector.Outbound{
			Method: http.MethodPost, URL: ep.collectURL(mid),
			Header: http.Header{"Content-Type": {"application/json"}}, Body: body,
		},
		Parsed: &mpSend{measurementID: mid, events: len(events)},
	}, nil
}

// mpSend is what Do needs of a sendEvents call (call.Parsed): the
// stream's measurement ID, whose API secret it adds, and the number of
// events, which its answer reports.
type mpSend struct {
	measurementID string
	events        int
}

// rereadMP maps a decided sendEvents call again from its upstream
// request to the connection's Measurement Protocol endpoint (rawQuery is
// the URL's query) and the property it was decided on, which the request
// does not name: Do checks that the key's stream belongs to it.
func rereadMP(ep *endpoint, decided *connector.Call, rawQuery string) (*connector.Call, error) {
	out := decided.Upstream
	q, err := url.ParseQuery(rawQuery)
	mid := q.Get("measurement_id")
	if err != nil || out.Method != http.MethodPost || !measurementIDRE.MatchString(mid) || out.URL != ep.collectURL(mid) {
		return nil, aos.Errorf(aos.EOutOfScope, "the upstream request is not a send to the connection's Measurement Protocol endpoint")
	}
	id, ok := strings.CutPrefix(decided.Resource, "property:")
	if !ok || !isPropertyID(id) {
		return nil, aos.Errorf(aos.EOutOfScope, "the call's resource is not a property")
	}
	obj, err := decodeObject(out.Body, "the request body")
	if err != nil {
		return nil, err
	}
	obj["measurement_id"], _ = json.Marshal(mid)
	return mpCall(ep, id, obj)
}

// checkEvents requires a client_id and 1 to 25 named events.
func checkEvents(obj map[string]json.RawMessage) error {
	var cid string
	if json.Unmarshal(obj["client_id"], &cid) != nil || cid == "" {
		return connector.BadRequest("args.client_id is required: the pseudonymous ID of the browser (the _ga cookie's value)")
	}
	var events []struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(obj["events"], &events) != nil || len(events) == 0 {
		return connector.BadRequest("args.events is required: a list of {\"name\": ..., \"params\": {...}}")
	}
	if len(events) > maxEvents {
		return connector.BadRequest("args.events has %d events; the Measurement Protocol takes at most %d per request", len(events), maxEvents)
	}
	for i, e := range events {
		if e.Name == "" {
			return connector.BadRequest("args.events[%d].name is required", i)
		}
	}
	return nil
}

// identifiesPeople reports whether a Measurement Protocol body carries
// identifiers of people: user_id, user_data or ip_override that is not
// null or empty, or an email address anywhere in it.
func identifiesPeople(obj map[string]json.RawMessage, body []byte) bool {
	for _, name := range identifying {
		if v, ok := obj[name]; ok && !isEmpty(v) {
			return true
		}
	}
	return emailRE.Match(unescapedText(body))
}

// isEmpty reports whether a JSON value is null, "", {} or [].
func isEmpty(v json.RawMessage) bool {
	switch s := strings.TrimSpace(string(v)); s {
	case "null", `""`, "{}", "[]":
		return true
	}
	return false
}

// unescapedText returns the body's string values and numbers, with JSON
// escapes undone, so that "ada\u0040example.com" is seen as an address.
func unescapedText(body []byte) []byte {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return body
	}
	var b []byte
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case string:
			b = append(append(b, t...), ' ')
		case map[string]any:
			for k, y := range t {
				b = append(append(b, k...), ' ')
				walk(y)
			}
		case []any:
			for _, y := range t {
				walk(y)
			}
		}
	}
	walk(v)
	return b
}
