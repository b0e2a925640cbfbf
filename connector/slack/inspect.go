package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// tokenKinds are the token prefixes the connector accepts: bot and user
// tokens, and their rotating (xoxe.) forms.
var tokenKinds = []struct{ prefix, kind string }{
	{"xoxb-", "bot token"}, {"xoxp-", "user token"},
	{"xoxe.xoxb-", "rotating bot token"}, {"xoxe.xoxp-", "rotating user token"},
}

func tokenKind(token string) (string, bool) {
	for _, t := range tokenKinds {
		if strings.HasPrefix(token, t.prefix) {
			return t.kind, true
		}
	}
	return "", false
}

// CheckCredential refuses, before it is sealed, a credential that is not
// a bot or user token: app-level tokens (xapp-) cannot call these
// methods, and browser session tokens (xoxc-, xoxd-) must never be used.
// The error never contains the secret.
func (k *Connector) CheckCredential(_ *aos.Connection, secret vault.Secret) error {
	v, err := connector.BearerToken(secret)
	if err != nil {
		return connector.BadRequest("%s", aos.ErrorMessage(err))
	}
	if _, ok := tokenKind(v); !ok {
		return connector.BadRequest("the slack connector takes a bot token (xoxb-…) or a user token (xoxp-…)")
	}
	return nil
}

// Inspect asks auth.test who the token is and reads the scopes Slack
// reports in the X-OAuth-Scopes header. Kind names the token type, team,
// user and bot; CanWrite is set when a scope writes (…:write…, …:manage,
// …:join, admin…); AccountWide is always set, because a Slack token is
// never limited to a channel: it reaches every conversation its bot or
// user is in. Errors are EUpstream and never contain the token.
func (k *Connector) Inspect(ctx context.Context, c *aos.Connection, secret vault.Secret) (*connector.CredentialInfo, error) {
	ep, _, err := settings(c)
	if err != nil {
		return nil, err
	}
	token, err := connector.BearerToken(secret)
	if err != nil {
		return nil, err
	}
	h := http.Header{"Accept": {"application/json"}, "Content-Type": {"application/x-www-form-urlencoded"}}
	resp, err := k.send(ctx, ep, token, http.MethodPost, ep.URL("/auth.test", ""), h, nil)
	if err != nil {
		return nil, err
	}
	var a struct {
		OK     bool   `json:"ok"`
		Error  string `json:"error"`
		Team   string `json:"team"`
		TeamID string `json:"team_id"`
		User   string `json:"user"`
		UserID string `json:"user_id"`
		BotID  string `json:"bot_id"`
	}
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &a) != nil {
		return nil, aos.Errorf(aos.EUpstream, "auth.test answered HTTP %d", resp.Status)
	}
	if !a.OK {
		return nil, aos.Errorf(aos.EUpstream, "auth.test answered %.64s", a.Error)
	}
	kind, ok := tokenKind(token)
	if !ok {
		kind = "token"
	}
	kind += fmt.Sprintf(" for team %s (%s), user %s (%s)", a.Team, a.TeamID, a.User, a.UserID)
	if a.BotID != "" {
		kind += ", bot " + a.BotID
	}
	info := &connector.CredentialInfo{Kind: kind, AccountWide: true}
	for s := range strings.SplitSeq(resp.Header.Get("X-OAuth-Scopes"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			info.Scopes = append(info.Scopes, s)
			info.CanWrite = info.CanWrite || writeScope(s)
		}
	}
	slices.Sort(info.Scopes)
	return info, nil
}

// writeScope reports whether a Slack OAuth scope allows changes.
func writeScope(s string) bool {
	return strings.Contains(s, ":write") || strings.HasSuffix(s, ":manage") || strings.HasSuffix(s, ":join") ||
		strings.HasPrefix(s, "admin") || s == "client" || s == "post"
}
