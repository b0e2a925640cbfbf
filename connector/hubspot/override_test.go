package hubspot

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
	c := testConn(t)
	withHeader := func(name, v string) http.Header {
		h := jsonHeader()
		h.Set(name, v)
		return h
	}
	body := []byte(`{"properties":{"amount":"1"}}`)
	for name, r := range map[string]connector.HTTPRequest{
		"X-HTTP-Method-Override": {Method: "PATCH", RawPath: "/crm/v3/objects/deals/9", Header: withHeader("X-Http-Method-Override", "DELETE"), Body: body},
		"X-Forwarded-Host":       {Method: "PATCH", RawPath: "/crm/v3/objects/deals/9", Header: withHeader("X-Forwarded-Host", "evil.example"), Body: body},
		"_method query":          {Method: "PATCH", RawPath: "/crm/v3/objects/deals/9", RawQuery: "_method=DELETE", Header: jsonHeader(), Body: body},
		"_method JSON member":    {Method: "PATCH", RawPath: "/crm/v3/objects/deals/9", Header: jsonHeader(), Body: []byte(`{"properties":{},"_method":"DELETE"}`)},
	} {
		t.Run(name, func(t *testing.T) {
			call, err := New().FromHTTP(c, &r)
			if aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("FromHTTP = %+v, %v; want bad_request", call, err)
			}
		})
	}
}
