package slack

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
	k, c := testConnector(t)
	form := func(name, v string) http.Header {
		h := http.Header{"Content-Type": {formType}}
		if name != "" {
			h.Set(name, v)
		}
		return h
	}
	body := []byte("channel=" + chanGeneral + "&text=hi")
	for name, r := range map[string]connector.HTTPRequest{
		"X-HTTP-Method-Override": {Method: "POST", RawPath: "/api/chat.postMessage", Header: form("X-Http-Method-Override", "GET"), Body: body},
		"X-Forwarded-Host":       {Method: "POST", RawPath: "/api/chat.postMessage", Header: form("X-Forwarded-Host", "evil.example"), Body: body},
		"_method query":          {Method: "POST", RawPath: "/api/chat.postMessage", RawQuery: "_method=GET", Header: form("", ""), Body: body},
		"_method form field":     {Method: "POST", RawPath: "/api/chat.postMessage", Header: form("", ""), Body: append(body, "&_method=GET"...)},
	} {
		t.Run(name, func(t *testing.T) {
			call, err := k.FromHTTP(c, &r)
			if aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("FromHTTP = %+v, %v; want bad_request", call, err)
			}
		})
	}
}
