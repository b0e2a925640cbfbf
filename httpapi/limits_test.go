package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/internal/gatewaytest"
)

// limitedServer is the HTTP API served on loopback with given limits, the
// way `aos serve` serves it, counting the connections it has open.
type limitedServer struct {
	in    *gatewaytest.Instance
	url   string
	addr  string
	mu    sync.Mutex
	open  int
	most  int
	token string // an agent's
	agent *aos.Principal
}

func startLimited(t *testing.T, l httpapi.Limits, maxWait time.Duration) *limitedServer {
	t.Helper()
	in := gatewaytest.Start(t, rest.New())
	ls := &limitedServer{in: in, token: in.Agent(t, "scout", "")}
	var err error
	if ls.agent, err = in.Gateway.Authenticate(t.Context(), ls.token); err != nil {
		t.Fatal(err)
	}
	api := &httpapi.Server{Gateway: in.Gateway, Owner: in.Owner, Evidence: in.Log, MaxWait: maxWait}
	srv := api.HTTPServer(l, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l.Listen(&countingListener{Listener: ln, ls: ls}))
	t.Cleanup(func() { srv.Close() })
	ls.addr = ln.Addr().String()
	ls.url = "http://" + ls.addr
	return ls
}

// countingListener counts the connections it has handed out and not yet
// closed. The limit is applied over it, so a count above the limit means
// the limit did not hold.
type countingListener struct {
	net.Listener
	ls *limitedServer
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.ls.mu.Lock()
	l.ls.open++
	l.ls.most = max(l.ls.most, l.ls.open)
	l.ls.mu.Unlock()
	return &countedConn{Conn: c, ls: l.ls}, nil
}

type countedConn struct {
	net.Conn
	ls   *limitedServer
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.ls.mu.Lock()
		c.ls.open--
		c.ls.mu.Unlock()
	})
	return c.Conn.Close()
}

// mostOpen is the most connections the server had open at once.
func (ls *limitedServer) mostOpen() int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.most
}

// dial opens a raw connection to the server.
func (ls *limitedServer) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", ls.addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reports whether the server closes c within d, reading and
// discarding whatever it sends first.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	return !errors.Is(err, os.ErrDeadlineExceeded)
}

// shortLimits are limits small enough for a test to run into.
var shortLimits = httpapi.Limits{
	ReadHeaderTimeout: 300 * time.Millisecond,
	ReadTimeout:       500 * time.Millisecond,
	WriteTimeout:      500 * time.Millisecond,
	IdleTimeout:       300 * time.Millisecond,
	MaxHeaderBytes:    8 << 10,
	MaxConns:          4,
}

// TestLimits_SlowBody sends a body a byte every 50 ms: the server cuts the
// connection off at its read timeout instead of waiting for the body.
func TestLimits_SlowBody(t *testing.T) {
	ls := startLimited(t, shortLimits, time.Second)
	c := ls.dial(t)
	fmt.Fprintf(c, "POST /v1/call HTTP/1.1\r\nHost: aos\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", ls.token)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for range 99 { // at most 5 s
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	start := time.Now()
	if !closedWithin(c, 3*time.Second) {
		t.Fatalf("a body sent a byte every 50 ms still held the connection after %v", time.Since(start).Round(time.Millisecond))
	}
}

func TestLimits_IdleConnections(t *testing.T) {
	ls := startLimited(t, shortLimits, time.Second)
	t.Run("keep-alive after a request", func(t *testing.T) {
		c := ls.dial(t)
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: aos\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Close {
			t.Fatalf("healthz: %d, close %v", resp.StatusCode, resp.Close)
		}
		start := time.Now()
		if !closedWithin(c, 3*time.Second) {
			t.Fatal("an idle keep-alive connection was still open after 3 s")
		}
		if took := time.Since(start); took < 200*time.Millisecond {
			t.Errorf("closed after %v, before the idle timeout", took)
		}
	})
	t.Run("never sends a request", func(t *testing.T) {
		if !closedWithin(ls.dial(t), 3*time.Second) {
			t.Fatal("a silent connection was still open after 3 s")
		}
	})
}

// TestLimits_ManyIdleConnections opens five times the connection limit
// and leaves them idle: a normal client is still served, and the server
// never holds more connections than its limit.
func TestLimits_ManyIdleConnections(t *testing.T) {
	ls := startLimited(t, shortLimits, time.Second)
	for range 5 * shortLimits.MaxConns {
		ls.dial(t)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	start := time.Now()
	req, _ := http.NewRequest("GET", ls.url+"/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+ls.token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("a normal client behind %d idle connections: %v", 5*shortLimits.MaxConns, err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("whoami: %d", resp.StatusCode)
	}
	t.Logf("served after %v", time.Since(start).Round(time.Millisecond))
	if most := ls.mostOpen(); most > shortLimits.MaxConns {
		t.Fatalf("the server held %d connections at once, over its limit of %d", most, shortLimits.MaxConns)
	}
}

// TestLimits_HeaderSize sends headers over the limit: refused, not read on.
func TestLimits_HeaderSize(t *testing.T) {
	ls := startLimited(t, shortLimits, time.Second)
	req, _ := http.NewRequest("GET", ls.url+"/healthz", nil)
	req.Header.Set("X-Padding", fmt.Sprintf("%016384d", 0))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("16 KiB of headers over an 8 KiB limit: %d, want 431", resp.StatusCode)
	}
}

// TestLimits_LongPollAtMaxWait long-polls a pending approval for the
// longest wait, twice the server's write and read timeouts: it still
// answers, once the wait is over.
func TestLimits_LongPollAtMaxWait(t *testing.T) {
	const maxWait = 1200 * time.Millisecond
	ls := startLimited(t, shortLimits, maxWait)
	a := &aos.Approval{ID: "ap_wait", Kind: aos.ApprovalCall, Points: []aos.ApprovalPoint{aos.PointMoney},
		Status: aos.ApprovalPending, Requester: ls.agent.Ref(), RequesterID: ls.agent.ID,
		Summary: "refund", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := ls.in.Store.Update(context.Background(), func(tx aos.Tx) error { return tx.CreateApproval(context.Background(), a) }); err != nil {
		t.Fatal(err)
	}
	for _, wait := range []string{"1200ms", "1h"} { // the maximum, and more (cut to it)
		t.Run("wait="+wait, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ls.url+"/v1/approvals/ap_wait?wait="+wait, nil)
			req.Header.Set("Authorization", "Bearer "+ls.token)
			start := time.Now()
			resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
			if err != nil {
				t.Fatalf("long poll: %v after %v", err, time.Since(start).Round(time.Millisecond))
			}
			defer resp.Body.Close()
			var st httpapi.ApprovalState
			if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 200 || st.Status != aos.ApprovalPending {
				t.Fatalf("long poll: %d %+v, %v", resp.StatusCode, st, err)
			}
			if took := time.Since(start); took < maxWait || took > maxWait+2*time.Second {
				t.Fatalf("long poll answered after %v, want about %v", took, maxWait)
			}
		})
	}
}
