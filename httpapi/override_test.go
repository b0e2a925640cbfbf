package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// TestProxy_MethodOverride is the reproduction of a POST that carried
// X-HTTP-Method-Override: DELETE under a write grant, past the production
// approval point its connection's operation file holds DELETE at: every
// override header and _method parameter is now a 400 bad_request naming
// it, and the upstream receives nothing.
func TestProxy_MethodOverride(t *testing.T) {
	up := &upstreamRecorder{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	in := gatewaytest.Start(t, rest.New())
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: srv.URL, Scope: "/", To: "company", Write: true,
		Credential: vault.NewSecret([]byte("upstream-secret")),
		Config: []byte(`operations:
  - {name: items.update, method: POST, path: '/v1/items/{id}', access: write}
  - {name: items.delete, method: DELETE, path: '/v1/items/{id}', access: write, points: [production]}
`)})
	token := in.Agent(t, "bot", "")
	tests := []struct {
		name, header, query, body, naming string
	}{
		{name: "X-HTTP-Method-Override", header: "X-HTTP-Method-Override", naming: "X-Http-Method-Override"},
		{name: "X-Original-URL", header: "X-Original-URL", naming: "X-Original-Url"},
		{name: "X-Rewrite-URL", header: "X-Rewrite-URL", naming: "X-Rewrite-Url"},
		{name: "X-Host", header: "X-Host", naming: "X-Host"},
		{name: "X-Original-Host", header: "X-Original-Host", naming: "X-Original-Host"},
		{name: "X-HTTP-Host-Override", header: "X-HTTP-Host-Override", naming: "X-Http-Host-Override"},
		{name: "X-Forwarded-Host", header: "X-Forwarded-Host", naming: "X-Forwarded-Host"},
		{name: "_method query", query: "_method=DELETE", naming: `"_method"`},
		{name: "_method form", body: "_method=DELETE", naming: `"_method"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := in.URL + "/v1/proxy/crm/v1/items/42"
			if tt.query != "" {
				target += "?" + tt.query
			}
			req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.header != "" {
				req.Header.Set(tt.header, "DELETE")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			json.Unmarshal(raw, &body)
			if resp.StatusCode != http.StatusBadRequest || body.Error.Code != "bad_request" || !strings.Contains(body.Error.Message, tt.naming) {
				t.Fatalf("status %d, %s; want 400 bad_request naming %s", resp.StatusCode, raw, tt.naming)
			}
			if n := len(up.requests()); n != 0 {
				t.Fatalf("the upstream received %d requests", n)
			}
		})
	}
}
