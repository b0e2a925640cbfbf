package stripe

import (
	"context"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
)

func TestConnector_CheckKey(t *testing.T) {
	for _, tt := range []struct {
		name, key string
		status    int
		live      bool
		code      string
	}{
		{"secret accepted", "sk_live_abcdefghijklmnop", 200, true, ""},
		{"restricted without balance access", "rk_live_abcdefghijklmnop", 403, true, ""},
		{"rolled", "rk_live_abcdefghijklmnop", 401, false, ""},
		{"secret forbidden", "sk_live_abcdefghijklmnop", 403, false, aos.EUpstream},
		{"server error", "sk_live_abcdefghijklmnop", 500, false, aos.EUpstream},
		{"not a secret key", "pk_live_abcdefghijklmnop", 200, false, aos.EBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, c := startFake(t, tt.status, `{"object":"balance"}`)
			live, detail, err := New().CheckKey(context.Background(), c, vault.NewSecret([]byte(tt.key)))
			if aos.ErrorCode(err) != tt.code || live != tt.live {
				t.Fatalf("CheckKey = %v, %q, %v; want live %v, code %q", live, detail, err, tt.live, tt.code)
			}
			if strings.Contains(detail+aos.ErrorMessage(err), tt.key) {
				t.Fatal("the answer holds the key")
			}
			for _, r := range f.requests() {
				if r.method != "GET" || r.uri != "/v1/balance" {
					t.Errorf("checking sent %s %s", r.method, r.uri)
				}
			}
		})
	}
}
