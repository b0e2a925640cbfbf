package gateway

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/pii"
	"github.com/aos-dev/aos/store/sqlite"
	"github.com/aos-dev/aos/vault"
)

// TestFlowResource_Scrub checks that the resources the flow map keeps hold
// no customer data: a record read by its id is learnt under a resource
// without the id, even on the first read, and a destination path naming a
// learnt customer, or holding a card number, loses that segment while the
// company's own names stay.
func TestFlowResource_Scrub(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := vault.New(vault.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	g := &Gateway{Store: st, Vault: v, Now: time.Now}
	crm := &aos.Connection{Name: "crm", Type: "http", HoldsCustomerData: true}
	resp := &connector.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: []byte(`{"id":"cont_8f2k1x","firstname":"Ada","lastname":"Lovelace","email":"ada@example.com"}`)}
	err = st.Update(ctx, func(tx aos.Tx) error {
		if err := tx.CreateConnection(ctx, crm); err != nil {
			return err
		}
		return g.learn(ctx, tx, crm, "/v1/contacts/cont_8f2k1x", resp)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.View(ctx, func(tx aos.Tx) error {
		fps, err := tx.FindFingerprints(ctx, pii.Subject(v.MAC, "ada@example.com"))
		if err != nil {
			return err
		}
		if len(fps) != 1 || fps[0].Resource != "/v1/contacts/{customer-data}" {
			t.Errorf("learnt fingerprints = %+v, want one under /v1/contacts/{customer-data}", fps)
		}
		for _, c := range []struct{ resource, want string }{
			{"/v3/contacts/ada@example.com/notes", "/v3/contacts/{customer-data}/notes"},
			{"/v3/contacts/ada%40example.com/notes", "/v3/contacts/{customer-data}/notes"},
			{"/v1/deals/cont_8f2k1x", "/v1/deals/{customer-data}"},
			{"/notes/Ada%20Lovelace", "/notes/{customer-data}"},
			{"/pay/4242424242424242", "/pay/{customer-data}"},
			{"from:sales@company.example", "from:sales@company.example"},
			{"/v1/contacts", "/v1/contacts"},
			{"/users/grace@example.org", "/users/grace@example.org"},
			{"", ""},
		} {
			got, err := g.flowResource(ctx, tx, c.resource)
			if err != nil {
				return err
			}
			if got != c.want {
				t.Errorf("flowResource(%q) = %q, want %q", c.resource, got, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
