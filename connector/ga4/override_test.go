package ga4_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/ga4"
)

// TestConnector_overrides checks that a method, URL or host override
// header, or a _method member of the body, is refused rather than dropped
// or forwarded, by the proxy and by POST /v1/call.
func TestConnector_overrides(t *testing.T) {
	c := &aos.Connection{Name: "analytics"}
	ga4.New().Configure(c)
	body := []byte(`{"metrics":[{"name":"sessions"}]}`)
	for name, r := range map[string]connector.HTTPRequest{
		"X-HTTP-Method-Override": {Method: "POST", RawPath: "/v1beta/properties/42:runReport", Header: http.Header{"X-Http-Method-Override": {"GET"}}, Body: body},
		"X-Forwarded-Host":       {Method: "POST", RawPath: "/v1beta/properties/42:runReport", Header: http.Header{"X-Forwarded-Host": {"evil.example"}}, Body: body},
		"_method JSON member":    {Method: "POST", RawPath: "/v1beta/properties/42:runReport", Body: []byte(`{"metrics":[],"_method":"GET"}`)},
	} {
		t.Run(name, func(t *testing.T) {
			call, err := ga4.New().FromHTTP(c, &r)
			if aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("FromHTTP = %+v, %v; want bad_request", call, err)
			}
		})
	}
	t.Run("call with a _method member", func(t *testing.T) {
		call, err := ga4.New().FromCall(c, "runReport", json.RawMessage(`{"property": "42", "_method": "GET"}`))
		if aos.ErrorCode(err) != aos.EBadRequest {
			t.Fatalf("FromCall = %+v, %v; want bad_request", call, err)
		}
	})
}
