package stripe

import (
	"bytes"
	"context"
	"regexp"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Do sends call to Stripe as it was decided on, byte for byte, with the
// connection's key as a bearer token in Authorization, and returns the
// answer, of any status; a 3xx comes back as sent, never followed. It does
// not map the request again: FromHTTP and FromCall built call.Upstream
// from the allowlisted headers only, and a call sealed for an approval is
// read again once, by connector.Recheck in the gateway, before it is sent.
// It still never sends to another scheme or host than the connection's
// (EOutOfScope). The key, whole or as Stripe masks it in its errors
// ("sk_live_****abcd"), is scrubbed from the answer's body.
//
// Errors: EUpstream when Stripe cannot be reached or the stored key is
// not a Stripe secret or restricted key, with a message naming the host
// and never the key.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no upstream request")
	}
	base, err := baseOf(c)
	if err != nil {
		return nil, err
	}
	out := call.Upstream
	if _, ok := connector.AtOrigin(out.URL, base.Scheme, base.Host); !ok {
		return nil, aos.Errorf(aos.EOutOfScope, "the upstream request is not under the connection's base URL %s", base)
	}
	key, err := keyOf(secret)
	if err != nil {
		return nil, aos.Errorf(aos.EUpstream, "the connection's credential %s; rotate it with `aos keys rotate %s`", aos.ErrorMessage(err), c.Name)
	}
	hr, err := connector.NewRequest(ctx, base.Host, out.Method, out.URL, out.Header, out.Body)
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

// SendsDecided marks the connector as a connector.DecidedSender.
func (k *Connector) SendsDecided() {}

// maskedKey is how Stripe quotes a key in its authentication and
// permission errors: the prefix, asterisks and the last four characters.
var maskedKey = regexp.MustCompile(`\b[rs]k_(?:live|test)_\*+[A-Za-z0-9]{0,8}`)

// scrubKey removes the key from an answer: whole, or as Stripe masks it,
// which still tells its mode and last characters to the agent.
func scrubKey(body []byte, key string) []byte {
	body = bytes.ReplaceAll(body, []byte(key), []byte("[redacted]"))
	return maskedKey.ReplaceAll(body, []byte("[redacted]"))
}
