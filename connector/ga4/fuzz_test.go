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
// accepts passes Do's own checks: the policy decides on exactly what
// would be sent.
func FuzzFromCall(f *testing.F) {
	f.Add("runReport", `{"property":"42","dimensions":[{"name":"country"}],"metrics":[{"name":"sessions"}]}`)
	f.Add("batchRunReports", `{"property":"properties/42","requests":[{"property":"42"},{}]}`)
	f.Add("getMetadata", `{"property":"0"}`)
	f.Add("sendEvents", `{"property":"42","measurement_id":"G-ABC1234","client_id":"1.2","user_id":"u","events":[{"name":"x","params":{"e":"a\u0040b.co"}}]}`)
	c := &aos.Connection{Name: "analytics", BaseURL: "http://127.0.0.1:1?mp=http://127.0.0.1:2"}
	ep, _ := parseEndpoint(c.BaseURL)
	f.Fuzz(func(t *testing.T, op, args string) {
		call, err := New().FromCall(c, op, json.RawMessage(args))
		if err != nil {
			return
		}
		checkAccepted(t, ep, call)
	})
}

// FuzzFromHTTP does the same for proxied requests.
func FuzzFromHTTP(f *testing.F) {
	f.Add("POST", "/v1beta/properties/42:runReport", "$alt=json;enum-encoding=int", `{"property":"properties/42"}`)
	f.Add("GET", "/v1beta/properties/42/metadata", "", "")
	f.Add("POST", "/v1beta/properties/42%3AbatchRunReports", "", `{"requests":[{}]}`)
	c := &aos.Connection{Name: "analytics"}
	ep, _ := parseEndpoint("")
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		call, err := New().FromHTTP(c, &connector.HTTPRequest{Method: method, RawPath: path, RawQuery: query,
			Header: http.Header{}, Body: []byte(body)})
		if err != nil {
			return
		}
		checkAccepted(t, ep, call)
	})
}

func checkAccepted(t *testing.T, ep *endpoint, call *connector.Call) {
	t.Helper()
	id, ok := strings.CutPrefix(call.Resource, "property:")
	if !ok || !isPropertyID(id) || !Covers("*", call.Resource) {
		t.Fatalf("resource %q", call.Resource)
	}
	if call.Operation.Name == OpSendEvents.Name {
		u := call.Upstream.URL
		mid := u[strings.LastIndex(u, "=")+1:]
		key := &serviceKey{MeasurementProtocol: []mpStream{{Property: id, MeasurementID: mid, APISecret: "s"}}}
		if _, _, err := checkMPCall(ep, key, id, call); err != nil {
			t.Fatalf("checkMPCall refuses what FromCall built: %v\n%s", err, call.Upstream.Body)
		}
		return
	}
	if err := checkDataCall(ep, call.Operation, id, call.Upstream); err != nil {
		t.Fatalf("checkDataCall refuses what was built: %v\n%+v", err, call.Upstream)
	}
}
