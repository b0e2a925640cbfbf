package rest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// itemsOps declares a write that does not touch production and a delete
// that does: an override that turned the first into the second would
// skip the production approval point.
const itemsOps = `operations:
  - {name: items.update, method: POST, path: '/v1/items/{id}', access: write}
  - {name: items.delete, method: DELETE, path: '/v1/items/{id}', access: write, points: [production]}
`

func itemsConnection(t *testing.T) *aos.Connection {
	t.Helper()
	c := &aos.Connection{ID: 1, Name: "crm", Type: Type, BaseURL: "https://api.example.com", Config: []byte(itemsOps)}
	if err := New().Configure(c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestConnector_FromHTTP_overrides sends a POST that asks, in every way a
// server or framework honours, to be run as something else: each is
// refused with bad_request naming what was refused, never forwarded and
// never silently dropped.
func TestConnector_FromHTTP_overrides(t *testing.T) {
	c := itemsConnection(t)
	var tests []struct {
		name   string
		req    connector.HTTPRequest
		naming string
	}
	add := func(name string, req connector.HTTPRequest, naming string) {
		req.Method, req.RawPath = "POST", "/v1/items/42"
		tests = append(tests, struct {
			name   string
			req    connector.HTTPRequest
			naming string
		}{name, req, naming})
	}
	for _, h := range []string{"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "x_http_method_override",
		"X-Original-URL", "X-Rewrite-URL", "X-Original-Method", "X-Host", "X-Original-Host", "X-HTTP-Host-Override",
		"X-Forwarded-Host", "X-Forwarded-Prefix", "X-Forwarded-Server", "Forwarded"} {
		add("header "+h, connector.HTTPRequest{Header: http.Header{h: {"DELETE"}}}, http.CanonicalHeaderKey(h))
	}
	add("Forwarded with host=", connector.HTTPRequest{Header: http.Header{"Forwarded": {"for=192.0.2.1;host=evil.example"}}}, "Forwarded")
	for _, q := range []string{"_method=DELETE", "a=1&_METHOD=DELETE", "%5Fmethod=DELETE", "_method[]=DELETE", ".method=DELETE",
		"_HttpMethod=DELETE", "x-http-method-override=DELETE"} {
		add("query "+q, connector.HTTPRequest{RawQuery: q}, "parameter")
	}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	add("form field", connector.HTTPRequest{Header: form, Body: []byte("name=x&_method=delete")}, `"_method"`)
	add("form field, escaped", connector.HTTPRequest{Header: form, Body: []byte("name=x&%5Fmethod=delete")}, `"_method"`)
	jsonType := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	add("JSON member", connector.HTTPRequest{Header: jsonType, Body: []byte(`{"name": "x", "_method": "DELETE"}`)}, `"_method"`)
	multi := http.Header{"Content-Type": {"multipart/form-data; boundary=XX"}}
	add("multipart field", connector.HTTPRequest{Header: multi, Body: []byte("--XX\r\nContent-Disposition: form-data; name=\"_method\"\r\n\r\nDELETE\r\n--XX--\r\n")}, `"_method"`)
	add("multipart that does not parse", connector.HTTPRequest{Header: multi, Body: []byte("--YY\r\n_method=DELETE")}, "multipart")

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call, err := New().FromHTTP(c, &tt.req)
			if aos.ErrorCode(err) != aos.EBadRequest || !strings.Contains(aos.ErrorMessage(err), tt.naming) {
				t.Fatalf("FromHTTP = %+v, %v; want bad_request naming %s", call, err, tt.naming)
			}
		})
	}
}

