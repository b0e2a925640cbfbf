package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aos-dev/aos"
)

// Timeouts of the upstream client. They bound how long a call can hold a
// gateway worker; the caller's context can only shorten them.
const (
	dialTimeout           = 10 * time.Second
	tlsHandshakeTimeout   = 10 * time.Second
	responseHeaderTimeout = 60 * time.Second
	callTimeout           = 2 * time.Minute
	maxResponseHeader     = 1 << 20
)

// NewHTTPClient returns the client connectors use to reach upstreams.
//
// It never follows redirects: a 3xx goes back to the agent exactly as the
// upstream sent it, so a redirect can never carry the credential, or the
// call, to a host other than the connection's. It has dial, TLS, header and
// overall timeouts, bounds response headers, and uses the proxy named by
// the environment (HTTPS_PROXY, NO_PROXY), as Go's default client does.
func NewHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  http.ProxyFromEnvironment,
			DialContext:            dialer.DialContext,
			ForceAttemptHTTP2:      true,
			MaxIdleConns:           100,
			MaxIdleConnsPerHost:    32, // agents call the same few upstreams concurrently
			IdleConnTimeout:        90 * time.Second,
			TLSHandshakeTimeout:    tlsHandshakeTimeout,
			ExpectContinueTimeout:  time.Second,
			ResponseHeaderTimeout:  responseHeaderTimeout,
			MaxResponseHeaderBytes: maxResponseHeader,
		},
		Timeout: callTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// sharedHTTPClient is the client of connectors built without New.
var sharedHTTPClient = sync.OnceValue(NewHTTPClient)

// ClientOr returns client, or, when it is nil (a connector's zero value),
// one NewHTTPClient shared by every such connector.
func ClientOr(client *http.Client) *http.Client {
	if client != nil {
		return client
	}
	return sharedHTTPClient()
}

// Send sends req with client and reads the whole answer into a Response.
//
// A body longer than MaxBody is an *aos.Error with code ETooLarge. A
// failure to reach the upstream or read its answer is EUpstream, with a
// message that names req.URL.Host and the cause but never the URL (whose
// query may hold a credential); any occurrence of a redact string in that
// message is replaced by "[redacted]" as a last line of defence (strings
// of 8 bytes or more: shorter ones would match by chance). Callers
// pass every form of the credential that went on the wire. Hop-by-hop
// headers are removed from the answer, which is complete and no longer
// framed by the upstream connection.
//
// When req's context says the caller streams (WithStreaming) and the
// answer has no content coding, the body is not read: the Response's
// Stream is the upstream's body, of any length, for the caller to read
// and close (a read error there is the caller's to report). An answer
// that states a length of at most SmallAnswer bytes is read whole even
// then: holding it costs less than streaming it, and the agent gets it
// with its length rather than in chunks.
func Send(client *http.Client, req *http.Request, redact ...string) (*Response, error) {
	host := req.URL.Host
	resp, err := client.Do(req)
	if err != nil {
		return nil, upstreamError(host, err, redact)
	}
	small := resp.ContentLength >= 0 && resp.ContentLength <= SmallAnswer
	if streaming(req.Context()) && !encoded(resp.Header) && !small {
		h := ownHeader(resp)
		return &Response{Status: resp.StatusCode, Header: h, Stream: resp.Body}, nil
	}
	defer resp.Body.Close()
	if resp.ContentLength > MaxBody {
		return nil, tooLarge(host)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, upstreamError(host, err, redact)
	}
	if len(body) > MaxBody {
		return nil, tooLarge(host)
	}
	return &Response{Status: resp.StatusCode, Header: ownHeader(resp), Body: body}, nil
}

// ownHeader returns the header of resp, which the client made for this
// call alone, without its hop-by-hop fields: no copy is needed.
func ownHeader(resp *http.Response) http.Header {
	h := resp.Header
	if h == nil {
		h = http.Header{}
	}
	StripHopByHop(h)
	return h
}

// SmallAnswer is the longest answer Send reads whole when its caller
// streams (see Send).
const SmallAnswer = 64 << 10

func tooLarge(host string) error {
	return aos.Errorf(aos.ETooLarge, "the answer from %s is larger than %d MiB", host, MaxBody>>20)
}

// minRedact is the shortest redact string Send looks for.
const minRedact = 8

// upstreamError describes a transport failure for the agent. url.Error is
// unwrapped first because its text repeats the full URL, query included.
func upstreamError(host string, err error, redact []string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var dnsErr *net.DNSError
	var reason string
	switch {
	case errors.Is(err, context.Canceled):
		reason = "the call was canceled"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		reason = "timed out"
	case errors.As(err, &dnsErr):
		reason = "no such host"
	default:
		reason = err.Error()
	}
	msg := fmt.Sprintf("cannot reach %s: %s", host, reason)
	for _, s := range redact {
		// A short string would match by chance and, by the gap it left,
		// tell the reader part of the credential.
		if len(s) >= minRedact {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return &aos.Error{Code: aos.EUpstream, Message: msg}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// hopByHop are the header fields that describe one connection rather than
// the message (RFC 9110 §7.6.1), in canonical form. Proxy-* fields are
// handled by prefix.
var hopByHop = []string{"Connection", "Keep-Alive", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// IsHopByHop reports whether the header field name (in any case) belongs
// to one connection: Connection, Keep-Alive, Proxy-*, TE, Trailer,
// Transfer-Encoding or Upgrade. A proxy must not forward these.
func IsHopByHop(name string) bool {
	name = http.CanonicalHeaderKey(name)
	for _, h := range hopByHop {
		if name == h {
			return true
		}
	}
	return strings.HasPrefix(name, "Proxy-")
}

// StripHopByHop removes from h the hop-by-hop fields and every field that
// h's Connection header names.
func StripHopByHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for name := range h {
		if IsHopByHop(name) {
			delete(h, name)
		}
	}
}

type streamingKey struct{}

// WithStreaming returns ctx telling Send that the caller reads the answer
// as a stream (Response.Stream) and holds none of it: the gateway asks
// for it only of a connector that is an AnswerStreamer, for an answer
// nothing but the echo redactor (which works on a stream) reads.
func WithStreaming(ctx context.Context) context.Context {
	return context.WithValue(ctx, streamingKey{}, true)
}

func streaming(ctx context.Context) bool {
	on, _ := ctx.Value(streamingKey{}).(bool)
	return on
}

// AnswerStreamer is a connector whose Do returns Send's answer as Send
// made it, reading nothing of the body itself, so that the answer can be
// streamed (WithStreaming) to an agent.
type AnswerStreamer interface {
	StreamsAnswers()
}

// encoded reports whether h names a content coding other than identity.
func encoded(h http.Header) bool {
	for _, v := range h.Values("Content-Encoding") {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
				return true
			}
		}
	}
	return false
}
