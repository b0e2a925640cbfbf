package email

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// OpSend is the one operation: send a message. It writes, and can raise
// public-claim (more recipients than the owner's limit) and customer-data
// (customer data found in the message by the gateway's scan).
var OpSend = aos.Operation{Name: "send", Access: aos.Write,
	Points: []aos.ApprovalPoint{aos.PointPublicClaim, aos.PointCustomerData}}

// Limits on what one send may carry.
const (
	// MaxRecipients bounds to+cc+bcc (after removing duplicates): one SMTP
	// transaction, bounded in time. The owner's recipient limit, usually
	// far lower, holds a send long before.
	MaxRecipients = 1000
	maxSubject    = 900
	maxName       = 200
)

// The Outbound of a send: method "send" to the server's URL, the envelope
// in pseudo-header fields (never sent as such), the message as the body.
// hdrShown, another pseudo-header field never sent, lists the To and Cc
// addresses that a recipient outside the company other than their owner
// reads in the message: the gateway scans it with the message, so a
// customer's address shown to an outsider is customer data leaving, while
// the envelope itself (where the mail goes) is not scanned.
const (
	methodSend    = "send"
	hdrMailFrom   = "Mail-From"
	hdrRcptTo     = "Rcpt-To"
	hdrShown      = "Shown-To-Outsiders"
	messageRFC822 = "message/rfc822"
)

// EnvelopeHeaders names the pseudo-header fields of a send's Outbound that
// say where the mail goes, which the gateway does not scan for customer
// data: mailing a customer is not leaking their address to them.
func (k *Connector) EnvelopeHeaders() []string { return []string{hdrMailFrom, hdrRcptTo} }

var _ connector.Envelope = (*Connector)(nil)

// shownToOutsiders returns the To and Cc addresses that some recipient
// outside the company, other than the address's owner, reads in the
// message (every recipient, Bcc included, reads To and Cc). Bcc addresses
// are shown to no one.
func shownToOutsiders(ep *endpoint, d *draft, rcpts []address) []string {
	var shown []string
	for _, a := range slices.Concat(d.to, d.cc) {
		if slices.ContainsFunc(rcpts, func(r address) bool { return r.key() != a.key() && !ep.isInternal(r) }) &&
			!slices.Contains(shown, a.addr) {
			shown = append(shown, a.addr)
		}
	}
	return shown
}

// addrList is one address or a list of them.
type addrList []string

func (l *addrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = addrList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return connector.BadRequest("to, cc, bcc and reply_to take an address or a list of addresses")
	}
	*l = many
	return nil
}

// sendArgs are the args of the send operation.
type sendArgs struct {
	From    string            `json:"from"`
	To      addrList          `json:"to"`
	Cc      addrList          `json:"cc"`
	Bcc     addrList          `json:"bcc"`
	ReplyTo addrList          `json:"reply_to"`
	Subject *string           `json:"subject"`
	Text    *string           `json:"text"`
	HTML    *string           `json:"html"`
	Headers map[string]string `json:"headers"`
}

const argsForm = `{"from": "Ada <ada@example.com>", "to": ["bob@example.org"], "cc": [], "bcc": [], "reply_to": "...", ` +
	`"subject": "...", "text": "...", "html": "...", "headers": {"In-Reply-To": "<id@example.org>"}}`

