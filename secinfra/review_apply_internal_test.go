package secinfra

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/evidence"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/store/sqlite"
	"github.com/aos-dev/aos/vault"
)

// TestReviewer_carryOut_NeverWidens hands the step that applies a plan
// replacements that would reach beyond the old grant, in scope or in
// access: each is refused, and the old grant stands.
func TestReviewer_carryOut_NeverWidens(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	skey, vkey, _ := evidence.GenerateKey("aos-test")
	signer, _ := evidence.NewSigner(skey)
	verifier, _ := evidence.NewVerifier(vkey)
	log, err := evidence.New(evidence.Config{Store: st, Signer: signer, Verifier: verifier, Origin: "aos-test", Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	boss := &aos.Principal{Kind: aos.Owner, Name: "owner", TokenHash: aos.HashToken(aos.NewToken(aos.OwnerTokenPrefix)), CreatedAt: time.Now()}
	if _, err := log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		return []aos.Record{{Kind: "instance.init", Actor: "owner"}}, tx.CreatePrincipal(ctx, boss)
	}); err != nil {
		t.Fatal(err)
	}
	v, _ := vault.New(vault.GenerateKey())
	reg := connector.Registry{"http": rest.New()}
	own := &owner.Service{Store: st, Log: log, Vault: v, Connectors: reg, Now: time.Now}
	_, g, err := own.Connect(ctx, boss, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: "http://127.0.0.1:1",
		Scope: "/v1/contacts", To: "company", Credential: vault.NewSecret([]byte("k"))})
	if err != nil {
		t.Fatal(err)
	}
	r := &Reviewer{Store: st, Log: log, Entries: log, Connectors: reg, Now: time.Now}
	for _, c := range []struct {
		name string
		plan grantPlan
	}{
		{"a scope beside it", grantPlan{scopes: []string{"/v1/notes"}}},
		{"a scope above it", grantPlan{scopes: []string{"/v1"}}},
		{"account-wide", grantPlan{scopes: []string{"*"}}},
		{"a scope not canonical", grantPlan{scopes: []string{"/v1/contacts/"}}},
		{"write on a read grant", grantPlan{access: aos.Write}},
		{"an access that is none", grantPlan{access: "admin"}},
		{"a grant that changed", grantPlan{access: aos.Read, seenScope: "/v1", seenAccess: aos.Write}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.plan
			_, err := log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
				return r.carryOut(ctx, tx, boss, g.ID, &p, time.Now().UTC(), &Applied{})
			})
			if aos.ErrorCode(err) != aos.EConflict {
				t.Fatalf("err %v, want conflict", err)
			}
			var now *aos.Grant
			st.View(ctx, func(tx aos.Tx) (err error) {
				now, err = tx.GrantByID(ctx, g.ID)
				return err
			})
			if now.RevokedAt != nil {
				t.Fatal("the old grant was revoked by a refused narrowing")
			}
		})
	}
}
