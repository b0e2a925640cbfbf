package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// instance is an `aos serve` running in-process on a temporary home.
type instance struct {
	home   string
	url    string
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan int
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startInstance runs `aos serve` on home (a new temp dir if "") until the
// test ends.
func startInstance(t testing.TB, home string, args ...string) *instance {
	t.Helper()
	if home == "" {
		home = filepath.Join(t.TempDir(), "home")
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{home: home, logs: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	os.Remove(filepath.Join(home, serverURLFile))
	go func() {
		in.done <- Main(ctx, append([]string{"serve", "--home", home, "--listen", "127.0.0.1:0"}, args...), strings.NewReader(""), in.logs, in.logs)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(home, serverURLFile)); err == nil && len(bytes.TrimSpace(b)) > 0 {
			in.url = strings.TrimSpace(string(b))
			break
		}
		select {
		case code := <-in.done:
			t.Fatalf("aos serve exited with %d:\n%s", code, in.logs)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if in.url == "" {
		t.Fatalf("aos serve did not start:\n%s", in.logs)
	}
	t.Cleanup(in.stop)
	return in
}

// stop shuts the server down and waits for it.
func (in *instance) stop() {
	if in.cancel == nil {
		return
	}
	in.cancel()
	in.cancel = nil
	<-in.done
}

// aos runs a CLI command against the instance and returns its exit code,
// stdout and stderr.
func (in *instance) aos(t testing.TB, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	args = append(args[:len(args):len(args)], "--home", in.home)
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// must runs a CLI command that must succeed and returns its stdout.
func (in *instance) must(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	code, out, errs := in.aos(t, stdin, args...)
	if code != 0 {
		t.Fatalf("aos %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// call sends a request as an agent and returns the status and body.
func call(t testing.TB, method, url, token, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// countingUpstream is a loopback upstream that counts requests and keeps
// the last Authorization header it saw.
type countingUpstream struct {
	*httptest.Server
	n    atomic.Int64
	mu   sync.Mutex
	auth []string
}

func newUpstream(t testing.TB) *countingUpstream {
	u := &countingUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.n.Add(1)
		u.mu.Lock()
		u.auth = append(u.auth, r.Header.Get("Authorization"))
		u.mu.Unlock()
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"contacts":[{"id":42,"email":"ada@example.com"}]}`))
	}))
	t.Cleanup(u.Close)
	return u
}
