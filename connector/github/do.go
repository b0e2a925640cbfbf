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

// Do sends call upstream with the connection's token and returns the
// answer, of any status; a 3xx comes back as sent, never followed.
//
// Do trusts nothing in call.Upstream: the call may have been sealed for an
// approval long before. It sends only if the URL is under the connection's
// base URL and its path maps to exactly call.Operation on call.Resource;
// otherwise it returns EOutOfScope or EUnknownOperation and sends nothing.
// It forwards only the headers GitHub reads, sets Host to the base URL's
// host, and sends the token as "Authorization: Bearer TOKEN", replacing
// whatever the agent sent.
//
// A write to a branch that was let through because its target is not the
// default branch is confirmed first: Do asks GitHub for the repository
// (and the pull request) again, and if the target is, or cannot be shown
// not to be, the default branch, it sends nothing and returns EConflict
// (the call can be sent again, and is then held) or EUpstream. Successful
// answers teach the connector default branches (see branch.go), and the
// pages of a Link header become paths under the base URL (see link.go).
//
// Errors: the above; EBadRequest for a malformed method, query or header;
// ETooLarge for a body over connector.MaxBody either way; EUpstream when
// GitHub cannot be reached or the token cannot be sent, with a message
// that never holds the token.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no upstream request")
	}
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	out := call.Upstream
	method, err := normalizeMethod(out.Method)
	if err != nil {
		return nil, err
	}
	target, err := k.verify(ep, method, call)
	if err != nil {
		return nil, err
	}
	header, err := forwardHeader(out.Header)
	if err != nil {
		return nil, err
	}
	if len(out.Body) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the request body is larger than %d MiB", connector.MaxBody>>20)
	}
	token, err := tokenOf(secret)
	if err != nil {
		return nil, err
	}
	if err := k.confirm(ctx, c, ep, token, call, target); err != nil {
		return nil, err
	}
	resp, err := k.send(ctx, ep, token, method, target.url, header, out.Body)
	if err != nil {
		return nil, err
	}
	k.learn(c, call, resp)
	rewriteLinks(resp.Header, ep, target.path)
	return resp, nil
}

// checked is an upstream request that verify accepted.
type checked struct {
	url    string // rebuilt from the checked parts
	path   *reqPath
	params map[string]string
}

// verify checks call.Upstream against the endpoint and the operation and
// resource the policy decided on.
func (k *Connector) verify(ep *connector.Endpoint, method string, call *connector.Call) (*checked, error) {
	rel, rawQuery, err := ep.Relative(call.Upstream.URL)
	if err != nil {
		return nil, err
	}
	p, err := parsePath(rel)
	if err != nil {
		return nil, aos.Errorf(aos.EOutOfScope, "the upstream request is not under the connection's base URL %s", ep)
	}
	d, params, err := match(method, p)
	if err != nil {
		return nil, aos.Errorf(aos.EUnknownOperation, "the upstream request is not the operation that was authorised")
	}
	resource, err := resourceOf(d, p)
	if err != nil {
		return nil, aos.Errorf(aos.EOutOfScope, "the upstream request is not on the resource that was authorised")
	}
	// The facts of a write that may reach a branch are confirmed against
	// GitHub (confirm), not read again here.
	again := &connector.Call{Operation: aos.Operation{Name: d.Name(), Access: d.Operation().Access}, Resource: resource, Facts: call.Facts}
	if err := connector.CheckDecided(call, again); err != nil {
		return nil, err
	}
	query, err := checkQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	if err := checkWriteQuery(d, query); err != nil {
		return nil, err
	}
	return &checked{url: ep.URL(p.escaped(), query), path: p, params: params}, nil
}

// confirm re-checks, against GitHub, a write to a branch that was let
// through as not production. See Do.
func (k *Connector) confirm(ctx context.Context, c *aos.Connection, ep *connector.Endpoint, token string, call *connector.Call, t *checked) error {
	find, ok := branchTargets[call.Operation.Name]
	if !ok || call.Facts.Production || find(k, c, call.Resource, t.params, call.Upstream.Body).notBranch {
		return nil
	}
	repo := "/repos/" + url.PathEscape(t.path.segs[1]) + "/" + url.PathEscape(t.path.segs[2])
	name := strings.TrimPrefix(call.Resource, repoPrefix)
	var r repoJSON
	if _, ok := k.getJSON(ctx, ep, token, repo, &r); !ok || r.DefaultBranch == "" || !sameRepo(r.FullName, call.Resource) {
		return aos.Errorf(aos.EUpstream, "not sent: GitHub did not confirm the default branch of %s, which this write may reach only when approved", name)
	}
	k.cache().setDefault(c, call.Resource, r.DefaultBranch)
	if number, ok := t.params["pull_number"]; ok {
		k.cache().forgetPull(c, call.Resource, number)
		var pr pullJSON
		if _, ok := k.getJSON(ctx, ep, token, repo+"/pulls/"+url.PathEscape(number), &pr); ok {
			k.learnPull(c, call.Resource, pr)
		}
	}
	if k.toDefaultBranch(c, call.Resource, find(k, c, call.Resource, t.params, call.Upstream.Body)) {
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
