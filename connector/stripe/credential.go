package stripe

import (
	"context"
	"net/http"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// apiKey is a Stripe key read from a credential.
type apiKey struct {
	value      string
	restricted bool // rk_ rather than sk_
	live       bool // _live_ rather than _test_
}

// Bounds on the random part of a key; Stripe's are around 100 characters.
const (
	minKeyBody = 8
	maxKeyBody = 512
)

// keyOf reads a Stripe secret or restricted key from a credential:
// sk_live_, sk_test_, rk_live_ or rk_test_ followed by letters and digits.
// Trailing CR and LF are dropped (a key read from a file often ends with
// a newline). Its errors never contain the key; their messages complete
// the sentence "the credential ...".
func keyOf(secret vault.Secret) (*apiKey, error) {
	v := strings.TrimRight(string(secret.Reveal()), "\r\n")
	kind, rest, _ := strings.Cut(v, "_")
	mode, body, _ := strings.Cut(rest, "_")
	switch {
	case v == "":
		return nil, connector.BadRequest("is empty")
	case kind == "pk":
		return nil, connector.BadRequest("is a publishable key (pk_...), not a secret key: use a secret (sk_...) or restricted (rk_...) key")
	case kind != "sk" && kind != "rk" || mode != "live" && mode != "test":
		return nil, connector.BadRequest("is not a Stripe secret key: it must start with sk_live_, sk_test_, rk_live_ or rk_test_")
	case len(body) < minKeyBody || len(body) > maxKeyBody || !isAlnum(body):
		return nil, connector.BadRequest("is not a Stripe secret key: after its prefix it must be %d to %d letters and digits", minKeyBody, maxKeyBody)
	}
	return &apiKey{value: v, restricted: kind == "rk", live: mode == "live"}, nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// CheckCredential reports whether secret is a Stripe secret (sk_) or
// restricted (rk_) key, live or test. A publishable key (pk_) is refused:
// it cannot call the API on the account's behalf. Errors are *aos.Error
// values with code EBadRequest, and never contain the key.
func (k *Connector) CheckCredential(_ *aos.Connection, secret vault.Secret) error {
	if _, err := keyOf(secret); err != nil {
		return connector.BadRequest("the credential %s", aos.ErrorMessage(err))
	}
	return nil
}

// Inspect reports what a key allows, as far as Stripe says.
//
// A secret key (sk_) reaches the whole account and can write everything:
// Kind "secret key", AccountWide, CanWrite, Resources ["*"]. A restricted
// key (rk_) is narrower, but Stripe has no endpoint that lists its
// permissions: Kind "restricted key", not AccountWide, and CanWrite set,
// because nothing shows it cannot write. Scopes carry what is known, in
// Stripe's terms: "livemode:true" or "livemode:false", and "balance:read"
// when the key could read the balance.
//
// To tell that Stripe still accepts the key, Inspect reads the balance
// (GET /v1/balance, which holds no customer data). A 401 is an *aos.Error
// with code EUpstream saying the key was refused (revoked or rolled);
// a restricted key without balance access answers 403 and is reported
// without "balance:read". Errors never contain the key.
func (k *Connector) Inspect(ctx context.Context, c *aos.Connection, secret vault.Secret) (*connector.CredentialInfo, error) {
	key, err := keyOf(secret)
	if err != nil {
		return nil, connector.BadRequest("the credential %s", aos.ErrorMessage(err))
	}
	base, err := baseOf(c)
	if err != nil {
		return nil, err
	}
	req, err := connector.NewRequest(ctx, base.Host, http.MethodGet, base.String()+"/v1/balance", nil, nil)
	if err != nil {
		return nil, err
	}
	resp, err := connector.SendBearer(k.httpClient(), req, key.value)
	if err != nil {
		return nil, err
	}
	info := &connector.CredentialInfo{Kind: "secret key", AccountWide: true, CanWrite: true, Resources: []string{AccountWide}}
	if key.restricted {
		info = &connector.CredentialInfo{Kind: "restricted key", CanWrite: true}
	}
	info.Scopes = []string{"livemode:false"}
	if key.live {
		info.Scopes[0] = "livemode:true"
	}
	switch {
	case resp.Status == http.StatusOK:
		info.Scopes = append(info.Scopes, "balance:read")
	case resp.Status == http.StatusUnauthorized:
		return nil, aos.Errorf(aos.EUpstream, "%s refused the %s of connection %s (401): it was revoked or rolled", base.Host, info.Kind, c.Name)
	case resp.Status == http.StatusForbidden && key.restricted:
	default:
		return nil, aos.Errorf(aos.EUpstream, "%s answered %d to a balance read with the %s of connection %s", base.Host, resp.Status, info.Kind, c.Name)
	}
	return info, nil
}
