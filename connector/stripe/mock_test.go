package stripe_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos/internal/testenv"
)

// The key the owner connects with: stripe-mock accepts any sk_test_ key.
const ownerKey = "sk_test_aosOwnerKey4eC39HqLyjWDarjtT1zdp7dc"

// mock is the one stripe-mock of this test binary, started by the first
// test that needs it and stopped by TestMain.
var mock struct {
	once sync.Once
	cmd  *exec.Cmd
	addr string // host:port of its HTTP listener
	err  string // why it could not start
}

func TestMain(m *testing.M) {
	code := m.Run()
	if mock.cmd != nil {
		mock.cmd.Process.Kill()
		mock.cmd.Wait()
	}
	os.Exit(code)
}

// stripeMock returns the address of a running stripe-mock, starting it
// once per test binary on free loopback ports. A missing binary skips the
// test (fails it under CI=true).
func stripeMock(t *testing.T) string {
	t.Helper()
	bin := testenv.Tool(t, "stripe-mock")
	mock.once.Do(func() {
		// Both listeners on port 0: stripe-mock would otherwise also open
		// HTTPS on its fixed default port, which parallel binaries share.
		cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
		out, err := cmd.StdoutPipe()
		if err != nil {
			mock.err = err.Error()
			return
		}
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			mock.err = err.Error()
			return
		}
		mock.cmd = cmd
		found := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if addr, ok := strings.CutPrefix(sc.Text(), "Listening for HTTP at address: "); ok {
					found <- addr
				}
			}
			close(found)
		}()
		select {
		case addr, ok := <-found:
			if !ok {
				mock.err = "stripe-mock exited before listening"
			}
			mock.addr = addr
		case <-time.After(20 * time.Second):
			mock.err = "stripe-mock did not listen within 20s"
		}
	})
	if mock.addr == "" {
		t.Fatalf("stripe-mock: %s", mock.err)
	}
	return mock.addr
}

// upstreamRequest is what the recorder in front of stripe-mock received.
type upstreamRequest struct {
	Method, URI, Authorization, Body string
	Header                           http.Header
}

// recorder sits between the gateway and stripe-mock: it records every
// request and forwards it, so tests can tell what Stripe received.
type recorder struct {
	URL    string
	target string
	mu     sync.Mutex
	got    []upstreamRequest
	// answer, if set, may change stripe-mock's answer to a request
	// (stripe-mock answers every id with one fixture: a test that needs
	// another charge says so here).
	answer func(uri string, status int, body []byte) (int, []byte)
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	r := &recorder{target: "http://" + stripeMock(t)}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, upstreamRequest{req.Method, req.RequestURI, req.Header.Get("Authorization"), string(body), req.Header.Clone()})
	r.mu.Unlock()
	out, err := http.NewRequestWithContext(req.Context(), req.Method, r.target+req.RequestURI, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = req.Header.Clone()
	resp, err := http.DefaultClient.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	status, answer := resp.StatusCode, io.Reader(resp.Body)
	r.mu.Lock()
	change := r.answer
	r.mu.Unlock()
	if change != nil {
		b, _ := io.ReadAll(resp.Body)
		var changed []byte
		status, changed = change(req.RequestURI, status, b)
		answer = bytes.NewReader(changed)
		resp.Header.Del("Content-Length")
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(status)
	io.Copy(w, answer)
}

// setAnswer sets the recorder's answer hook (see recorder.answer).
func (r *recorder) setAnswer(f func(uri string, status int, body []byte) (int, []byte)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answer = f
}

// take returns and forgets what the recorder received so far.
func (r *recorder) take() []upstreamRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

// localhostClient resolves every *.localhost name to 127.0.0.1, as RFC
// 6761 prescribes, for host-based routing to NAME.localhost.
func localhostClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err == nil && strings.HasSuffix(strings.ToLower(host), ".localhost") {
				addr = net.JoinHostPort("127.0.0.1", port)
			}
			return d.DialContext(ctx, network, addr)
		},
	}}
}
