package stripe

import (
	"context"
	"net/http"
	"strconv"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

var _ connector.KeyChecker = (*Connector)(nil)

// CheckKey asks Stripe, read-only, whether it still accepts the key, with
// the balance read Inspect makes (GET /v1/balance): 401 means dead (rolled
// or deleted); 200, or 403 for a restricted key without balance access,
// means Stripe still authenticates it; anything else is EUpstream. Stripe
// has no API to delete or roll a restricted key, so revoking is left to a
// person in the dashboard; this confirms it was done.
func (k *Connector) CheckKey(ctx context.Context, c *aos.Connection, secret vault.Secret) (bool, string, error) {
	key, err := keyOf(secret)
	if err != nil {
		return false, "", connector.BadRequest("the credential %s", aos.ErrorMessage(err))
	}
	base, err := baseOf(c)
	if err != nil {
		return false, "", err
	}
	req, err := connector.NewRequest(ctx, base.Host, http.MethodGet, base.String()+"/v1/balance", nil, nil)
	if err != nil {
		return false, "", err
	}
	resp, err := connector.SendBearer(k.httpClient(), req, key.value)
	if err != nil {
		return false, "", err
	}
	asked := "GET /v1/balance answered " + strconv.Itoa(resp.Status)
	switch {
	case resp.Status == http.StatusOK, resp.Status == http.StatusForbidden && key.restricted:
		return true, "Stripe still accepts the key (" + asked + ")", nil
	case resp.Status == http.StatusUnauthorized:
		return false, "Stripe refuses the key (" + asked + ")", nil
	}
	return false, "", aos.Errorf(aos.EUpstream, "Stripe could not say whether it accepts the key (%s)", asked)
}
