package rest

import (
	"context"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Do sends call upstream with the credential and returns the answer, of
// any status; a 3xx comes back as sent, never followed.
//
// Do trusts nothing in call.Upstream: the call may have been sealed for an
// approval long before, and the connection may have changed since. It
// sends only if the URL is the connection's scheme and host with a path
// under its base path that canonicalises to exactly call.Resource (the
// resource the policy decided on); otherwise it returns EOutOfScope and
// sends nothing. Likewise the method must map to call.Operation, the
// operation the policy decided on, or Do returns EUnknownOperation. It
// re-checks the method, query and headers as FromHTTP does, removes
// whatever stands in the credential's place, sets Host to the base URL's
// host and injects the credential per the auth mode. On a connection that
// declares operations, it also reads the approval facts again from what
// it is about to send, and sends nothing unless they equal those of
// call.Facts that a connector reads (the policy decided on them; the PII
// findings the gateway adds are not compared).
//
// Errors: EOutOfScope and EUnknownOperation (a method, operation or facts
// other than those authorised) as above; EBadRequest for a malformed method, query
// or header; ETooLarge for a body over connector.MaxBody either way;
// EUpstream when the upstream cannot be reached, or the credential cannot
// be sent, with a message naming the host and never the credential or the
// URL's query.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no upstream request")
	}
	ep, a, ops, err := k.settings(c)
	if err != nil {
		return nil, err
	}
	out := call.Upstream
	method, err := normalizeMethod(out.Method)
	if err != nil {
		return nil, err
	}
	op, def, err := ops.lookup(method, call.Resource)
	if err != nil {
		return nil, err
	}
	again := &connector.Call{Operation: op, Resource: call.Resource, Facts: call.Facts}
	target, query, err := checkTarget(ep, out.URL, call.Resource, a)
	if err != nil {
		return nil, err
	}
	header, err := forwardHeader(out.Header, a, ops.headers)
	if err != nil {
		return nil, err
	}
	if len(out.Body) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the request body is larger than %d MiB", connector.MaxBody>>20)
	}
	if def != nil {
		again.Facts = readFacts(def, header, query, out.Body)
	}
	if err := connector.CheckDecided(call, again); err != nil {
		return nil, err
	}
	req, err := ep.NewRequest(ctx, method, target, header, out.Body)
	if err != nil {
		return nil, err
	}
	redact, err := a.inject(req, secret)
	if err != nil {
		return nil, err
	}
	return connector.Send(k.httpClient(), req, redact...)
}

// checkTarget checks an Outbound URL against the endpoint and the
// resource the policy decided on, and returns the URL to send, rebuilt
// from its parts, and its query: checked, with the credential's parameter
// removed.
func checkTarget(ep *connector.Endpoint, raw, resource string, a auth) (string, string, error) {
	rel, rawQuery, err := ep.Relative(raw)
	if err != nil {
		return "", "", err
	}
	got, err := connector.CanonicalPath(rel)
	if err != nil {
		return "", "", connector.OutOfScope("the upstream request is not under the connection's base URL %s", ep)
	}
	if got != resource {
		return "", "", connector.OutOfScope("the upstream path does not match the resource that was authorised")
	}
	query, err := cleanQuery(rawQuery, a.queryParam())
	if err != nil {
		return "", "", err
	}
	return upstreamURL(ep, resource, query), query, nil
}
