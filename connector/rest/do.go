package rest

import (
	"context"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Do sends call upstream as it was decided on, byte for byte, with the
// credential injected per the auth mode, and returns the answer, of any
// status; a 3xx comes back as sent, never followed. It does not map the
// request again: FromHTTP and FromCall built call.Upstream from the
// checked method, path, query and allowlisted headers, without whatever
// stood in the credential's place, and a call sealed for an approval is
// read again once, by connector.Recheck in the gateway, before it is
// sent. It still never sends outside the connection's base URL
// (EOutOfScope) and sets Host to the base URL's host.
//
// Errors: EOutOfScope as above; ETooLarge for a body over
// connector.MaxBody; EUpstream when the upstream cannot be reached, or the
// credential cannot be sent, with a message naming the host and never the
// credential or the URL's query.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no upstream request")
	}
	ep, a, _, err := k.settings(c)
	if err != nil {
		return nil, err
	}
	out := call.Upstream
	if _, _, err := ep.Relative(out.URL); err != nil {
		return nil, err
	}
	if len(out.Body) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the request body is larger than %d MiB", connector.MaxBody>>20)
	}
	req, err := ep.NewRequest(ctx, out.Method, out.URL, out.Header, out.Body)
	if err != nil {
		return nil, err
	}
	redact, err := a.inject(req, secret)
	if err != nil {
		return nil, err
	}
	return connector.Send(k.httpClient(), req, redact...)
}

// SendsDecided marks the connector as a connector.DecidedSender.
func (k *Connector) SendsDecided() {}

// StreamsAnswers implements connector.AnswerStreamer: Do returns
// connector.Send's answer as it is.
func (*Connector) StreamsAnswers() {}
