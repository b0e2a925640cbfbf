package gateway

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/pii"
	"github.com/aos-dev/aos/vault"
)

// TestGateway_outboundOf: what the memo answers for a request without a
// body is what the scan computes, for the request it was asked about and
// no other; a request with a body is never remembered.
func TestGateway_outboundOf(t *testing.T) {
	v, err := vault.New(vault.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	g := &Gateway{Vault: v}
	const email = "ada.lovelace@customer.example"
	reqs := []*connector.Outbound{
		{Method: "GET", URL: "https://crm.example/v1/contacts?limit=10", Header: http.Header{"Accept": {"application/json"}, "User-Agent": {"bot/1.0"}}},
		{Method: "GET", URL: "https://crm.example/v1/contacts?limit=10", Header: http.Header{"Accept": {"application/json"}, "User-Agent": {"bot for " + email}}},
		{Method: "GET", URL: "https://crm.example/v1/contacts?q=" + email, Header: http.Header{"Accept": {"application/json"}, "User-Agent": {"bot/1.0"}}},
		// The same bytes split another way: values, names.
		{Method: "GET", URL: "https://crm.example/v1/contacts", Header: http.Header{"X-Note": {"ada.lovelace@", "customer.example"}}},
		{Method: "GET", URL: "https://crm.example/v1/contacts", Header: http.Header{"X-Note": {"ada.lovelace@customer.example"}}},
		{Method: "GET", URL: "https://crm.example/v1/contacts", Header: http.Header{"X-Note": {"card 4242 4242 4242 4242"}}},
	}
	for round := range 2 {
		for i, out := range reqs {
			got := g.outboundOf(out, []string{"Authorization"})
			items, unscanned := outboundItems(out, []string{"Authorization"})
			var cands [][]byte
			if len(items) > 0 {
				cands = pii.Candidates(v.MAC, items)
			}
			if !reflect.DeepEqual(got.items, items) || got.unscanned != unscanned || !reflect.DeepEqual(got.cands, cands) {
				t.Fatalf("round %d, request %d: the memo's answer differs from the scan's:\n%+v\n%+v", round, i, got.items, items)
			}
		}
	}
	if len(g.scans.m) != len(reqs) {
		t.Fatalf("%d requests remembered, want %d (each its own key)", len(g.scans.m), len(reqs))
	}
	withBody := &connector.Outbound{Method: "POST", URL: "https://crm.example/v1/notes", Body: []byte(`{"text":"` + email + `"}`),
		Header: http.Header{"Content-Type": {"application/json"}}}
	if scanKey(withBody, nil) != "" {
		t.Fatal("a request with a body has a key")
	}
	g.outboundOf(withBody, nil)
	if len(g.scans.m) != len(reqs) {
		t.Fatal("a request with a body was remembered")
	}
}
