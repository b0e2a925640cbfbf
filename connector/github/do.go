package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Do sends call upstream as it was decided on, byte for byte, with the
// connection's token as "Authorization: Bearer TOKEN", replacing whatever
// the request carried there, and returns the answer, of any status; a 3xx
// comes back as sent, never followed. It does not map the request again:
// FromHTTP and FromCall built call.Upstream (the path rebuilt, only the
// headers GitHub reads) and what Do needs of it (call.Parsed), and a call
// sealed for an approval is read again by connector.Recheck before it is
// sent. It still never sends outside the connection's base URL
// (EOutOfScope), and sets Host to the base URL's host.
//
// A write to a branch that was let through because its target is not the
// default branch is confirmed first: Do asks GitHub for the repository
// (and the pull request) again, and if the target is, or cannot be shown
// not to be, the default branch, it sends nothing and returns a
// connector.Redecide (the call is decided again, and then held) or
// EUpstream. Successful answers teach the connector default branches (see
// branch.go), and the pages of a Link header become paths under the base
// URL (see link.go).
//
// Errors: the above; EInternal for a call the connector did not map;
// EUpstream when GitHub cannot be reached or the token cannot be sent,
// with a message that never holds the token.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no upstream request")
	}
	m, ok := call.Parsed.(*mapped)
	if !ok {
		return nil, aos.Errorf(aos.EInternal, "the call was not mapped by the github connector")
	}
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	out := call.Upstream
	if _, _, err := ep.Relative(out.URL); err != nil {
		return nil, err
	}
	token, err := tokenOf(secret)
	if err != nil {
		return nil, err
	}
	if err := k.confirm(ctx, c, ep, token, call, m); err != nil {
		return nil, err
	}
	resp, err := k.send(ctx, ep, token, out.Method, out.URL, out.Header, out.Body)
	if err != nil {
		return nil, err
	}
	k.learn(c, call, resp)
	rewriteLinks(resp.Header, ep, m.path)
	return resp, nil
}

// SendsDecided marks the connector as a connector.DecidedSender.
func (k *Connector) SendsDecided() {}

// confirm re-checks, against GitHub, a write to a branch that was let
// through as not production. See Do.
func (k *Connector) confirm(ctx context.Context, c *aos.Connection, ep *connector.Endpoint, token string, call *connector.Call, m *mapped) error {
	find, ok := branchTargets[call.Operation.Name]
	if !ok || call.Facts.Production || find(k, c, call.Resource, m.params, call.Upstream.Body).notBranch {
		return nil
	}
	repo := "/repos/" + url.PathEscape(m.path.segs[1]) + "/" + url.PathEscape(m.path.segs[2])
	name := strings.TrimPrefix(call.Resource, repoPrefix)
	var r repoJSON
	if _, ok := k.getJSON(ctx, ep, token, repo, &r); !ok || r.DefaultBranch == "" || !sameRepo(r.FullName, call.Resource) {
		return aos.Errorf(aos.EUpstream, "not sent: GitHub did not confirm the default branch of %s, which this write may reach only when approved", name)
	}
	k.cache().setDefault(c, call.Resource, r.DefaultBranch)
	if number, ok := m.params["pull_number"]; ok {
		k.cache().forgetPull(c, call.Resource, number)
		var pr pullJSON
		if _, ok := k.getJSON(ctx, ep, token, repo+"/pulls/"+url.PathEscape(number), &pr); ok {
			k.learnPull(c, call.Resource, pr)
		}
	}
	if k.toDefaultBranch(c, call.Resource, find(k, c, call.Resource, m.params, call.Upstream.Body)) {
		return &connector.Redecide{Reason: fmt.Sprintf("GitHub now reports that this write reaches the default branch of %s (%s)",
			name, r.DefaultBranch)}
	}
	return nil
}

// send makes one request to GitHub.
func (k *Connector) send(ctx context.Context, ep *connector.Endpoint, token, method, target string, header http.Header, body []byte) (*connector.Response, error) {
	req, err := ep.NewRequest(ctx, method, target, header, body)
	if err != nil {
		return nil, err
	}
	return connector.SendBearer(k.httpClient(), req, token)
}

// tokenOf returns the token as it goes on the wire. Trailing CR and LF are
// dropped (a token read from a file often ends with one); an empty token,
// or one with white space or control characters, is EUpstream.
func tokenOf(secret vault.Secret) (string, error) {
	v := strings.TrimRight(string(secret.Reveal()), "\r\n")
	if msg := tokenProblem(v); msg != "" {
		return "", aos.Errorf(aos.EUpstream, "the connection's token %s; rotate it with `aos keys rotate`", msg)
	}
	return v, nil
}

// tokenProblem says what makes v unusable as a token, or "".
func tokenProblem(v string) string {
	if v == "" {
		return "is empty"
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c == 0x7f {
			return "contains white space or a control character"
		}
	}
	return ""
}

// getJSON fetches path (escaped, under the base URL) and decodes a 200
// answer into v. It reports whether it could.
func (k *Connector) getJSON(ctx context.Context, ep *connector.Endpoint, token, path string, v any) (*connector.Response, bool) {
	h := http.Header{"Accept": {"application/vnd.github+json"}, "User-Agent": {defaultUserAgent}}
	resp, err := k.send(ctx, ep, token, http.MethodGet, ep.URL(path, ""), h, nil)
	if err != nil || resp.Status != http.StatusOK {
		return resp, false
	}
	return resp, json.Unmarshal(resp.Body, v) == nil
}
