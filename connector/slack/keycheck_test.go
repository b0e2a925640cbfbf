package slack

import (
	"context"
	"strings"
	"testing"

	"github.com/aos-dev/aos/vault"
)

// TestConnector_RevokeKey revokes the token at the fake with auth.revoke,
// then auth.test finds it dead; a wrong token counts as already refused.
func TestConnector_RevokeKey(t *testing.T) {
	ctx := context.Background()
	k, c, f, _ := fakeSlack(t)
	secret := vault.NewSecret([]byte(botToken))
	if live, _, err := k.CheckKey(ctx, c, secret); err != nil || !live {
		t.Fatalf("before revoking: live %v, %v", live, err)
	}
	detail, err := k.RevokeKey(ctx, c, secret)
	if err != nil || !strings.Contains(detail, "revoked true") {
		t.Fatalf("RevokeKey = %q, %v", detail, err)
	}
	live, detail, err := k.CheckKey(ctx, c, secret)
	if err != nil || live || !strings.Contains(detail, "token_revoked") {
		t.Fatalf("after revoking: live %v, %q, %v", live, detail, err)
	}
	if detail, err := k.RevokeKey(ctx, c, secret); err != nil || !strings.Contains(detail, "already refuses") {
		t.Fatalf("revoking again = %q, %v", detail, err)
	}
	if live, _, err := k.CheckKey(ctx, c, vault.NewSecret([]byte("xoxb-wrong-token"))); err != nil || live {
		t.Fatalf("a wrong token: live %v, %v", live, err)
	}
	var methods []string
	for _, r := range f.Requests() {
		methods = append(methods, r.Method)
		if strings.Contains(string(r.Body), botToken) {
			t.Errorf("the token went in a body: %s", r.Body)
		}
	}
	if got := strings.Join(methods, " "); got != "auth.test auth.revoke auth.test auth.revoke auth.test" {
		t.Errorf("methods called: %s", got)
	}
}
