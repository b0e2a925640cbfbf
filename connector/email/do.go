package email

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/mail"
	"net/textproto"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// envelope is a checked send: sender, recipients and the message bytes.
type envelope struct {
	from      string
	rcpts     []string
	msg       []byte
	messageID string
	eightBit  bool
}

// Do sends the message of call through the connection's server, logged in
// with secret, and answers with a JSON result: 200 {"sent": true, ...}
// when the server accepted the message; 502 (a 5xx reply) or 503 (a 4xx
// reply, worth retrying later) with the stage, recipient and reply when
// it refused the sender, a recipient or the message, in which case no
// message was sent (the transaction is abandoned at the first refusal).
//
// Do sends the envelope and message decided on, byte for byte, as the
// mapping read them (call.Parsed, see readEnvelope): it does not read
// them again. A call sealed for an approval is read again once, by
// connector.Recheck (through Reread) in the gateway, before it is sent.
// It still never sends to another server than the connection's
// (EOutOfScope).
//
// Errors: EInternal for a call the connector did not map; EUpstream when
// the server cannot be reached, has no STARTTLS or AUTH PLAIN, fails
// certificate verification or refuses the credential; messages name the
// server and never the credential.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no message to send")
	}
	env, ok := call.Parsed.(*envelope)
	if !ok {
		return nil, aos.Errorf(aos.EInternal, "the call was not mapped by the email connector")
	}
	if call.Upstream.URL != ep.server() {
		return nil, aos.Errorf(aos.EOutOfScope, "the message was authorised for another server than the connection's (%s)", ep.server())
	}
	cred, err := parseCredential(secret, aos.EUpstream)
	if err != nil {
		return nil, err
	}
	ext, _ := external(ep, env.rcpts)
	res := &result{MessageID: env.messageID, From: env.from, Recipients: len(env.rcpts), External: ext, Server: ep.server()}
	s, err := k.open(ctx, ep, cred)
	if err != nil {
		return nil, err
	}
	defer s.close()
	if err := s.login(); err != nil {
		return nil, err
	}
	if env.eightBit && !s.has("8BITMIME") {
		return nil, aos.Errorf(aos.EUpstream, "%s does not accept 8-bit mail (no 8BITMIME); send ASCII text, or use a server that does", ep.host)
	}
	if stage, rcpt, err := s.transaction(env); err != nil {
		var te *textproto.Error
		if !errors.As(err, &te) {
			return nil, s.upstreamError(err)
		}
		res.Stage, res.Recipient, res.SMTPCode, res.Message = stage, rcpt, te.Code, cred.redact(te.Msg)
		status := http.StatusBadGateway
		if te.Code/100 == 4 {
			status = http.StatusServiceUnavailable
		}
		return res.response(status), nil
	}
	s.quit()
	res.Sent = true
	return res.response(http.StatusOK), nil
}

// SendsDecided marks the connector as a connector.DecidedSender.
func (k *Connector) SendsDecided() {}

// Reread reads a decided send's envelope and message again, as the
// connection is now, for connector.Recheck (see readEnvelope): they are
// the request, and cannot be built again from the args (the message's
// Date, Message-ID and MIME boundary were chosen when it was mapped).
func (k *Connector) Reread(c *aos.Connection, decided *connector.Call) (*connector.Call, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	return envelopeCall(ep, decided.Upstream)
}

// envelopeCall reads a send's upstream request (see readEnvelope) into
// the call it is: send, from the envelope sender, with as many
// recipients as the envelope has.
func envelopeCall(ep *endpoint, out *connector.Outbound) (*connector.Call, error) {
	env, err := readEnvelope(ep, out)
	if err != nil {
		return nil, err
	}
	call := &connector.Call{
		Operation: OpSend,
		Resource:  Resource(env.from),
		Facts:     aos.Facts{Recipients: len(env.rcpts)},
		Upstream:  out,
		Parsed:    env,
	}
	call.Facts.Internal = internal(ep, call)
	return call, nil
}

