package github

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

var _ connector.KeyChecker = (*Connector)(nil)

// CheckKey asks GitHub, read-only, whether it still accepts the token:
// GET /user (GET /installation/repositories for an installation token).
// 401 means dead, 200 live; anything else is EUpstream. GitHub revokes a
// token through its API only with the owning OAuth app's own credentials
// (DELETE /applications/{client_id}/token), which aos does not hold, so
// revoking is left to a person; this confirms it was done.
func (k *Connector) CheckKey(ctx context.Context, c *aos.Connection, secret vault.Secret) (bool, string, error) {
	ep, err := settings(c)
	if err != nil {
		return false, "", err
	}
	token, err := tokenOf(secret)
	if err != nil {
		return false, "", err
	}
	path := "/user"
	if strings.HasPrefix(token, "ghs_") {
		path = "/installation/repositories?per_page=1"
	}
	h := http.Header{"Accept": {"application/vnd.github+json"}, "User-Agent": {defaultUserAgent}}
	resp, err := k.send(ctx, ep, token, http.MethodGet, ep.URL(path, ""), h, nil)
	if err != nil {
		return false, "", err
	}
	asked := "GET " + strings.SplitN(path, "?", 2)[0] + " answered " + strconv.Itoa(resp.Status)
	switch resp.Status {
	case http.StatusOK:
		return true, "GitHub still accepts the token (" + asked + ")", nil
	case http.StatusUnauthorized:
		return false, "GitHub refuses the token (" + asked + ")", nil
	}
	return false, "", aos.Errorf(aos.EUpstream, "GitHub could not say whether it accepts the token (%s)", asked)
}
