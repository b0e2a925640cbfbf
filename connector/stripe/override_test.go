package stripe

import (
	"net/http"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// TestConnector_FromHTTP_overrides checks that a method, URL or host
// override, in a header, the query or the form body, is refused rather
// than dropped or forwarded.
func TestConnector_FromHTTP_overrides(t *testing.T) {
	c := conn(t, "")
	form := func(h http.Header) http.Header {
		h.Set("Content-Type", formType)
		return h
	}
	for name, r := range map[string]connector.HTTPRequest{
		"X-HTTP-Method-Override": {Method: "POST", RawPath: "/v1/customers", Header: form(http.Header{"X-Http-Method-Override": {"DELETE"}}), Body: []byte("name=A")},
		"X-Forwarded-Host":       {Method: "POST", RawPath: "/v1/customers", Header: form(http.Header{"X-Forwarded-Host": {"evil.example"}}), Body: []byte("name=A")},
		"_method query":          {Method: "GET", RawPath: "/v1/customers", RawQuery: "_method=DELETE"},
		"_method form field":     {Method: "POST", RawPath: "/v1/customers", Header: form(http.Header{}), Body: []byte("name=A&_method=DELETE")},
	} {
		t.Run(name, func(t *testing.T) {
			call, err := New().FromHTTP(c, &r)
			if aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("FromHTTP = %+v, %v; want bad_request", call, err)
			}
		})
	}
}
