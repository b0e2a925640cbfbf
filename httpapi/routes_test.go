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

// TestOwnerRoutes_AgentForbidden sends an agent's token, and no token, to
// every owner route: 403 forbidden and 401 unauthenticated, never more.
func TestOwnerRoutes_AgentForbidden(t *testing.T) {
	in := gatewaytest.Start(t, rest.New())
	agent := in.Agent(t, "sneaky", "")
	routes := httpapi.OwnerRoutes()
	if len(routes) < 20 {
		t.Fatalf("only %d owner routes listed", len(routes))
	}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt, " ")
		path = strings.NewReplacer("{name}", "x", "{id}", "x", "{mission}", "x").Replace(path)
		t.Run(rt, func(t *testing.T) {
			for _, c := range []struct {
				token  string
				status int
				code   string
			}{{agent, 403, "forbidden"}, {"", 401, "unauthenticated"}, {"aos_agent_forged", 401, "unauthenticated"}} {
				req, _ := http.NewRequest(method, in.URL+path, strings.NewReader(`{"reason":"x","name":"y"}`))
				if c.token != "" {
					req.Header.Set("Authorization", "Bearer "+c.token)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var body httpapi.ErrorBody
				json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if resp.StatusCode != c.status || body.Error.Code != c.code {
					t.Errorf("token %q: %d %s, want %d %s", c.token, resp.StatusCode, body.Error.Code, c.status, c.code)
				}
			}
		})
	}
	// And the owner's token is not an agent's: it cannot call tools.
	req, _ := http.NewRequest("GET", in.URL+"/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+in.OwnerToken)
	resp, _ := http.DefaultClient.Do(req)
	if resp.StatusCode != 403 {
		t.Fatalf("owner token on an agent route: %d", resp.StatusCode)
	}
}
