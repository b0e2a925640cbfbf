package owner_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// TestService_ConnectAndInspect_encodedEcho: an upstream that echoes the
// credential encoded (base64 of the Authorization value, URL-escaped)
// into what an inspection reports leaves it neither in the result nor in
// the store.
func TestService_ConnectAndInspect_encodedEcho(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte("Bearer " + theSecret))
	esc := url.QueryEscape(theSecret + "/x")[:len(theSecret)]
	tests := map[string]func(context.Context, vault.Secret) (*connector.CredentialInfo, error){
		"in the report": func(context.Context, vault.Secret) (*connector.CredentialInfo, error) {
			return &connector.CredentialInfo{Kind: "key " + b64, Scopes: []string{"note:" + esc}}, nil
		},
		"in the error": func(context.Context, vault.Secret) (*connector.CredentialInfo, error) {
			return nil, aos.Errorf(aos.EUpstream, "the upstream refused %s", b64)
		},
	}
	for name, inspect := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, &payConnector{inspect: inspect})
			res, err := h.connect(t, "pay", "refunds", false)
			if err != nil {
				t.Fatal(err)
			}
			for what, v := range map[string]any{"result": res, "stored credentials": h.credentials(t, "pay")} {
				b, _ := json.Marshal(v)
				if strings.Contains(string(b), b64) || strings.Contains(string(b), esc) {
					t.Errorf("%s holds the encoded secret: %s", what, b)
				}
			}
		})
	}
}
