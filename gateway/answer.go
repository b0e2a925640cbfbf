package gateway

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// echoReplacement is what an agent, and the store, get where the upstream
// echoed the connection's credential. The transports write the length of
// the body they send, so a body that changes length stays well framed.
const echoReplacement = "[redacted by aos]"

// sendCall sends call upstream with k and returns the answer as it may be
// passed on (see passable), and whether the upstream echoed the
// credential. Every upstream call goes through it: allowed calls
// (execute) and approved ones (Execute), so what the agent receives and
// what an approval's sealed result holds are the same. It sends nothing
// with a credential declared exposed after the call was authorised
// (guardSend).
func (g *Gateway) sendCall(ctx context.Context, k connector.Connector, conn *aos.Connection, cred *aos.Credential, secret vault.Secret, call *connector.Call, on decidedOn) (*connector.Response, bool, error) {
	release, err := g.guardSend(ctx, conn, cred, on)
	if err != nil {
		return nil, false, err
	}
	defer release()
	echo := g.redactors.get(redactorKey{credKey{conn.ID, cred.Version}, string(cred.Sealed)}, secret)
	start := time.Now()
	resp, err := k.Do(ctx, conn, secret, call)
	g.observeUpstream(conn.Name, start)
	if err != nil {
		err, echoed := redactError(err, echo)
		return nil, echoed, err
	}
	return passable(k, conn, call, resp, echo)
}

// passable returns the upstream's answer as it may reach the agent and
// the store: its body decoded (see decodeBody), every form of the
// credential that echo knows replaced in the body and in the header names
// and values, and only the headers connector.PassAnswerHeaders lets pass.
// It reports whether the credential was found.
//
// A streamed answer (resp.Stream; connector.Send streams only an answer
// without a content coding) keeps streaming through the echo redactor's
// sliding window (an *echoStream); whether it found the credential in the
// body is known once the stream is read.
func passable(k connector.Connector, conn *aos.Connection, call *connector.Call, resp *connector.Response, echo *vault.EchoRedactor) (*connector.Response, bool, error) {
	var body []byte
	var stream io.ReadCloser
	echoed := false
	if resp.Stream != nil {
		stream = &echoStream{EchoReader: echo.Reader(resp.Stream), src: resp.Stream}
	} else {
		var err error
		if body, err = decodeBody(resp.Header, resp.Body); err != nil {
			return nil, false, err
		}
		body, echoed = echo.Redact(body)
	}
	h := http.Header{}
	for name, vs := range resp.Header {
		if _, found := echo.RedactString(name); found {
			echoed = true
			continue // a header named after the credential says nothing else
		}
		for _, v := range vs {
			v, found := echo.RedactString(v)
			echoed = echoed || found
			h[name] = append(h[name], v)
		}
	}
	requestURL := ""
	if call != nil && call.Upstream != nil {
		requestURL = call.Upstream.URL
	}
	h = connector.PassAnswerHeaders(k, h, conn.BaseURL, requestURL)
	return &connector.Response{Status: resp.Status, Header: h, Body: body, Stream: stream, Customers: resp.Customers}, echoed, nil
}

// echoStream is an upstream's body read through the echo redactor.
type echoStream struct {
	*vault.EchoReader
	src io.Closer
}

func (s *echoStream) Close() error { return s.src.Close() }

// outcomeStream counts what a streamed answer passed on and, once closed
// (or broken off), hands the count, the read error if any and whether the
// body echoed the credential to done, exactly once.
type outcomeStream struct {
	io.ReadCloser
	echo    *echoStream
	n       int64
	readErr error
	once    sync.Once
	done    func(n int64, readErr error, echoed bool)
}

func (s *outcomeStream) Read(p []byte) (int, error) {
	n, err := s.ReadCloser.Read(p)
	s.n += int64(n)
	if err != nil && err != io.EOF && s.readErr == nil {
		s.readErr = aos.Errorf(aos.EUpstream, "the upstream's answer broke off after %d bytes", s.n)
	}
	return n, err
}

func (s *outcomeStream) Close() error {
	err := s.ReadCloser.Close()
	s.once.Do(func() { s.done(s.n, s.readErr, s.echo.Found()) })
	return err
}

// redactError replaces the credential in the message of an error a
// connector returned, which reaches the agent.
func redactError(err error, echo *vault.EchoRedactor) (error, bool) {
	var e *aos.Error
	var rd *connector.Redecide
	switch {
	case errors.As(err, &e):
		msg, found := echo.RedactString(e.Message)
		if found {
			return &aos.Error{Code: e.Code, Message: msg}, true
		}
	case errors.As(err, &rd):
		reason, found := echo.RedactString(rd.Reason)
		if found {
			return &connector.Redecide{Reason: reason, Call: rd.Call}, true
		}
	}
	return err, false
}

