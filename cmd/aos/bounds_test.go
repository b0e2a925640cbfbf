package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// agentRequest sends a request as an agent with extra headers and returns
// the status and body.
func agentRequest(t *testing.T, method, url, token, body string, header map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// storeState is what the owner's status says of the store, and the size of
// its files.
func storeState(t *testing.T, in *instance) (entries int64, bytes int64) {
	t.Helper()
	var st struct {
		LogSize int64 `json:"evidence_entries"`
	}
	if err := json.Unmarshal([]byte(in.must(t, "", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{dbFile, dbFile + "-wal"} {
		if fi, err := os.Stat(filepath.Join(in.home, f)); err == nil {
			bytes += fi.Size()
		}
	}
	return st.LogSize, bytes
}

// TestServe_Bounds runs `aos serve` with small bounds and an agent that
// abuses them: held calls past the agent's bound or over the held request
// size, oversized meta on denied calls, oversized headers, and idle
// connections.
func TestServe_Bounds(t *testing.T) {
	up := newUpstream(t)
	in := startInstance(t, "", "--max-pending-per-agent", "2", "--max-held-request", "1KiB",
		"--idle-timeout", "300ms", "--read-header-timeout", "300ms", "--max-connections", "4")
	token, first := holdRefund(t, in, up.URL)
	refunds := in.url + "/v1/proxy/pay/v1/refunds"

	t.Run("held calls per agent", func(t *testing.T) {
		if code, body := agentRequest(t, "POST", refunds, token, `{"amount":260000,"currency":"usd"}`, nil); code != 202 {
			t.Fatalf("second hold: %d %s", code, body)
		}
		code, body := agentRequest(t, "POST", refunds, token, `{"amount":270000,"currency":"usd"}`, nil)
		if code != 429 || !strings.Contains(body, `"too_many_pending"`) {
			t.Fatalf("third hold over --max-pending-per-agent 2: %d %s", code, body)
		}
		code, body = agentRequest(t, "POST", refunds, token, `{"amount":250000,"currency":"usd"}`, nil)
		if code != 202 || !strings.Contains(body, first) {
			t.Fatalf("retry of the first held call: %d %s, want it to join %s", code, body, first)
		}
	})
	t.Run("held request size", func(t *testing.T) {
		big := fmt.Sprintf(`{"amount":280000,"currency":"usd","note":%q}`, strings.Repeat("x", 1<<10))
		code, body := agentRequest(t, "POST", refunds, token, big, nil)
		if code != 413 || !strings.Contains(body, `"too_large"`) {
			t.Fatalf("hold over --max-held-request 1KiB: %d %s", code, body)
		}
	})
	t.Run("oversized meta on denied calls", func(t *testing.T) {
		entries, size := storeState(t, in)
		purpose := strings.Repeat("p", 32<<10)
		for range 20 {
			code, body := agentRequest(t, "GET", in.url+"/v1/proxy/nowhere/x", token, "", map[string]string{"AOS-Purpose": purpose})
			if code != 400 || !strings.Contains(body, "AOS-Purpose") {
				t.Fatalf("denied call with a 32 KiB AOS-Purpose: %d %s", code, body)
			}
		}
		entries2, size2 := storeState(t, in)
		if entries2 != entries || size2-size > 64<<10 {
			t.Fatalf("after 20 refused calls with 32 KiB of meta: %d evidence entries (was %d), %d bytes of store (was %d)",
				entries2, entries, size2, size)
		}
	})
	t.Run("headers over the limit", func(t *testing.T) {
		code, _ := agentRequest(t, "GET", in.url+"/v1/whoami", token, "", map[string]string{"X-Padding": strings.Repeat("p", 80<<10)})
		if code != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("80 KiB of headers: %d, want 431", code)
		}
	})
	t.Run("idle connections", func(t *testing.T) {
		addr := strings.TrimPrefix(in.url, "http://")
		var conns []net.Conn
		for range 20 {
			c, err := net.DialTimeout("tcp", addr, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			conns = append(conns, c)
		}
		if code, body := agentRequest(t, "GET", in.url+"/v1/whoami", token, "", nil); code != 200 {
			t.Fatalf("whoami behind 20 idle connections: %d %s", code, body)
		}
		for i, c := range conns {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.Copy(io.Discard, c); errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("idle connection %d still open after 5 s", i)
			}
		}
	})
}

func TestByteSize_Set(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"8MiB", 8 << 20, true},
		{"512KiB", 512 << 10, true},
		{"1048576", 1 << 20, true},
		{"0", 0, true}, // accepted here, refused by serveLimits.check
		{"8MB", 0, false},
		{"-1", 0, false},
		{"MiB", 0, false},
		{"4096MiB", 0, false},
	} {
		t.Run(tt.in, func(t *testing.T) {
			var b byteSize
			err := b.Set(tt.in)
			if (err == nil) != tt.ok || tt.ok && int(b) != tt.want {
				t.Fatalf("Set(%q) = %d, %v; want %d, ok %v", tt.in, b, err, tt.want, tt.ok)
			}
		})
	}
}
