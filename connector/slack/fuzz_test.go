package slack

import (
	"net/http"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// FuzzCheckScope checks that a canonical scope is a fixed point and, as a
// resource, covered by itself and by "*".
func FuzzCheckScope(f *testing.F) {
	for _, s := range []string{"*", "channel:C0123ABCD", "channel:G0123ABCD, C0123ABCD", "channel:", "channel:#x", "self"} {
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
		if !Covers(canon, canon) || !Covers("*", canon) || !Covers(canon, Self) {
			t.Fatalf("%q does not cover what it should", canon)
		}
	})
}

// FuzzFromHTTP checks that mapping never panics and that Do's own parse of
// the outbound request agrees with FromHTTP: the same method on the same
// conversations.
func FuzzFromHTTP(f *testing.F) {
	f.Add("POST", "/api/chat.postMessage", "", formType, "channel=C0GENERAL&text=hi")
	f.Add("POST", "/api/chat.postMessage", "", "application/json", `{"channel":"C0GENERAL","text":"hi"}`)
	f.Add("GET", "/api/conversations.history", "channel=C0GENERAL", "", "")
	f.Add("POST", "/api/files.upload", "", "multipart/form-data; boundary=BB",
		"--BB\r\nContent-Disposition: form-data; name=\"channels\"\r\n\r\nC0GENERAL,C0PARTNER\r\n--BB--\r\n")
	f.Add("POST", "/api/files.completeUploadExternal", "channels=C0GENERAL", formType, `files=[{"id":"F1"}]`)
	k, c := testConnector(f)
	ep, _, _ := settings(c)
	f.Fuzz(func(t *testing.T, verb, path, query, ctype, body string) {
		h := http.Header{}
		if ctype != "" {
			h.Set("Content-Type", ctype)
		}
		call, err := k.FromHTTP(c, &connector.HTTPRequest{Method: verb, RawPath: path, RawQuery: query, Header: h, Body: []byte(body)})
		if err != nil {
			if aos.ErrorCode(err) == aos.EInternal {
				t.Fatalf("internal error: %v", err)
			}
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
		name, err := methodName(rel, "")
		if err != nil {
			t.Fatalf("the upstream path %q: %v", rel, err)
		}
		p, err := parse(out.Method, name, q, out.Header, out.Body)
		if err != nil || p.name != call.Operation.Name || p.resource != call.Resource {
			t.Fatalf("Do would read %s %s as %+v, %v; FromHTTP read %s on %s", verb, path, p, err, call.Operation.Name, call.Resource)
		}
	})
}
