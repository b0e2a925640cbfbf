package ga4

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// FuzzFromCall checks that whatever args an agent sends, a call FromCall
// accepts, sealed, is read again as the same call (connector.Recheck): an
// approved call is sent as it was decided on.
func FuzzFromCall(f *testing.F) {
	f.Add("runReport", `{"property":"42","dimensions":[{"name":"country"}],"metrics":[{"name":"sessions"}]}`)
	f.Add("batchRunReports", `{"property":"properties/42","requests":[{"property":"42"},{}]}`)
	f.Add("getMetadata", `{"property":"0"}`)
	f.Add("sendEvents", `{"property":"42","measurement_id":"G-ABC1234","client_id":"1.2","user_id":"u","events":[{"name":"x","params":{"e":"a\u0040b.co"}}]}`)
	c := &aos.Connection{Name: "analytics", BaseURL: "http://127.0.0.1:1?mp=http://127.0.0.1:2"}
	f.Fuzz(func(t *testing.T, op, args string) {
		call, err := New().FromCall(c, op, json.RawMessage(args))
		if err != nil {
			return
		}
		checkAccepted(t, c, call)
	})
}

// FuzzFromHTTP does the same for proxied requests.
func FuzzFromHTTP(f *testing.F) {
	f.Add("POST", "/v1beta/properties/42:runReport", "$alt=json;enum-encoding=int", `{"property":"properties/42"}`)
	f.Add("GET", "/v1beta/properties/42/metadata", "", "")
	f.Add("POST", "/v1beta/properties/42%3AbatchRunReports", "", `{"requests":[{}]}`)
	c := &aos.Connection{Name: "analytics"}
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		call, err := New().FromHTTP(c, &connector.HTTPRequest{Method: method, RawPath: path, RawQuery: query,
			Header: http.Header{}, Body: []byte(body)})
		if err != nil {
			return
		}
		checkAccepted(t, c, call)
	})
}

func checkAccepted(t *testing.T, c *aos.Connection, call *connector.Call) {
	t.Helper()
	id, ok := strings.CutPrefix(call.Resource, "property:")
	if !ok || !isPropertyID(id) || !Covers("*", call.Resource) {
		t.Fatalf("resource %q", call.Resource)
	}
	raw, _ := json.Marshal(call.Upstream)
	var out connector.Outbound
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	sealed := &connector.Call{Operation: call.Operation, Resource: call.Resource, Facts: call.Facts, Upstream: &out}
	if err := connector.Recheck(New(), c, sealed); err != nil {
		t.Fatalf("Recheck refuses what was built: %v\n%+v", err, call.Upstream)
	}
	if call.Operation.Name == OpSendEvents.Name && *sealed.Parsed.(*mpSend) != *call.Parsed.(*mpSend) {
		t.Fatalf("read again as %+v; mapped as %+v", sealed.Parsed, call.Parsed)
	}
}
