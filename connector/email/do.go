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
// Do trusts nothing in call.Upstream: the call may have been sealed for
// an approval long before and the connection changed since. It sends only
// if the operation is send, the server is the connection's, the envelope
// sender is the From of the message and the resource that was authorised,
// the recipients are as many as the facts the policy decided on, the To
// and Cc of the message are among them, and the message has no Bcc,
// Sender or Resent- field and well-formed lines. Otherwise it returns
// EUnknownOperation or EOutOfScope (or EBadRequest for a malformed
// message) and contacts nobody.
//
// Errors: EUpstream when the server cannot be reached, has no STARTTLS or
// AUTH PLAIN, fails certificate verification or refuses the credential;
// messages name the server and never the credential.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	env, err := checkSealed(ep, call)
	if err != nil {
		return nil, err
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

// checkSealed re-checks a call before anything is sent (see Do).
func checkSealed(ep *endpoint, call *connector.Call) (*envelope, error) {
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no message to send")
	}
	out := call.Upstream
	if call.Operation.Name != OpSend.Name || call.Operation.Access != aos.Write || out.Method != methodSend {
		return nil, aos.Errorf(aos.EUnknownOperation, "the call is not the send operation that was authorised")
	}
	if out.URL != ep.server() {
		return nil, aos.Errorf(aos.EOutOfScope, "the message was authorised for another server than the connection's (%s)", ep.server())
	}
	froms := out.Header.Values(hdrMailFrom)
	if len(froms) != 1 || checkAddrSpec(froms[0]) != nil || Resource(froms[0]) != call.Resource {
		return nil, aos.Errorf(aos.EOutOfScope, "the sender is not the one that was authorised (%s)", call.Resource)
	}
	env := &envelope{from: froms[0], rcpts: out.Header.Values(hdrRcptTo), msg: out.Body}
	if err := checkRecipients(env.rcpts, call.Facts.Recipients); err != nil {
		return nil, err
	}
	if err := checkMessage(env); err != nil {
		return nil, err
	}
	return env, nil
}

// checkRecipients requires distinct, well-formed recipients, exactly as
// many as the policy decided on.
func checkRecipients(rcpts []string, decided int) error {
	if len(rcpts) == 0 || len(rcpts) > MaxRecipients || len(rcpts) != decided {
		return aos.Errorf(aos.EOutOfScope, "the recipients are not those that were authorised (%d decided on, %d in the envelope)", decided, len(rcpts))
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
