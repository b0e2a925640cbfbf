package slack

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

var (
	_ connector.KeyRevoker = (*Connector)(nil)
	_ connector.KeyChecker = (*Connector)(nil)
)

// deadAnswers are the auth.test errors that say Slack no longer accepts a
// token at all (as opposed to a request it could not serve).
var deadAnswers = map[string]bool{
	"invalid_auth": true, "token_revoked": true, "token_expired": true, "account_inactive": true, "not_authed": true,
}

// ask posts a Web API method with no arguments and reads ok, error and
// revoked from the answer.
func (k *Connector) ask(ctx context.Context, c *aos.Connection, secret vault.Secret, method string) (ok, revoked bool, answer string, err error) {
	ep, _, err := settings(c)
	if err != nil {
		return false, false, "", err
	}
	token, err := connector.BearerToken(secret)
	if err != nil {
		return false, false, "", err
	}
	h := http.Header{"Accept": {"application/json"}, "Content-Type": {"application/x-www-form-urlencoded"}}
	resp, err := k.send(ctx, ep, token, http.MethodPost, ep.URL("/"+method, ""), h, nil)
	if err != nil {
		return false, false, "", err
	}
	var a struct {
		OK      bool   `json:"ok"`
		Error   string `json:"error"`
		Revoked bool   `json:"revoked"`
	}
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &a) != nil {
		return false, false, "", aos.Errorf(aos.EUpstream, "%s answered HTTP %d", method, resp.Status)
	}
	if len(a.Error) > 64 {
		a.Error = a.Error[:64]
	}
	return a.OK, a.Revoked, a.Error, nil
}

// RevokeKey revokes the token with auth.revoke, which Slack lets any token
// do to itself. A token Slack already refuses counts as revoked.
func (k *Connector) RevokeKey(ctx context.Context, c *aos.Connection, secret vault.Secret) (string, error) {
	ok, revoked, answer, err := k.ask(ctx, c, secret, "auth.revoke")
	switch {
	case err != nil:
		return "", err
	case ok && revoked:
		return "Slack revoked the token (auth.revoke: revoked true)", nil
	case !ok && deadAnswers[answer]:
		return "Slack already refuses the token (auth.revoke: " + answer + ")", nil
	case ok:
		return "", aos.Errorf(aos.EUpstream, "auth.revoke answered ok without revoking the token")
	}
	return "", aos.Errorf(aos.EUpstream, "auth.revoke answered %s", answer)
}

// CheckKey asks auth.test whether Slack still accepts the token.
func (k *Connector) CheckKey(ctx context.Context, c *aos.Connection, secret vault.Secret) (bool, string, error) {
	ok, _, answer, err := k.ask(ctx, c, secret, "auth.test")
	switch {
	case err != nil:
		return false, "", err
	case ok:
		return true, "Slack still accepts the token (auth.test: ok)", nil
	case deadAnswers[answer]:
		return false, "Slack refuses the token (auth.test: " + answer + ")", nil
	}
	return false, "", aos.Errorf(aos.EUpstream, "auth.test answered %s", answer)
}
