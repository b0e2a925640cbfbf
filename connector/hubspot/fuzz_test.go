package hubspot

import (
	"net/http"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// FuzzCheckScope checks that a canonical scope is a fixed point and, as a
// resource, covered by itself and by "*".
func FuzzCheckScope(f *testing.F) {
	for _, s := range []string{"*", "object:contacts", "object:0-1,Company", "object:p_cars,2-12", "object:", "contacts", "object:a,,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, scope string) {
		canon, err := CheckScope(scope)
		if err != nil {
			return
		}
		if again, err := CheckScope(canon); err != nil || again != canon {
			t.Fatalf("CheckScope(%q) = %q, then %q, %v", scope, canon, again, err)
		}
		if !Covers(canon, canon) || !Covers("*", canon) || Covers(canon, "*") != (canon == "*") {
			t.Fatalf("%q does not cover itself as it should", canon)
		}
	})
}

// FuzzFromHTTP checks that mapping never panics, and that whatever FromHTTP
// accepts, Do's own re-mapping of the outbound request agrees with: the
// same operation on the same resource.
func FuzzFromHTTP(f *testing.F) {
	f.Add("GET", "/crm/v3/objects/contacts/1", "associations=companies", "", "")
	f.Add("POST", "/crm/v3/objects/Contact", "", "application/json", `{"properties":{},"associations":[{}]}`)
	f.Add("POST", "/crm/v3/exports/export/async", "", "application/json", `{"objectType":"CONTACT","associatedObjectType":["0-2"]}`)
	f.Add("PUT", "/crm/v4/objects/contact/1/associations/default/company/2", "", "", "")
	f.Add("GET", "/crm/v3/objects/a%20b/%2e%2e", "", "", "")
	f.Add("POST", "/crm/v3/imports", "", "multipart/form-data; boundary=X",
		"--X\r\nContent-Disposition: form-data; name=\"importRequest\"\r\n\r\n{\"importOperations\":{\"0-1\":\"CREATE\"}}\r\n--X--\r\n")
	k := New()
	c := &aos.Connection{ID: 1, Name: "crm"}
	k.Configure(c)
	ep, _ := settings(c)
	f.Fuzz(func(t *testing.T, method, path, query, ctype, body string) {
		h := http.Header{}
		if ctype != "" {
			h.Set("Content-Type", ctype)
		}
		call, err := k.FromHTTP(c, &connector.HTTPRequest{Method: method, RawPath: path, RawQuery: query, Header: h, Body: []byte(body)})
		if err != nil {
			return
		}
		if !Covers("*", call.Resource) {
			t.Fatalf("resource %q is not in the resource syntax", call.Resource)
		}
		out := call.Upstream
		rel, q, err := ep.Relative(out.URL)
		if err != nil {
			t.Fatalf("the upstream URL %q is not under the base URL: %v", out.URL, err)
		}
		again, err := k.mapRequest(c, ep, request{out.Method, rel, q, out.Header, out.Body})
		if err != nil || again.Operation.Name != call.Operation.Name || again.Resource != call.Resource {
			t.Fatalf("Do would read %s %s as %+v, %v; FromHTTP read %s on %s", method, path, again, err, call.Operation.Name, call.Resource)
		}
	})
}