// FromCall maps POST /v1/call. The only operation is "send"; see the
// package documentation for its args. The message is built here, once:
// its exact bytes (with Date, Message-ID and a MIME boundary chosen now)
// are what the policy decides on, what the gateway scans and seals if the
// call is held, and what Do sends.
//
// Errors: EUnknownOperation for any other operation; EBadRequest for
// malformed args, naming the field (CR or LF in any header field is
// refused, never folded away); ETooLarge for a message over
// connector.MaxBody.
func (k *Connector) FromCall(c *aos.Connection, operation string, args json.RawMessage) (*connector.Call, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	if operation != OpSend.Name {
		return nil, aos.Errorf(aos.EUnknownOperation, "the email connector has one operation, send (got %q)", clip(operation))
	}
	if len(args) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "args are larger than %d MiB", connector.MaxBody>>20)
	}
	var a sendArgs
	if err := connector.DecodeArgs(args, &a, connector.ArgsForm{Example: argsForm,
		Fields: "from, to, cc, bcc, reply_to, subject, text, html and headers"}); err != nil {
		return nil, err
	}
	d, rcpts, err := a.draft()
	if err != nil {
		return nil, err
	}
	if err := newDraft(d, k.now()); err != nil {
		return nil, err
	}
	msg := d.bytes()
	if len(msg) > connector.MaxBody {
		return nil, aos.Errorf(aos.ETooLarge, "the message is larger than %d MiB", connector.MaxBody>>20)
	}
	h := http.Header{}
	h.Set(hdrMailFrom, d.from.addr)
	for _, r := range rcpts {
		h.Add(hdrRcptTo, r.addr)
	}
	for _, a := range shownToOutsiders(ep, d, rcpts) {
		h.Add(hdrShown, a)
	}
	h.Set("Content-Type", messageRFC822)
	// The call is read from the request built, as a sealed one is read
	// again (Reread): the facts decided on are those of what is sent.
	return envelopeCall(ep, &connector.Outbound{Method: methodSend, URL: ep.server(), Header: h, Body: msg})
}

// draft checks the args and returns the message to build and its
// envelope recipients: to, cc and bcc without duplicates (compared in
// lower case), in that order.
func (a *sendArgs) draft() (*draft, []address, error) {
	if a.From == "" {
		return nil, nil, connector.BadRequest("args.from is required: %s", argsForm)
	}
	from, err := field("from", a.From)
	if err != nil {
		return nil, nil, err
	}
	d := &draft{from: from}
	lists := []struct {
		name string
		in   addrList
		out  *[]address
	}{{"to", a.To, &d.to}, {"cc", a.Cc, &d.cc}, {"bcc", a.Bcc, nil}, {"reply_to", a.ReplyTo, &d.replyTo}}
	var rcpts []address
	seen := map[string]bool{}
	for _, l := range lists {
		for _, s := range l.in {
			addr, err := field(l.name, s)
			if err != nil {
				return nil, nil, err
			}
			if l.out != nil {
				*l.out = append(*l.out, addr)
			}
			if l.name != "reply_to" && !seen[addr.key()] {
				seen[addr.key()] = true
				rcpts = append(rcpts, addr)
			}
		}
	}
	switch {
	case len(rcpts) == 0:
		return nil, nil, connector.BadRequest("args: give at least one recipient in to, cc or bcc")
	case len(rcpts) > MaxRecipients:
		return nil, nil, connector.BadRequest("args: %d recipients is more than the %d one send may carry", len(rcpts), MaxRecipients)
	case a.Subject == nil:
		return nil, nil, connector.BadRequest("args.subject is required")
	case len(*a.Subject) > maxSubject:
		return nil, nil, connector.BadRequest("args.subject is longer than %d bytes", maxSubject)
	case hasControl(*a.Subject):
		return nil, nil, connector.BadRequest("args.subject contains a control character (CR, LF, ...); a subject is one line")
	case a.Text == nil && a.HTML == nil:
		return nil, nil, connector.BadRequest("args: give text, html or both")
	}
	d.subject, d.text, d.html = *a.Subject, a.Text, a.HTML
	if d.extra, err = extraHeaders(a.Headers); err != nil {
		return nil, nil, err
	}
	return d, rcpts, nil
}

// field parses one address argument, naming it in errors.
func field(name, s string) (address, error) {
	a, err := parseAddress(s)
	if err != nil {
		return address{}, connector.BadRequest("args.%s: %s", name, aos.ErrorMessage(err))
	}
	if len(a.name) > maxName {
		return address{}, connector.BadRequest("args.%s: a display name is longer than %d bytes", name, maxName)
	}
	return a, nil
}
