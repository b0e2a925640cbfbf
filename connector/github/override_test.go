package github

import (
	"net/http"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// TestConnector_FromHTTP_overrides checks that a method, URL or host
// override, in a header, the query or the body, is refused rather than
// dropped or forwarded.
func TestConnector_FromHTTP_overrides(t *testing.T) {
	c := testConn()
	jsonType := http.Header{"Content-Type": {"application/json"}}
	for name, r := range map[string]connector.HTTPRequest{
		"X-HTTP-Method-Override": {Method: "GET", RawPath: "/repos/acme/app", Header: http.Header{"X-Http-Method-Override": {"DELETE"}}},
		"X-Forwarded-Host":       {Method: "GET", RawPath: "/repos/acme/app", Header: http.Header{"X-Forwarded-Host": {"evil.example"}}},
		"X-Original-URL":         {Method: "GET", RawPath: "/repos/acme/app", Header: http.Header{"X-Original-Url": {"/orgs/acme"}}},
		"_method query":          {Method: "GET", RawPath: "/repos/acme/app", RawQuery: "_method=DELETE"},
		"_method JSON member":    {Method: "PATCH", RawPath: "/repos/acme/app/issues/1", Header: jsonType, Body: []byte(`{"title": "x", "_method": "DELETE"}`)},
	} {
		t.Run(name, func(t *testing.T) {
			call, err := New().FromHTTP(c, &r)
			if aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("FromHTTP = %+v, %v; want bad_request", call, err)
			}
		})
	}
}
