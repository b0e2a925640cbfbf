package main

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// upstream is the loopback tool every path calls: a small JSON answer on
// /v1/contacts, and blobBytes of data on /v1/blob, written in pieces so the
// upstream itself never holds the whole body.
type upstream struct {
	srv  *http.Server
	url  string
	key  string // the credential it expects
	hits atomic.Int64
}

const blobBytes = 100 << 20

var contactsBody = []byte(`{"contacts":[{"id":42,"name":"Ada","plan":"pro"}]}`)

func startUpstream(key string) (*upstream, error) {
	u := &upstream{key: key}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/contacts", func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		if !u.authorized(r) {
			http.Error(w, "bad credential", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(contactsBody)))
		w.Write(contactsBody)
	})
	mux.HandleFunc("/v1/blob", func(w http.ResponseWriter, r *http.Request) {
		if !u.authorized(r) {
			http.Error(w, "bad credential", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(blobBytes))
		chunk := make([]byte, 64<<10)
		for i := range chunk {
			chunk[i] = byte('a' + i%26)
		}
		for sent := 0; sent < blobBytes; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	u.srv = &http.Server{Handler: mux}
	u.url = "http://" + ln.Addr().String()
	go u.srv.Serve(ln)
	return u, nil
}

func (u *upstream) authorized(r *http.Request) bool {
	return subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+u.key)) == 1
}

// bareProxy is the yardstick: httputil.ReverseProxy that checks the agent's
// token and swaps in the upstream credential, nothing else, over a transport
// tuned for many keep-alive connections to one host.
type bareProxy struct {
	srv *http.Server
	url string
}

func startBareProxy(upstreamURL, agentToken, key string) (*bareProxy, error) {
	target, err := url.Parse(upstreamURL)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Header.Set("Authorization", "Bearer "+key)
		},
		Transport: tunedTransport(),
		// A client that gives up at the end of a run is not news.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	want := []byte("Bearer " + agentToken)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			http.Error(w, "unauthenticated", http.StatusUnauthorized)
			return
		}
		rp.ServeHTTP(w, r)
	})
	p := &bareProxy{srv: &http.Server{Handler: h}, url: "http://" + ln.Addr().String()}
	go p.srv.Serve(ln)
	return p, nil
}

func tunedTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// target is one path under load: a URL and the token to send.
type target struct {
	name  string
	url   string
	token string
}

func (t target) do(ctx context.Context, c *http.Client) error {
	req, err := http.NewRequestWithContext(ctx, "GET", t.url, nil)
	if err != nil {
		return err
	}
	if t.token != "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: status %d", t.name, resp.StatusCode)
	}
	return nil
}

// closedLoop runs clients callers, each sending its next request as soon as
// the previous one is answered, for d; it returns requests per second and
// how many were answered.
func closedLoop(t target, clients int, d time.Duration) (float64, int64, error) {
	c := &http.Client{Transport: tunedTransport()}
	defer c.CloseIdleConnections()
	// Warm the connections so set-up is not measured.
	if err := t.do(context.Background(), c); err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := t.do(ctx, c); err != nil {
					if ctx.Err() == nil {
						once.Do(func() { firstErr = err; cancel() })
					}
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, 0, firstErr
	}
	return float64(n.Load()) / time.Since(start).Seconds(), n.Load(), nil
}

// latencies are the quantiles of one open-loop run.
type latencies struct {
	rate           int
	sent, late     int // late: answered more than 1 s after being due
	p50, p99, p999 time.Duration
}

// openLoop sends rate requests per second for d, each due at a fixed time
// on the schedule, and measures each latency from its due time, not from
// when it was sent: a request held back by a slow answer counts the wait
// (no coordinated omission). Up to 256 requests may be in flight; the
// others wait, and their wait counts.
func openLoop(t target, rate int, d time.Duration) (latencies, error) {
	c := &http.Client{Transport: tunedTransport()}
	defer c.CloseIdleConnections()
	if err := t.do(context.Background(), c); err != nil {
		return latencies{}, err
	}
	total := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	due := make(chan time.Time, total)
	lat := make([]time.Duration, total)
	var firstErr error
	var errOnce sync.Once
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 256 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for at := range due {
				if err := t.do(context.Background(), c); err != nil {
					errOnce.Do(func() { firstErr = err })
				}
				lat[next.Add(1)-1] = time.Since(at)
			}
		}()
	}
	start := time.Now()
	for i := range total {
		at := start.Add(time.Duration(i) * interval)
		if w := time.Until(at); w > 0 {
			time.Sleep(w)
		}
		due <- at
	}
	close(due)
	wg.Wait()
	if firstErr != nil {
		return latencies{}, firstErr
	}
	l := quantiles(lat)
	l.rate = rate
	return l, nil
}

// quantiles sorts lat and returns its count, quantiles and the count of
// latencies over 1 s.
func quantiles(lat []time.Duration) latencies {
	if len(lat) == 0 {
		return latencies{}
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	l := latencies{sent: len(lat), p50: q(0.50), p99: q(0.99), p999: q(0.999)}
	for _, x := range lat {
		if x > time.Second {
			l.late++
		}
	}
	return l
}
