package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestProxy_StreamsLargeAnswer: an answer larger than the gateway would
// hold (connector.MaxBody, 32 MiB) passes through a connection that holds
// no customer data as a stream, whole, with the credential the upstream
// echoed in it redacted even where the upstream sent it split across two
// writes; its outcome (status, bytes, the echo) is recorded once the
// stream ends. Through a connection that holds customer data (its answers
// are scanned) the same answer is still refused as too large.
func TestProxy_StreamsLargeAnswer(t *testing.T) {
	const secret = "canary-stream/5e1c+Zq8"
	const size = 40 << 20
	filler := bytes.Repeat([]byte("0123456789abcdef"), 1<<12) // 64 KiB
	half := len(secret) / 2
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		f := w.(http.Flusher)
		written := 0
		for written < size/2 {
			n, err := w.Write(filler)
			if err != nil {
				return // the reader went away
			}
			written += n
		}
		// The credential, split across two writes (two chunks on the wire).
		w.Write([]byte(secret[:half]))
		f.Flush()
		time.Sleep(10 * time.Millisecond)
		w.Write([]byte(secret[half:]))
		f.Flush()
		for written < size {
			n, err := w.Write(filler)
			if err != nil {
				return
			}
			written += n
		}
	}))
	t.Cleanup(up.Close)
	in := startInstance(t, "")
	token := strings.TrimSpace(in.must(t, "", "agent", "add", "downloader"))
	in.must(t, secret+"\n", "connect", "http", "files", "--base-url", up.URL, "--scope", "/", "--to", "company")
	in.must(t, secret+"\n", "connect", "http", "crm", "--base-url", up.URL, "--scope", "/", "--to", "company", "--holds-customer-data")

	get := func(conn string) (int, []byte) {
		req, _ := http.NewRequest("GET", in.url+"/v1/proxy/"+conn+"/v1/blob", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s: reading the answer: %v", conn, err)
		}
		return resp.StatusCode, b
	}
	status, body := get("files")
	want := size + len("[redacted by aos]")
	if status != 200 || len(body) != want {
		t.Fatalf("files: %d, %d bytes; want 200, %d", status, len(body), want)
	}
	if bytes.Contains(body, []byte(secret)) || !bytes.Contains(body, []byte("[redacted by aos]")) {
		t.Fatal("files: the credential split across two chunks reached the agent")
	}
	var evidence string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		evidence = in.must(t, "", "evidence", "log", "--tail", "50", "--json")
		if strings.Contains(evidence, `"credential_echo": "redacted"`) || time.Now().After(deadline) {
			break
		}
	}
	if !strings.Contains(evidence, `"credential_echo": "redacted"`) || !strings.Contains(evidence, `"status": "200"`) {
		t.Fatalf("files: the streamed call's outcome was not recorded with the echo:\n%s", evidence)
	}

	status, body = get("crm")
	if status != http.StatusRequestEntityTooLarge || !bytes.Contains(body, []byte("too_large")) {
		t.Fatalf("crm (holds customer data): %d %.200s; want 413 too_large", status, body)
	}
	in.must(t, "", "evidence", "verify")
}