// TestConnector_FromHTTP_noOverride checks what must still pass: a nested
// or differently named member, a parameter that merely contains the word.
func TestConnector_FromHTTP_noOverride(t *testing.T) {
	c := itemsConnection(t)
	for _, req := range []connector.HTTPRequest{
		{RawQuery: "method=card&payment_method=pm_1"},
		{Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"data": {"_method": "DELETE"}, "method": "x"}`)},
		{Header: http.Header{"Content-Type": {"text/plain"}}, Body: []byte("_method=DELETE")},
		{Header: http.Header{"X-Request-Id": {"r-1"}, "X-Forwarded": {"not an override name"}}},
		// What a reverse proxy in front of aos adds about the client: not
		// refused, and never forwarded.
		{Header: http.Header{"X-Forwarded-For": {"192.0.2.1"}, "X-Forwarded-Proto": {"https"}, "X-Real-Ip": {"192.0.2.1"},
			"Forwarded": {"for=192.0.2.1;proto=https, for=198.51.100.7"}}},
	} {
		req.Method, req.RawPath = "POST", "/v1/items/42"
		call, err := New().FromHTTP(c, &req)
		if err != nil || call.Operation.Name != "items.update" {
			t.Errorf("FromHTTP(%+v) = %v; want items.update", req, err)
			continue
		}
		for name := range call.Upstream.Header {
			if connector.IsOverrideHeader(name) {
				t.Errorf("FromHTTP(%+v) forwards %s", req, name)
			}
		}
	}
}

// TestConnector_FromCall_overrides sends the same overrides through
// POST /v1/call args.
func TestConnector_FromCall_overrides(t *testing.T) {
	c := itemsConnection(t)
	for name, args := range map[string]string{
		"header": `{"path": "/v1/items/42", "headers": {"X-HTTP-Method-Override": "DELETE"}}`,
		"query":  `{"path": "/v1/items/42", "query": "_method=DELETE"}`,
		"body":   `{"path": "/v1/items/42", "body": {"_method": "DELETE"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			call, err := New().FromCall(c, "items.update", json.RawMessage(args))
			if aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("FromCall = %+v, %v; want bad_request", call, err)
			}
		})
	}
}

// TestConnector_Configure_headers adds header names with an operation
// file: those that would frame, route, override or authenticate the
// request are refused when the connection is configured.
func TestConnector_Configure_headers(t *testing.T) {
	tests := []struct {
		auth, headers string
		ok            bool
	}{
		{"", "[X-Tenant, api-version, Idempotency-Key]", true},
		{"header:X-Tenant", "[X-Tenant]", false},
		{"header:X-Tenant", "[x_tenant]", false},
		{"", "[Authorization]", false},
		{"", "[Proxy-Authorization]", false},
		{"", "[Cookie]", false},
		{"", "[X-Api-Key]", false},
		{"", "[X-Auth-Token]", false},
		{"", "[X-Session-Id]", false},
		{"", "[Ocp-Apim-Subscription-Key]", false},
		{"", "[X-HTTP-Method-Override]", false},
		{"", "[X-Forwarded-Host]", false},
		{"", "[Forwarded]", false},
		{"", "[X-Original-URL]", false},
		{"", "[Host]", false},
		{"", "[Content-Length]", false},
		{"", "[Content-Encoding]", false},
		{"", "[Transfer-Encoding]", false},
		{"", "[AOS-Purpose]", false},
		{"", "[X Tenant]", false},
		{"", "[X-Tenant, X-Tenant]", false},
		{"", "[]", false},
	}
	for _, tt := range tests {
		t.Run(tt.auth+" "+tt.headers, func(t *testing.T) {
			c := &aos.Connection{Name: "crm", Type: Type, BaseURL: "https://api.example.com", Auth: tt.auth,
				Config: []byte("headers: " + tt.headers + "\n")}
			err := New().Configure(c)
			if tt.ok != (err == nil) || err != nil && aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("Configure = %v; want ok %v", err, tt.ok)
			}
			if err == nil {
				ops, err := New().DeclaredOperations(c)
				if err != nil || ops != nil {
					t.Fatalf("a file of headers alone declares operations %v, %v", ops, err)
				}
				call, err := New().FromHTTP(c, &connector.HTTPRequest{Method: "DELETE", RawPath: "/v1/x",
					Header: http.Header{"X-Tenant": {"t1"}, "Api-Version": {"2"}}})
				if err != nil || call.Operation.Name != "DELETE" || call.Upstream.Header.Get("X-Tenant") != "t1" || call.Upstream.Header.Get("Api-Version") != "2" {
					t.Fatalf("FromHTTP = %+v, %v; want the method rule and the added headers", call, err)
				}
			}
		})
	}
}
