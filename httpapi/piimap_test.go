package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/pii"
	"github.com/aos-dev/aos/secinfra"
)

// TestPIIMap_Access checks who may read the flow map, and that a subject is
// asked about in the body and never echoed: the owner, auditors and agents
// of the security-infra department read it; any other agent is refused
// (TestOwnerRoutes_AgentForbidden covers every owner route too).
func TestPIIMap_Access(t *testing.T) {
	in := gatewaytest.Start(t, rest.New())
	sec := in.Agent(t, "watch", "security-infra")
	other := in.Agent(t, "growth", "marketing")
	mac := in.Gateway.Vault.MAC
	auditor := aos.NewToken(aos.AuditorTokenPrefix)
	err := in.Store.Update(context.Background(), func(tx aos.Tx) error {
		err := tx.CreatePrincipal(context.Background(), &aos.Principal{Kind: aos.Auditor, Name: "audit",
			TokenHash: aos.HashToken(auditor), CreatedAt: time.Now()})
		if err != nil {
			return err
		}
		return tx.AddFlow(context.Background(), &aos.Flow{ID: "fl_1", Source: "crm", Destination: "mail",
			Resource: "/send", Categories: []string{"email"}, Count: 1, At: time.Now(), ApprovalID: "ap_1",
			Subjects: pii.Subject(mac, "alice@example.com")})
	})
	if err != nil {
		t.Fatal(err)
	}
	do := func(t *testing.T, token, method, body string) (int, string) {
		t.Helper()
		path, _ := strings.CutPrefix(method, "GET ")
		if path != method {
			method = "GET"
		} else {
			path = ""
		}
		status, b := in.Do(t, token, method, "/v1/owner/pii-map"+path, nil, body)
		return status, string(b)
	}
	for _, c := range []struct {
		name, token, method, body string
		status                    int
		edges                     int
	}{
		{"owner reads the map", in.OwnerToken, "GET", "", 200, 1},
		{"security-infra reads the map", sec, "GET", "", 200, 1},
		{"an auditor reads the map", auditor, "GET", "", 200, 1},
		{"an auditor follows a subject", auditor, "POST", `{"subject":"alice@example.com"}`, 200, 1},
		{"security-infra follows a subject", sec, "POST", `{"subject":"alice@example.com"}`, 200, 1},
		{"an unknown subject maps nowhere", sec, "POST", `{"subject":"carol@example.com"}`, 200, 0},
		{"another department is refused", other, "GET", "", 403, -1},
		{"another department cannot follow a subject", other, "POST", `{"subject":"alice@example.com"}`, 403, -1},
		{"a subject is required in a POST", sec, "POST", `{}`, 400, -1},
		{"a subject nothing is learnt as", sec, "POST", `{"subject":"Ada"}`, 400, -1},
		{"unknown fields are refused", sec, "POST", `{"subject":"alice@example.com","x":1}`, 400, -1},
		{"a subject in the URL is refused", sec, "GET ?subject=alice%40example.com", "", 400, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := do(t, c.token, c.method, c.body)
			if status != c.status {
				t.Fatalf("%s: %d %s, want %d", c.method, status, body, c.status)
			}
			if c.edges < 0 {
				return
			}
			var m secinfra.FlowMap
			if err := json.Unmarshal([]byte(body), &m); err != nil {
				t.Fatal(err)
			}
			if len(m.Edges) != c.edges {
				t.Errorf("%d edges, want %d: %s", len(m.Edges), c.edges, body)
			}
			if strings.Contains(body, "alice") || strings.Contains(body, "carol") {
				t.Errorf("the answer quotes a subject: %s", body)
			}
		})
	}
}
