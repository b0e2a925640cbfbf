package github

import (
	"context"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/github/githubtest"
	"github.com/aos-dev/aos/vault"
)

func TestConnector_CheckKey(t *testing.T) {
	for _, token := range []string{"ghp_classic000000000000000000000000000", "ghs_install0000000000000000000000000"} {
		t.Run(token[:4], func(t *testing.T) {
			f := githubtest.Start(t, token)
			c := &aos.Connection{Name: "gh", BaseURL: f.URL}
			New().Configure(c)
			secret := vault.NewSecret([]byte(token))
			live, detail, err := New().CheckKey(context.Background(), c, secret)
			if err != nil || !live || !strings.Contains(detail, "200") {
				t.Fatalf("before revoking: live %v, %q, %v", live, detail, err)
			}
			f.RevokeToken()
			live, detail, err = New().CheckKey(context.Background(), c, secret)
			if err != nil || live || !strings.Contains(detail, "401") {
				t.Fatalf("after revoking: live %v, %q, %v", live, detail, err)
			}
			if strings.Contains(detail, token) {
				t.Fatalf("detail holds the token: %q", detail)
			}
			for _, r := range f.Requests() {
				if r.Method != "GET" {
					t.Errorf("checking a key sent %s %s", r.Method, r.Path)
				}
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		c := &aos.Connection{Name: "gh", BaseURL: "http://127.0.0.1:1"}
		New().Configure(c)
		if _, _, err := New().CheckKey(context.Background(), c, vault.NewSecret([]byte("ghp_x0000000000000000000000000000000000"))); err == nil {
			t.Fatal("no error from an unreachable upstream")
		}
	})
}
