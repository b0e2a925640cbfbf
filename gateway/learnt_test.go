package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// TestGateway_LearntAfterRememberedAbsent: a value the gateway has looked
// up and remembered as no customer's (so that calls carrying it need not
// read the store) is held at customer-data once a read from a system of
// record teaches it: learning empties what was remembered.
func TestGateway_LearntAfterRememberedAbsent(t *testing.T) {
	clk := &clock{t: time.Now()}
	in := gatewaytest.New(t, gatewaytest.WithConnectors(rest.New()), gatewaytest.WithClock(clk.Now))
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id": 7, "name": "Grace Hopper", "email": "`+customer+`"}`)
	}))
	t.Cleanup(crm.Close)
	notes := &upstreamLog{}
	notesSrv := httptest.NewServer(notes)
	t.Cleanup(notesSrv.Close)
	agent := in.Agent(t, "writer", "ops")
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", Scope: "/", To: "company", BaseURL: crm.URL, HoldsCustomerData: true,
		Credential: vault.NewSecret([]byte("crm-key-1234567890"))})
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "notes", Scope: "/", To: "company", Write: true, BaseURL: notesSrv.URL,
		Credential: vault.NewSecret([]byte("notes-key-1234567890"))})
	do := func(method, path string) (int, string) {
		t.Helper()
		status, body := in.Do(t, agent, method, path, nil, "")
		return status, string(body)
	}
	note := "/v1/proxy/notes/v1/notes?text=follow+up+with+" + strings.ReplaceAll(customer, "@", "%40")
	for i := range 3 {
		if status, body := do("POST", note); status != 200 {
			t.Fatalf("note %d, before the CRM was read: %d %s", i, status, body)
		}
		clk.Advance(2 * time.Second) // well past the log's first batch
	}
	if status, body := do("GET", "/v1/proxy/crm/contacts/7"); status != 200 {
		t.Fatalf("reading the CRM: %d %s", status, body)
	}
	if status, body := do("POST", note); status != 202 || !strings.Contains(body, `"customer-data"`) {
		t.Fatalf("the note after the CRM taught the value: %d %s; want 202 held at customer-data", status, body)
	}
	if notes.count() != 3 {
		t.Fatalf("the notes API saw %d calls, want 3", notes.count())
	}
}
