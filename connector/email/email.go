// Package email is the `email` connector: agents send mail through the
// company's SMTP submission server, as senders the owner granted, with
// the server's login kept by the gateway.
//
// Agents reach it through POST /v1/call with the operation "send":
//
//	{"from": "Ada <ada@example.com>", "to": ["bob@example.org"], "cc": [], "bcc": [],
//	 "reply_to": "support@example.com", "subject": "Hello", "text": "...", "html": "...",
//	 "headers": {"In-Reply-To": "<id@example.org>"}}
//
// to, cc, bcc and reply_to take one address or a list; text, html or both
// (multipart/alternative) are required; headers is limited to
// In-Reply-To, References, List-Unsubscribe, List-Unsubscribe-Post and
// Auto-Submitted. The connector builds one RFC 5322 message (CRLF line
// ends, folded headers, RFC 2047 encoded words for non-ASCII subjects and
// names, UTF-8 bodies as 7bit or 8bit, Date and a random Message-ID at the
// sender's domain); a control character in any header field, CR and LF
// included, is refused. Those exact bytes are decided on, scanned, sealed
// if the call is held, and sent.
//
// # Resources and scopes
//
// The resource of a send is "from:ADDRESS", the From address in lower
// case; it is also the envelope sender. Scopes are "from:ADDRESS" (that
// sender), "from:*@DOMAIN" (any sender at exactly that domain) or "*"
// (any sender, spelled out).
//
// # Facts
//
// Recipients is the number of distinct addresses in to, cc and bcc: more
// than the owner's recipient limit holds the send at public-claim. A send
// is not public by itself. The gateway's scan of the message sets the
// customer-data facts: it reads the Subject, every display name, the
// Reply-To addresses, the message ids and other header fields, and the
// text and HTML bodies (HTML as the text it renders to). The envelope
// (where the mail goes) is not scanned: mailing a customer is not leaking
// their address. But every recipient, Bcc included, reads To and Cc, so
// the To and Cc addresses that some recipient outside the company, other
// than the address's owner, reads are scanned with the message. The
// connection may name the company's internal domains (internal=... in the
// base URL); a send's result lists its external recipients, those at any
// other domain.
//
// # Connection
//
// The base URL is the submission server:
//
//	smtp://HOST[:587]      STARTTLS, required: a server that does not offer it is an error
//	smtps://HOST[:465]     implicit TLS
//	smtp://127.0.0.1:PORT?tls=none    no TLS at all, for a loopback test server only
//
// with the option internal=example.com,example.org. Certificates are
// verified against the system roots (Connector.RootCAs in tests). The
// credential is "user:password", sent with AUTH PLAIN, and only over TLS
// or to a loopback server.
package email

