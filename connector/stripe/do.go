package stripe

import (
	"bytes"
	"context"
	"net/url"
	"regexp"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Do sends call to Stripe with the connection's key and returns the answer,
// of any status; a 3xx comes back as sent, never followed.
//
// Do trusts nothing in call.Upstream: the call may have been sealed for an
// approval long before. It reads the outbound request again exactly as
// FromHTTP does, and sends it only if its URL is the connection's scheme
// and host, and it is the operation (name and access), on the resource,
// with the money and export facts that the policy decided on; otherwise
// it returns EOutOfScope (another host), or the error of
// connector.CheckDecided, and sends nothing. The
// agent's headers are filtered again, and the key goes in Authorization as
// a bearer token. The key, whole or as Stripe masks it in its errors
// ("sk_live_****abcd"), is scrubbed from the answer's body.
//
// Errors: those above and of analyze; EUpstream when Stripe cannot be
// reached or the stored key is not a Stripe secret or restricted key,
// with a message naming the host and never the key.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no upstream request")
	}
	base, err := baseOf(c)
	if err != nil {
		return nil, err
	}
	req, err := recheck(base, call)
	if err != nil {
		return nil, err
	}
	key, err := keyOf(secret)
	if err != nil {
		return nil, aos.Errorf(aos.EUpstream, "the connection's credential %s; rotate it with `aos keys rotate %s`", aos.ErrorMessage(err), c.Name)
	}
	hr, err := connector.NewRequest(ctx, base.Host, req.method, req.upstreamURL(base), req.header, req.body)
	if err != nil {
		return nil, err
	}
	resp, err := connector.SendBearer(k.httpClient(), hr, key.value)
	if err != nil {
		return nil, err
	}
	resp.Body = scrubKey(resp.Body, key.value)
	return resp, nil
}

// maskedKey is how Stripe quotes a key in its authentication and
// permission errors: the prefix, asterisks and the last four characters.
var maskedKey = regexp.MustCompile(`\b[rs]k_(?:live|test)_\*+[A-Za-z0-9]{0,8}`)

// scrubKey removes the key from an answer: whole, or as Stripe masks it,
// which still tells its mode and last characters to the agent.
func scrubKey(body []byte, key string) []byte {
	body = bytes.ReplaceAll(body, []byte(key), []byte("[redacted]"))
	return maskedKey.ReplaceAll(body, []byte("[redacted]"))
}

// recheck reads call.Upstream again and checks it against what the policy
// decided on (see Do).
func recheck(base *url.URL, call *connector.Call) (*request, error) {
	out := call.Upstream
	u, ok := connector.AtOrigin(out.URL, base.Scheme, base.Host)
	if !ok {
		return nil, aos.Errorf(aos.EOutOfScope, "the upstream request is not under the connection's base URL %s", base)
	}
	req, err := analyze(out.Method, u.EscapedPath(), u.RawQuery, out.Header, out.Body)
	if err != nil {
		return nil, err
	}
	again := &connector.Call{Operation: req.op, Resource: req.resource, Facts: req.facts}
	if err := connector.CheckDecided(call, again); err != nil {
		return nil, err
	}
	return req, nil
}
