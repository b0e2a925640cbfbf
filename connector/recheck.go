package connector

import (
	"bytes"
	"slices"

	"github.com/aos-dev/aos"
)

// DecidedSender is implemented by connectors whose Do sends
// call.Upstream as it was decided on, byte for byte, adding only the
// credential: it neither parses the request again nor maps it again
// (what it needs of the request, the mapping carries in call.Parsed). A
// call sealed for an approval is read again once, before it is sent, by
// Recheck in the gateway's pipeline, through the connector's Reread
// (Rereader) or, for an HTTPMapper, its FromHTTP.
type DecidedSender interface {
	Connector
	// SendsDecided marks the connector; it does nothing.
	SendsDecided()
}

// Rereader is implemented by DecidedSenders whose sealed requests are not
// read again by FromHTTP on their URL relative to the base URL: one that
// is not HTTP-shaped (email's envelope and message, postgres's
// statement, mcp's tool call), whose proxy paths are not its upstream paths (slack's
// /api/METHOD), whose calls go to more than one endpoint (ga4's
// Measurement Protocol), or whose facts depend on what it learnt from the
// upstream (github's default branches, slack's shared channels, the
// relations a postgres plan reaches and the customers its result
// carries).
//
// Facts learnt from the upstream are not read again from the connector's
// memory, which may have been emptied or grown stale since the decision
// (a member count that grew is no reason to refuse an approved post):
// Reread takes them as decided, and Do confirms them with the upstream
// right before sending, returning a Redecide, having sent nothing, when
// the upstream shows otherwise. Every fact the request itself states is
// read again and compared.
type Rereader interface {
	// Reread maps decided.Upstream again, as the connection is now,
	// exactly as FromHTTP or FromCall mapped the request it was built
	// from, with the learnt facts of decided, and returns that call with
	// its Parsed set.
	Reread(c *aos.Connection, decided *Call) (*Call, error)
}

// Recheck reads a call's upstream request again through the connector's
// mapping (Reread, or FromHTTP on the URL relative to the base URL), as
// the connection is now, compares it with the call decided on
// (CheckDecided), and requires the request the connector maps now to be
// the sealed one, byte for byte; call.Parsed becomes the new reading, for
// Do. The gateway calls it before sending a call sealed for an approval,
// which may have been decided long before: the connection's base URL,
// declared operations or what the connector knows may have changed
// since. For a connector that is not a DecidedSender it does nothing:
// such a connector checks a sealed call in its Do.
//
// Errors: EOutOfScope for a request outside the connection's base URL,
// the errors of the mapping for one that does not map, and those of
// CheckDecided.
func Recheck(k Connector, c *aos.Connection, call *Call) error {
	m, ok := k.(DecidedSender)
	if !ok {
		return nil
	}
	if call == nil || call.Upstream == nil {
		return BadRequest("no upstream request")
	}
	again, err := reread(m, c, call)
	if err != nil {
		return err
	}
	if err := CheckDecided(call, again); err != nil {
		return err
	}
	if !sameOutbound(call.Upstream, again.Upstream) {
		return aos.Errorf(aos.EUnknownOperation, "the upstream request is not the one that was authorised")
	}
	call.Parsed = again.Parsed
	return nil
}

// reread maps a decided call's upstream request again (see Recheck).
func reread(m DecidedSender, c *aos.Connection, call *Call) (*Call, error) {
	if r, ok := m.(Rereader); ok {
		return r.Reread(c, call)
	}
	hm, ok := m.(HTTPMapper)
	if !ok {
		return nil, aos.Errorf(aos.EInternal, "the %s connector cannot read a sealed call again", m.Type())
	}
	ep, err := baseURLs.Get(c)
	if err != nil {
		return nil, err
	}
	out := call.Upstream
	rel, query, err := ep.Relative(out.URL)
	if err != nil {
		return nil, err
	}
	return hm.FromHTTP(c, &HTTPRequest{Method: out.Method, RawPath: rel, RawQuery: query, Header: out.Header, Body: out.Body})
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
