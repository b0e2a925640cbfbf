package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/internal/gatewaytest"
)

// TestUnknownRoutes checks that a path no route serves is 404 not_found,
// and a served path asked with another method is 405 method_not_allowed
// with an Allow header, both in the JSON error body, never plain text.
func TestUnknownRoutes(t *testing.T) {
	in := gatewaytest.Start(t, rest.New())
	agent := in.Agent(t, "lost", "")
	for _, c := range []struct {
		method, path, token string
		status              int
		code, allow         string
	}{
		{"GET", "/nowhere", "", 404, "not_found", ""},
		{"GET", "/v1/owner/nothing", in.OwnerToken, 404, "not_found", ""},
		{"POST", "/v1/whoamI", agent, 404, "not_found", ""},
		{"GET", "/", "", 404, "not_found", ""},
		{"DELETE", "/v1/whoami", agent, 405, "method_not_allowed", "GET, HEAD"},
		{"GET", "/v1/call", agent, 405, "method_not_allowed", "POST"},
		{"PUT", "/healthz", "", 405, "method_not_allowed", "GET, HEAD"},
		{"PATCH", "/v1/owner/caps", in.OwnerToken, 405, "method_not_allowed", "GET, HEAD, PUT"},
		{"POST", "/v1/owner/grants/g_1", in.OwnerToken, 405, "method_not_allowed", "DELETE"},
	} {
		req, _ := http.NewRequest(c.method, in.URL+c.path, strings.NewReader(`{}`))
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body httpapi.ErrorBody
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != c.status || body.Error.Code != c.code || body.Error.Message == "" ||
			resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d %q %+v (decode: %v), Allow %q; want %d %s, Allow %q", c.method, c.path,
				resp.StatusCode, resp.Header.Get("Content-Type"), body, err, resp.Header.Get("Allow"), c.status, c.code, c.allow)
		}
	}
}
