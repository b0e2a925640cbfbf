package email

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Timeouts of one SMTP session; the caller's context can only shorten them.
const (
	dialTimeout    = 10 * time.Second
	sessionTimeout = 2 * time.Minute
)

// credential is a parsed user:password.
type credential struct {
	user, password string
}

// parseCredential reads "user:password" (a trailing newline is dropped).
// Both parts are required and free of control characters. Errors carry
// code and never the secret.
func parseCredential(secret vault.Secret, code string) (credential, error) {
	v := strings.TrimRight(string(secret.Reveal()), "\r\n")
	user, password, ok := strings.Cut(v, ":")
	switch {
	case !ok || user == "" || password == "":
		return credential{}, aos.Errorf(code, "the email credential must be user:password (for AUTH PLAIN)")
	case hasControl(v):
		return credential{}, aos.Errorf(code, "the email credential contains a control character")
	}
	return credential{user: user, password: password}, nil
}

// redact removes the password, in every form it went on the wire, from a
// server's reply. Strings shorter than 8 bytes are left: they would match
// by chance and, by the gap, tell part of the password.
func (c credential) redact(msg string) string {
	blob := base64.StdEncoding.EncodeToString([]byte("\x00" + c.user + "\x00" + c.password))
	for _, s := range []string{blob, c.password} {
		if len(s) >= 8 {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}

// CheckCredential reports whether secret is user:password. The error
// never contains the secret.
func (k *Connector) CheckCredential(c *aos.Connection, secret vault.Secret) error {
	_, err := parseCredential(secret, aos.EBadRequest)
	return err
}

// session is one SMTP connection, greeted, protected as the endpoint
// requires, not yet logged in.
type session struct {
	ep     *endpoint
	cred   credential
	conn   net.Conn
	client *smtp.Client
	stop   func() bool
}

// open dials the server, protects the connection (implicit TLS, or a
// STARTTLS the server must offer, or nothing for a loopback tls=none
// server) and greets it with EHLO.
func (k *Connector) open(ctx context.Context, ep *endpoint, cred credential) (*session, error) {
	s := &session{ep: ep, cred: cred}
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", ep.addr())
	if err != nil {
		return nil, s.upstreamError(err)
	}
	deadline := time.Now().Add(sessionTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn.SetDeadline(deadline)
	s.stop = context.AfterFunc(ctx, func() { conn.Close() })
	cfg := &tls.Config{ServerName: ep.host, RootCAs: k.RootCAs, MinVersion: tls.VersionTLS12}
	if ep.tls == implicitTLS {
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			s.stop()
			conn.Close()
			return nil, s.upstreamError(err)
		}
		conn = tc
	}
	s.conn = conn
	if s.client, err = smtp.NewClient(conn, ep.host); err != nil {
		s.close()
		return nil, s.upstreamError(err)
	}
	if err := s.greet(cfg); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// greet sends EHLO and, for smtp://, STARTTLS.
func (s *session) greet(cfg *tls.Config) error {
	if err := s.client.Hello(heloName(s.conn)); err != nil {
		return s.upstreamError(err)
	}
	if s.ep.tls != startTLS {
		return nil
	}
	if !s.has("STARTTLS") {
		return aos.Errorf(aos.EUpstream, "%s does not offer STARTTLS, which smtp:// requires; use smtps:// if it speaks TLS on connect", s.ep.host)
	}
	if err := s.client.StartTLS(cfg); err != nil {
		return s.upstreamError(err)
	}
	return nil
}

// heloName is the client's address as an RFC 5321 address literal.
func heloName(c net.Conn) string {
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		if ip4 := a.IP.To4(); ip4 != nil {
			return "[" + ip4.String() + "]"
		}
		return "[IPv6:" + a.IP.String() + "]"
	}
	return "localhost"
}

func (s *session) has(ext string) bool {
	ok, _ := s.client.Extension(ext)
	return ok
}

// login authenticates with AUTH PLAIN.
func (s *session) login() error {
	ok, mechs := s.client.Extension("AUTH")
	if !ok || !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
		return aos.Errorf(aos.EUpstream, "%s does not offer AUTH PLAIN", s.ep.host)
	}
	err := s.client.Auth(plainAuth{s.cred, s.ep})
	var te *textproto.Error
	if errors.As(err, &te) {
		return aos.Errorf(aos.EUpstream, "%s refused the connection's credential (%d %s); check it or rotate it with `aos keys rotate`",
			s.ep.host, te.Code, clip(s.cred.redact(te.Msg)))
	}
	if err != nil {
		return s.upstreamError(err)
	}
	return nil
}

// transaction runs MAIL, RCPT for each recipient and DATA. On an error it
// names the stage and recipient it failed at, and resets the transaction
// so that nothing is delivered.
func (s *session) transaction(env *envelope) (stage, rcpt string, err error) {
	defer func() {
		if err != nil {
			s.client.Reset()
		}
	}()
	if err := s.client.Mail(env.from); err != nil {
		return "MAIL FROM", "", err
	}
	for _, r := range env.rcpts {
		if err := s.client.Rcpt(r); err != nil {
			return "RCPT TO", r, err
		}
	}
	w, err := s.client.Data()
	if err != nil {
		return "DATA", "", err
	}
	// The writer dot-stuffs lines that begin with '.' and ends the data.
	if _, err := w.Write(env.msg); err != nil {
		return "DATA", "", err
	}
	if err := w.Close(); err != nil {
		return "DATA", "", err
	}
	return "", "", nil
}

func (s *session) quit() { s.client.Quit() }

func (s *session) close() {
	if s.stop != nil {
		s.stop()
	}
	if s.client != nil {
		s.client.Close()
	} else if s.conn != nil {
		s.conn.Close()
	}
}

// upstreamError describes a failure to talk to the server, without the
// credential.
func (s *session) upstreamError(err error) error {
	var reason string
	var ne net.Error
	var cv *tls.CertificateVerificationError
	var te *textproto.Error
	switch {
	case errors.Is(err, context.Canceled):
		reason = "the call was canceled"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		reason = "timed out"
	case errors.As(err, &cv):
		reason = "its TLS certificate does not verify: " + cv.Err.Error()
	case errors.As(err, &te):
		reason = fmt.Sprintf("it answered %d %s", te.Code, clip(te.Msg))
	default:
		reason = err.Error()
	}
	return aos.Errorf(aos.EUpstream, "cannot talk to %s: %s", s.ep.addr(), s.cred.redact(reason))
}

// plainAuth is AUTH PLAIN (RFC 4616) that refuses to send the password
// unless the connection is TLS or the server is a loopback tls=none one.
type plainAuth struct {
	cred credential
	ep   *endpoint
}

func (a plainAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && a.ep.tls != noTLS {
		return "", nil, errors.New("refusing to send the password over an unencrypted connection")
	}
	return "PLAIN", []byte("\x00" + a.cred.user + "\x00" + a.cred.password), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge")
	}
	return nil, nil
}

// Inspect logs in to the server and out again, sending nothing. An SMTP
// login does not say which senders it may use: the server decides.
func (k *Connector) Inspect(ctx context.Context, c *aos.Connection, secret vault.Secret) (*connector.CredentialInfo, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	cred, err := parseCredential(secret, aos.EUpstream)
	if err != nil {
		return nil, err
	}
	s, err := k.open(ctx, ep, cred)
	if err != nil {
		return nil, err
	}
	defer s.close()
	if err := s.login(); err != nil {
		return nil, err
	}
	s.quit()
	return &connector.CredentialInfo{Kind: "SMTP login (AUTH PLAIN) accepted by " + ep.host, Scopes: []string{"send"}, CanWrite: true}, nil
}