// readEnvelope reads a send's upstream request: method send to the
// connection's server, one well-formed envelope sender that is the From
// of the message, distinct well-formed recipients among which are the To
// and Cc of the message, and a message with no Bcc, Sender or Resent-
// field and well-formed lines. Otherwise it returns EUnknownOperation or
// EOutOfScope (or EBadRequest for a malformed message).
func readEnvelope(ep *endpoint, out *connector.Outbound) (*envelope, error) {
	if out == nil {
		return nil, connector.BadRequest("no message to send")
	}
	if out.Method != methodSend {
		return nil, aos.Errorf(aos.EUnknownOperation, "the call is not the send operation that was authorised")
	}
	if out.URL != ep.server() {
		return nil, aos.Errorf(aos.EOutOfScope, "the message was authorised for another server than the connection's (%s)", ep.server())
	}
	froms := out.Header.Values(hdrMailFrom)
	if len(froms) != 1 || checkAddrSpec(froms[0]) != nil {
		return nil, aos.Errorf(aos.EOutOfScope, "the envelope sender is not one well-formed address")
	}
	env := &envelope{from: froms[0], rcpts: out.Header.Values(hdrRcptTo), msg: out.Body}
	if err := checkRecipients(env.rcpts); err != nil {
		return nil, err
	}
	if err := checkMessage(env); err != nil {
		return nil, err
	}
	return env, nil
}

// checkRecipients requires 1 to MaxRecipients distinct, well-formed
// recipients.
func checkRecipients(rcpts []string) error {
	if len(rcpts) == 0 || len(rcpts) > MaxRecipients {
		return aos.Errorf(aos.EOutOfScope, "the envelope has %d recipients; a send has 1 to %d", len(rcpts), MaxRecipients)
	}
	seen := map[string]bool{}
	for _, r := range rcpts {
		k := strings.ToLower(r)
		if checkAddrSpec(r) != nil || seen[k] {
			return aos.Errorf(aos.EOutOfScope, "the envelope has a malformed or repeated recipient")
		}
		seen[k] = true
	}
	return nil
}

// checkMessage checks the message's lines and headers against the
// envelope, and notes whether it carries 8-bit data.
func checkMessage(env *envelope) error {
	bad := func(what string) error {
		return aos.Errorf(aos.EBadRequest, "the message to send is malformed: %s", what)
	}
	if len(env.msg) == 0 || len(env.msg) > connector.MaxBody {
		return bad("empty or too large")
	}
	lines := bytes.Split(env.msg, []byte("\n"))
	for i, line := range lines {
		last := i == len(lines)-1
		switch {
		case last && len(line) != 0:
			return bad("it does not end with CRLF")
		case !last && (len(line) == 0 || line[len(line)-1] != '\r'):
			return bad("a line ends with a bare LF")
		case len(line) > maxLine+1 || bytes.IndexByte(bytes.TrimSuffix(line, []byte("\r")), '\r') >= 0 || bytes.IndexByte(line, 0) >= 0:
			return bad("a line is too long or has a bare CR or NUL")
		}
	}
	env.eightBit = bytes.IndexFunc(env.msg, func(r rune) bool { return r >= 0x80 }) >= 0
	m, err := mail.ReadMessage(bytes.NewReader(env.msg))
	if err != nil {
		return bad("its header does not parse")
	}
	from, err := m.Header.AddressList("From")
	if err != nil || len(from) != 1 || !strings.EqualFold(from[0].Address, env.from) {
		return aos.Errorf(aos.EOutOfScope, "the From of the message is not the sender that was authorised")
	}
	for _, f := range []string{"Sender", "Bcc", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Bcc"} {
		if _, ok := m.Header[textproto.CanonicalMIMEHeaderKey(f)]; ok {
			return bad("it has a " + f + " field")
		}
	}
	inEnvelope := map[string]bool{}
	for _, r := range env.rcpts {
		inEnvelope[strings.ToLower(r)] = true
	}
	for _, f := range []string{"To", "Cc"} {
		list, err := m.Header.AddressList(f)
		if err != nil && !errors.Is(err, mail.ErrHeaderNotPresent) {
			return bad("its " + f + " field does not parse")
		}
		for _, a := range list {
			if !inEnvelope[strings.ToLower(a.Address)] {
				return aos.Errorf(aos.EOutOfScope, "the message's %s names a recipient the envelope does not have", f)
			}
		}
	}
	env.messageID = m.Header.Get("Message-Id")
	return nil
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json"}}
}
