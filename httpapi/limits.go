package httpapi

import (
	"log"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Limits bound what one connection can hold of the server, so that idle or
// slow clients (a keep-alive connection never reused, a body sent a byte at
// a time) cannot exhaust its file descriptors or goroutines and freeze it
// for everyone else. A zero field takes its value from DefaultLimits.
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's line and headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of a request's headers to
	// the end of its response: reading the body, the upstream call and
	// writing the answer. A long poll extends it to its own wait.
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its
	// next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's line and headers.
	MaxHeaderBytes int
	// MaxConns bounds the connections open at once; more wait to be
	// accepted until one closes.
	MaxConns int
}

// DefaultLimits are the limits of `aos serve`. WriteTimeout is longer than
// a body read (ReadTimeout) plus the longest upstream call (two minutes),
// so that no answer to a call that ran is cut off.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       time.Minute,
	WriteTimeout:      4 * time.Minute,
	IdleTimeout:       30 * time.Second,
	MaxHeaderBytes:    64 << 10,
	MaxConns:          256,
}

// orDefaults returns l with each zero field set from DefaultLimits.
func (l Limits) orDefaults() Limits {
	d := DefaultLimits
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	l.ReadHeaderTimeout = pick(l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	l.ReadTimeout = pick(l.ReadTimeout, d.ReadTimeout)
	l.WriteTimeout = pick(l.WriteTimeout, d.WriteTimeout)
	l.IdleTimeout = pick(l.IdleTimeout, d.IdleTimeout)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxConns <= 0 {
		l.MaxConns = d.MaxConns
	}
	return l
}

// HTTPServer returns an http.Server for s's handler with the limits l.
// Serve it on Listen's listener, which holds the connection limit.
func (s *Server) HTTPServer(l Limits, errorLog *log.Logger) *http.Server {
	l = l.orDefaults()
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          errorLog,
	}
}

// Listen returns ln accepting at most l.MaxConns connections at once.
func (l Limits) Listen(ln net.Listener) net.Listener {
	return netutil.LimitListener(ln, l.orDefaults().MaxConns)
}

// longPollSlack is how much longer than its wait a long poll may take to
// read the approval and write the answer.
const longPollSlack = 30 * time.Second

// extendDeadlines lets a long poll of wait outlive the server's read and
// write timeouts: the connection's deadlines move to wait plus
// longPollSlack from now. (The read deadline matters too: when it passes,
// the server takes the connection for broken and cancels the request.)
func extendDeadlines(w http.ResponseWriter, wait time.Duration) {
	if wait <= 0 {
		return
	}
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(wait + longPollSlack)
	rc.SetReadDeadline(deadline)
	rc.SetWriteDeadline(deadline)
}
