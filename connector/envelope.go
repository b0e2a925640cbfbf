package connector

// Envelope is implemented by connectors whose upstream request names, in
// some of its header fields, where the call goes rather than what it
// carries: the envelope sender and recipients of a mail. The gateway scans
// every other header field of Call.Upstream for customer data, as it scans
// the URL and the body; the fields EnvelopeHeaders names (canonical names)
// are the destination, which the connector's facts describe instead.
type Envelope interface {
	EnvelopeHeaders() []string
}