import (
	"crypto/x509"
	"encoding/json"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// Type is the connector type name, as in `aos connect email NAME`.
const Type = "email"

// Connector is the email connector. It is safe for concurrent use; set
// its fields before first use. The zero value is ready.
type Connector struct {
	// RootCAs verifies the servers' certificates; nil means the system's.
	RootCAs *x509.CertPool
	// Now is the clock of the Date header; nil means time.Now.
	Now func() time.Time
}

var (
	_ connector.Connector         = (*Connector)(nil)
	_ connector.Rereader          = (*Connector)(nil)
	_ connector.DecidedSender     = (*Connector)(nil)
	_ connector.CredentialChecker = (*Connector)(nil)
	_ connector.Inspector         = (*Connector)(nil)
)

// New returns an email connector that verifies servers against the
// system's roots.
func New() *Connector { return &Connector{} }

func (k *Connector) now() time.Time {
	if k.Now != nil {
		return k.Now()
	}
	return time.Now()
}

// Type returns "email".
func (k *Connector) Type() string { return Type }

// Describe lists the scope syntax and the send operation.
func (k *Connector) Describe() connector.Description {
	return connector.Description{
		Type: Type,
		Summary: "Mail through an SMTP submission server (--base-url smtp://HOST:587 with STARTTLS, or smtps://HOST:465; " +
			"?internal=example.com,example.org names the company's domains; ?tls=none only for a loopback test server). " +
			"The credential is user:password for AUTH PLAIN. Agents call POST /v1/call with operation send and args " +
			"{from, to, cc, bcc, reply_to, subject, text, html, headers}. The resource is the From address; " +
			"recipients (to+cc+bcc) over the owner's limit hold the send at public-claim; customer data in it holds at customer-data.",
		ScopeSyntax: []string{
			"from:ADDRESS (that sender, any case)",
			"from:*@DOMAIN (any sender at exactly that domain)",
			"* (any sender)",
		},
		Operations: []aos.Operation{OpSend},
	}
}

// CheckScope validates a scope and returns its canonical form; see the
// package function CheckScope.
func (k *Connector) CheckScope(scope string) (string, error) { return CheckScope(scope) }

// Covers reports whether scope covers resource; see the package function
// Covers.
func (k *Connector) Covers(scope, resource string) bool { return Covers(scope, resource) }

// Configure validates and normalises the base URL (see the package
// documentation): scheme and host in lower case, the default port written
// out, internal domains sorted. It refuses an auth mode and a config,
// which the email connector does not take. Errors are EBadRequest.
func (k *Connector) Configure(c *aos.Connection) error {
	ep, err := parseEndpoint(c.BaseURL)
	if err != nil {
		return err
	}
	if c.Auth != "" {
		return connector.BadRequest("the email connector takes no --auth: the credential user:password is sent with AUTH PLAIN")
	}
	if len(strings.TrimSpace(string(c.Config))) != 0 {
		return connector.BadRequest("the email connector takes no config; options go in the base URL (?internal=..., ?tls=none)")
	}
	c.BaseURL = ep.String()
	return nil
}

// configs holds the parsed settings of connections, one immutable value
// per connection version (connector.Configs).
var configs = connector.NewConfigs(parseSettings)

// settings returns a connection's parsed settings, parsed once per connection
// version.
func settings(c *aos.Connection) (*endpoint, error) { return configs.Get(c) }

// parseSettings parses a configured connection's base URL. It was checked by
// Configure, so a failure means the stored connection was altered.
func parseSettings(c *aos.Connection) (*endpoint, error) {
	ep, err := parseEndpoint(c.BaseURL)
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "connection %s has an invalid base URL: %s", c.Name, aos.ErrorMessage(err))
	}
	return ep, nil
}

// Internal reports whether every envelope recipient of a send is at one
// of the connection's internal domains, so that nothing in the message
// leaves the company. It is false for anything that is not a well-formed
// send, and when the connection names no internal domains.
func (k *Connector) Internal(c *aos.Connection, call *connector.Call) bool {
	ep, err := settings(c)
	return err == nil && internal(ep, call)
}

// internal is Internal with the connection's endpoint already parsed.
func internal(ep *endpoint, call *connector.Call) bool {
	if call == nil || call.Upstream == nil {
		return false
	}
	rcpts := call.Upstream.Header.Values(hdrRcptTo)
	ext, err := external(ep, rcpts)
	return err == nil && len(rcpts) > 0 && len(ext) == 0
}

// external returns the recipients at a domain that is not internal.
func external(ep *endpoint, rcpts []string) ([]string, error) {
	ext := []string{}
	for _, r := range rcpts {
		if err := checkAddrSpec(r); err != nil {
			return nil, err
		}
		if a := (address{addr: r}); !ep.isInternal(a) {
			ext = append(ext, a.key())
		}
	}
	return ext, nil
}

// result is the JSON body of a send's answer.
type result struct {
	Sent      bool   `json:"sent"`
	MessageID string `json:"message_id,omitempty"`
	From      string `json:"from"`
	// Recipients counts the envelope recipients; External lists those
	// outside the connection's internal domains.
	Recipients int      `json:"recipients"`
	External   []string `json:"external_recipients"`
	Server     string   `json:"server"`
	// On a refusal: the SMTP stage, the recipient at fault and the reply.
	Stage     string `json:"stage,omitempty"`
	Recipient string `json:"recipient,omitempty"`
	SMTPCode  int    `json:"smtp_code,omitempty"`
	Message   string `json:"message,omitempty"`
}

func (r *result) response(status int) *connector.Response {
	b, _ := json.Marshal(r)
	return &connector.Response{Status: status, Header: jsonHeader(), Body: b}
}
