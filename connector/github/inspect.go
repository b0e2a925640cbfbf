package github

import (
	"context"
	"net/http"
	"sort"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Token kinds, by the prefix GitHub gives each.
var tokenKinds = []struct{ prefix, kind string }{
	{"ghp_", "classic token"},
	{"github_pat_", "fine-grained token"},
	{"gho_", "OAuth app token"},
	{"ghu_", "GitHub App user token"},
	{"ghs_", "GitHub App installation token"},
}

func tokenKind(token string) string {
	for _, k := range tokenKinds {
		if strings.HasPrefix(token, k.prefix) {
			return k.kind
		}
	}
	return "token"
}

// CheckCredential refuses, before it is sealed, a token that cannot be
// sent: empty, with white space or control characters (such as
// "Bearer ghp_..." pasted whole), or a refresh token (ghr_), which is no
// API token. The error never holds the token.
func (k *Connector) CheckCredential(c *aos.Connection, secret vault.Secret) error {
	v := strings.TrimRight(string(secret.Reveal()), "\r\n")
	if msg := tokenProblem(v); msg != "" {
		return connector.BadRequest("the token %s; give the token alone, such as ghp_... or github_pat_...", msg)
	}
	if strings.HasPrefix(v, "ghr_") {
		return connector.BadRequest("that is a GitHub App refresh token (ghr_); connect a token that calls the API")
	}
	return nil
}

// Inspect asks GitHub what the token reaches, read-only. A classic or
// OAuth token reports its scopes in the X-OAuth-Scopes header of GET /user
// and reaches every repository its user can, so it is account-wide; it can
// write unless every scope only reads (read:*, user:email). An
// installation token (ghs_) lists its repositories at GET
// /installation/repositories, account-wide when it has them all. For a
// fine-grained token GitHub exposes neither its permissions nor its
// repository selection as such: the repositories GET /user/repos lists
// (first 100) are reported, and CanWrite is set, since nothing shows it
// cannot write. Errors never hold the token.
func (k *Connector) Inspect(ctx context.Context, c *aos.Connection, secret vault.Secret) (*connector.CredentialInfo, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	token, err := tokenOf(secret)
	if err != nil {
		return nil, err
	}
	info := &connector.CredentialInfo{Kind: tokenKind(token)}
	if strings.HasPrefix(token, "ghs_") {
		return k.inspectInstallation(ctx, ep, token, info)
	}
	var user struct {
		Login string `json:"login"`
	}
	resp, ok := k.getJSON(ctx, ep, token, "/user", &user)
	if !ok {
		return nil, inspectError(resp, "/user")
	}
	if raw, has := resp.Header["X-Oauth-Scopes"]; has {
		info.Scopes = splitScopes(strings.Join(raw, ","))
		info.AccountWide = true
		info.CanWrite = scopesWrite(info.Scopes)
		return info, nil
	}
	// A fine-grained token, or one whose scopes GitHub does not report.
	info.CanWrite = true
	var repos []repoJSON
	if resp, ok := k.getJSON(ctx, ep, token, "/user/repos?per_page=100", &repos); !ok {
		return nil, inspectError(resp, "/user/repos")
	}
	info.Resources = repoResources(repos)
	return info, nil
}

func (k *Connector) inspectInstallation(ctx context.Context, ep *connector.Endpoint, token string, info *connector.CredentialInfo) (*connector.CredentialInfo, error) {
	var inst struct {
		Selection    string     `json:"repository_selection"`
		Repositories []repoJSON `json:"repositories"`
	}
	resp, ok := k.getJSON(ctx, ep, token, "/installation/repositories?per_page=100", &inst)
	if !ok {
		return nil, inspectError(resp, "/installation/repositories")
	}
	info.AccountWide = inst.Selection == "all"
	info.Resources = repoResources(inst.Repositories)
	info.CanWrite = true // an installation's permissions are the app's, not shown here
	return info, nil
}

func repoResources(repos []repoJSON) []string {
	var out []string
	for _, r := range repos {
		if res, ok := fullNameResource(r.FullName); ok {
			out = append(out, res)
		}
	}
	sort.Strings(out)
	return out
}

// inspectError describes a failed inspection request.
func inspectError(resp *connector.Response, path string) error {
	switch {
	case resp == nil:
		return aos.Errorf(aos.EUpstream, "GitHub could not be asked about the token (GET %s)", path)
	case resp.Status == http.StatusUnauthorized:
		return aos.Errorf(aos.EUpstream, "GitHub refused the token (401): it is wrong, expired or revoked")
	}
	return aos.Errorf(aos.EUpstream, "GitHub answered GET %s with status %d", path, resp.Status)
}

// splitScopes splits an X-OAuth-Scopes value ("repo, read:org").
func splitScopes(v string) []string {
	var out []string
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// scopesWrite reports whether any classic scope allows a write: all but
// read:* and user:email do (repo, public_repo, admin:*, write:*, workflow,
// gist, user, delete_repo, ...).
func scopesWrite(scopes []string) bool {
	for _, s := range scopes {
		if !strings.HasPrefix(s, "read:") && s != "user:email" {
			return true
		}
	}
	return false
}
