package secinfra_test

import (
	"context"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// TestReview_Audiences checks who may do what with the review: auditors
// read it and nothing more, security-infra agents read and apply, other
// agents neither, and only the owner dismisses.
func TestReview_Audiences(t *testing.T) {
	in := start(t)
	ctx := context.Background()
	_, g, err := in.owner.Connect(ctx, in.boss, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: "http://127.0.0.1:1",
		Scope: "/v1", To: "company", Credential: vault.NewSecret([]byte("k"))})
	if err != nil {
		t.Fatal(err)
	}
	auditor := aos.NewToken(aos.AuditorTokenPrefix)
	if _, err := in.log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		return []aos.Record{{Kind: "auditor.add", Actor: "owner", Subject: "audit"}}, tx.CreatePrincipal(ctx,
			&aos.Principal{Kind: aos.Auditor, Name: "audit", TokenHash: aos.HashToken(auditor), CreatedAt: in.clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	sec := in.agent(t, "warden", "security-infra")
	other := in.agent(t, "nosy", "security")
	in.clock.Advance(91 * 24 * time.Hour)
	apply := `{"findings":["grant-unused/` + g.ID + `"]}`
	dismiss := `{"finding":"grant-unused/` + g.ID + `","reason":"keep"}`
	for _, c := range []struct {
		who, token           string
		read, apply, dismiss int
	}{
		{"auditor", auditor, 200, 403, 403},
		{"agent of another department", other, 403, 403, 403},
		{"security-infra agent", sec, 200, 0, 403},
		{"no token", "", 401, 401, 401},
	} {
		t.Run(c.who, func(t *testing.T) {
			if status, body := do(t, "GET", in.url+"/v1/owner/review", c.token, ""); status != c.read {
				t.Errorf("read: %d %s, want %d", status, body, c.read)
			}
			if c.apply != 0 {
				if status, body := do(t, "POST", in.url+"/v1/owner/review/apply", c.token, apply); status != c.apply {
					t.Errorf("apply: %d %s, want %d", status, body, c.apply)
				}
			}
			if status, body := do(t, "POST", in.url+"/v1/owner/review/dismiss", c.token, dismiss); status != c.dismiss {
				t.Errorf("dismiss: %d %s, want %d", status, body, c.dismiss)
			}
		})
	}
	// Nothing above changed the grant; the owner's dismissal works.
	if status, body := do(t, "POST", in.url+"/v1/owner/review/dismiss", in.token, dismiss); status != 200 {
		t.Fatalf("owner dismiss: %d %s", status, body)
	}
	in.verify(t)
}
