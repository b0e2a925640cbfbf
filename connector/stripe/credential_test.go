package stripe

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
)

func TestConnector_CheckCredential(t *testing.T) {
	tests := []struct {
		name, key string
		ok        bool
		hint      string // in the message of a refusal
	}{
		{"secret test", "sk_test_4eC39HqLyjWDarjtT1zdp7dc", true, ""},
		{"secret live", "sk_live_51Habcdefghijklmnop", true, ""},
		{"restricted test", "rk_test_51Habcdefghijklmnop", true, ""},
		{"restricted live", "rk_live_51Habcdefghijklmnop", true, ""},
		{"trailing newline", "sk_test_4eC39HqLyjWDarjtT1zdp7dc\r\n", true, ""},

		{"publishable", "pk_test_TYooMQauvdEDq54NiTphI7jx", false, "publishable"},
		{"publishable live", "pk_live_TYooMQauvdEDq54NiTphI7jx", false, "not a secret key"},
		{"empty", "", false, "empty"},
		{"other prefix", "whsec_abcdefghijklmnop", false, "sk_live_"},
		{"unknown mode", "sk_prod_abcdefghijklmnop", false, "sk_live_"},
		{"short", "sk_test_abc", false, "letters and digits"},
		{"inner newline", "sk_test_abcdefgh\nijklmnop", false, "letters and digits"},
		{"space", "sk_test_abcdefgh ijklmnop", false, "letters and digits"},
		{"bearer prefix", "Bearer sk_test_abcdefghijklmnop", false, "sk_live_"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := New().CheckCredential(&aos.Connection{Name: "pay"}, vault.NewSecret([]byte(tt.key)))
			if tt.ok {
				if err != nil {
					t.Fatalf("CheckCredential: %v", err)
				}
				return
			}
			msg := aos.ErrorMessage(err)
			if aos.ErrorCode(err) != aos.EBadRequest || !strings.Contains(msg, tt.hint) {
				t.Fatalf("CheckCredential = %v; want bad_request mentioning %q", err, tt.hint)
			}
			if tt.key != "" && strings.Contains(msg, strings.TrimSpace(tt.key)) {
				t.Fatalf("message %q echoes the key", msg)
			}
		})
	}
}

func TestConnector_Inspect(t *testing.T) {
	tests := []struct {
		name, key  string
		status     int
		kind       string
		wide       bool
		scopes     []string
		code       string
		requestsAt string
	}{
		{"secret", "sk_test_abcdefghijklmnop", 200, "secret key", true, []string{"livemode:false", "balance:read"}, "", "/v1/balance"},
		{"secret live", "sk_live_abcdefghijklmnop", 200, "secret key", true, []string{"livemode:true", "balance:read"}, "", "/v1/balance"},
		{"restricted with balance", "rk_live_abcdefghijklmnop", 200, "restricted key", false, []string{"livemode:true", "balance:read"}, "", "/v1/balance"},
		{"restricted without balance", "rk_test_abcdefghijklmnop", 403, "restricted key", false, []string{"livemode:false"}, "", "/v1/balance"},
		{"revoked", "sk_live_abcdefghijklmnop", 401, "", false, nil, aos.EUpstream, "/v1/balance"},
		{"secret forbidden", "sk_live_abcdefghijklmnop", 403, "", false, nil, aos.EUpstream, "/v1/balance"},
		{"server error", "rk_live_abcdefghijklmnop", 500, "", false, nil, aos.EUpstream, "/v1/balance"},
		{"publishable", "pk_live_abcdefghijklmnop", 200, "", false, nil, aos.EBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := startFake(t, tt.status, `{"object":"balance"}`)
			info, err := New().Inspect(context.Background(), c, vault.NewSecret([]byte(tt.key)))
			got := f.requests()
			if tt.requestsAt == "" && len(got) != 0 || tt.requestsAt != "" && (len(got) != 1 || got[0].uri != tt.requestsAt || got[0].method != "GET") {
				t.Fatalf("upstream saw %+v", got)
			}
			if tt.code != "" {
				if aos.ErrorCode(err) != tt.code || strings.Contains(aos.ErrorMessage(err), tt.key) {
					t.Fatalf("Inspect = %v; want %s without the key", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got[0].auth != "Bearer "+tt.key {
				t.Fatalf("probe Authorization = %q", got[0].auth)
			}
			if info.Kind != tt.kind || info.AccountWide != tt.wide || !info.CanWrite || !slices.Equal(info.Scopes, tt.scopes) {
				t.Fatalf("Inspect = %+v", info)
			}
			if tt.wide != slices.Equal(info.Resources, []string{"*"}) {
				t.Fatalf("resources = %v", info.Resources)
			}
		})
	}
}
