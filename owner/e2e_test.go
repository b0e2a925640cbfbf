package owner_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/internal/gatewaytest"
)

// TestConnect_overHTTP connects through the owner API of a whole instance
// and checks what the owner is told: the credential's breadth and a warning
// that it reaches more than the grant, additive to the connection and grant.
func TestConnect_overHTTP(t *testing.T) {
	in := gatewaytest.Start(t, &payConnector{inspect: secretKey})
	body, _ := json.Marshal(httpapi.ConnectRequest{Type: "pay", Name: "pay", Scope: "refunds", To: "company", Credential: theSecret})
	req, err := http.NewRequest("POST", in.URL+"/v1/owner/connections", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+in.OwnerToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	if strings.Contains(string(raw), "CANARY") {
		t.Errorf("the response holds the secret: %s", raw)
	}
	var res httpapi.ConnectResponse
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if res.Connection == nil || res.Connection.Name != "pay" || res.Grant == nil || res.Grant.Scope != "refunds" {
		t.Errorf("response = %s, want the connection and its grant", raw)
	}
	if res.Breadth == nil || !res.Breadth.AccountWide || res.Breadth.Kind != "secret key" {
		t.Errorf("breadth = %+v, want the secret key's", res.Breadth)
	}
	want := "the credential is a secret key that reaches the whole account and can write; the grant covers refunds only, read-only"
	if len(res.Warnings) != 1 || res.Warnings[0] != want {
		t.Errorf("warnings = %q, want [%q]", res.Warnings, want)
	}
	in.Verify(t)
}