// maxEncodings bounds how many content codings decodeBody undoes.
const maxEncodings = 2

// decodeBody returns body with the content codings its Content-Encoding
// names undone: gzip and deflate (zlib or raw). The credential can only
// be found in plain bytes, so an answer in any other coding, or one that
// does not decode, is EUpstream and reaches no one; one that decodes to
// more than connector.MaxBody is ETooLarge. Connectors do not ask for
// compression themselves; the upstream client asks for gzip and decodes
// it, so this is for upstreams that compress unasked.
func decodeBody(h http.Header, body []byte) ([]byte, error) {
	var codings []string
	for _, v := range h.Values("Content-Encoding") {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
				codings = append(codings, c)
			}
		}
	}
	if len(body) == 0 {
		return body, nil // a HEAD or 304 answer names the coding of a body it does not carry
	}
	if len(codings) > maxEncodings {
		return nil, aos.Errorf(aos.EUpstream, "the upstream's answer is compressed %d times over; aos passes on only what it can read", len(codings))
	}
	for i := len(codings) - 1; i >= 0; i-- {
		var r io.Reader
		var err error
		switch codings[i] {
		case "gzip", "x-gzip":
			r, err = gzip.NewReader(bytes.NewReader(body))
		case "deflate":
			r, err = zlib.NewReader(bytes.NewReader(body))
			if err != nil { // some servers send raw deflate under this name
				r, err = flate.NewReader(bytes.NewReader(body)), nil
			}
		default:
			return nil, aos.Errorf(aos.EUpstream, "the upstream answered in a content coding aos cannot read (it reads gzip and deflate); nothing was passed on")
		}
		if err == nil {
			body, err = io.ReadAll(io.LimitReader(r, connector.MaxBody+1))
		}
		if err != nil {
			return nil, aos.Errorf(aos.EUpstream, "the upstream's compressed answer does not decode; nothing was passed on")
		}
		if len(body) > connector.MaxBody {
			return nil, aos.Errorf(aos.ETooLarge, "the upstream's answer decodes to more than %d MiB", connector.MaxBody>>20)
		}
	}
	return body, nil
}

// echoWebhookEvery is how often the webhook hears of echoes on one
// connection. Every echo is in the evidence and the server log; the
// webhook, which a person reads, hears of the first and then at most once
// an hour, so that an upstream echoing on every call cannot flood it (nor
// hold a goroutine per call retrying it).
const echoWebhookEvery = time.Hour

// echoWarnings remembers when the webhook last heard of an echo on each
// connection.
type echoWarnings struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// due reports whether the webhook should hear of an echo on conn now, and
// if so notes that it did.
func (e *echoWarnings) due(conn string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if last, ok := e.last[conn]; ok && now.Sub(last) < echoWebhookEvery {
		return false
	}
	if e.last == nil {
		e.last = map[string]time.Time{}
	}
	e.last[conn] = now
	return true
}

// warnEcho tells the owner that the upstream echoed a connection's
// credential (redacted before anyone saw it): a warning in the server log
// and, if one is configured, the webhook (see echoWebhookEvery). Neither
// carries the credential.
func (g *Gateway) warnEcho(ctx context.Context, conn, operation string, authorized int64) {
	if g.Logger != nil {
		g.Logger.Warn("the upstream echoed the connection's credential in its answer; aos redacted it",
			"connection", conn, "operation", operation, "authorized_entry", authorized)
	}
	if g.Approvals == nil {
		return
	}
	if w, ok := g.Approvals.Notify.(approval.Warner); ok && g.echoes.due(conn, g.Now()) {
		go w.Warn(context.WithoutCancel(ctx), approval.CredentialEchoWarning(conn, operation, authorized))
	}
}

// maxRedactors bounds the echo redactors kept; past it they are built anew.
const maxRedactors = 1024

// redactors keeps the echo redactor of each credential version: building
// one (every encoded form of the secret, and a replacer over them) costs
// more than the rest of a small call's answer handling. The key holds the
// sealed secret itself, so a redactor is only ever used for the secret it
// was built from.
type redactors struct {
	mu sync.Mutex
	m  map[redactorKey]*vault.EchoRedactor
}

type redactorKey struct {
	credKey
	sealed string
}

func (r *redactors) get(k redactorKey, secret vault.Secret) *vault.EchoRedactor {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.m[k]; e != nil {
		return e
	}
	e := secret.EchoRedactor(echoReplacement)
	if r.m == nil || len(r.m) >= maxRedactors {
		r.m = map[redactorKey]*vault.EchoRedactor{}
	}
	r.m[k] = e
	return e
}
