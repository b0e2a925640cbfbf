package connector

import (
	"bytes"
	"slices"

	"github.com/aos-dev/aos"
)

// DecidedSender is implemented by HTTP connectors whose Do sends
// call.Upstream as it was decided on, byte for byte, adding only the
// credential: it neither parses the request again nor maps it again. A
// call sealed for an approval is read again once, before it is sent, by
// Recheck in the gateway's pipeline.
type DecidedSender interface {
	HTTPMapper
	// SendsDecided marks the connector; it does nothing.
	SendsDecided()
}

// Recheck reads a call's upstream request again through the connector's
// HTTP mapping, as the connection is now, and compares it with the call
// decided on (CheckDecided), and requires the request the connector maps
// now to be the sealed one, byte for byte. The gateway calls it before sending a call
// sealed for an approval, which may have been decided long before: the
// connection's base URL, declared operations or what the connector knows
// may have changed since. For a connector that is not a DecidedSender it
// does nothing: such a connector checks a sealed call in its Do.
//
// Errors: EOutOfScope for a request outside the connection's base URL,
// the errors of FromHTTP for one that does not map, and those of
// CheckDecided.
func Recheck(k Connector, c *aos.Connection, call *Call) error {
	m, ok := k.(DecidedSender)
	if !ok {
		return nil
	}
	if call == nil || call.Upstream == nil {
		return BadRequest("no upstream request")
	}
	ep, err := baseURLs.Get(c)
	if err != nil {
		return err
	}
	out := call.Upstream
	rel, query, err := ep.Relative(out.URL)
	if err != nil {
		return err
	}
	again, err := m.FromHTTP(c, &HTTPRequest{Method: out.Method, RawPath: rel, RawQuery: query, Header: out.Header, Body: out.Body})
	if err != nil {
		return err
	}
	if err := CheckDecided(call, again); err != nil {
		return err
	}
	if !sameOutbound(out, again.Upstream) {
		return aos.Errorf(aos.EUnknownOperation, "the upstream request is not the one that was authorised")
	}
	return nil
}

// sameOutbound reports whether two upstream requests are the same, byte
// for byte: method, URL, headers and body.
func sameOutbound(a, b *Outbound) bool {
	if b == nil || a.Method != b.Method || a.URL != b.URL || !bytes.Equal(a.Body, b.Body) || len(a.Header) != len(b.Header) {
		return false
	}
	for name, vs := range a.Header {
		if !slices.Equal(vs, b.Header[name]) {
			return false
		}
	}
	return true
}

// baseURLs holds the connections' base URLs parsed, per version.
var baseURLs = NewConfigs(func(c *aos.Connection) (*Endpoint, error) {
	ep, err := ParseBaseURL(c.BaseURL, CanonicalPath)
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "connection %s has an invalid base URL: %s", c.Name, aos.ErrorMessage(err))
	}
	return ep, nil
})
