package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

const refundOps = `operations:
  - name: refunds.create
    method: POST
    path: /v1/refunds
    access: write
    points: [money]
    facts:
      amount: /amount
      currency: /currency
`

// holdRefund connects a payments upstream with declared operations and
// sends a refund over the cap; it returns the agent token and approval id.
func holdRefund(t *testing.T, in *instance, upURL string) (string, string) {
	t.Helper()
	token := strings.TrimSpace(in.must(t, "", "agent", "add", "buyer"))
	ops := filepath.Join(t.TempDir(), "ops.yaml")
	os.WriteFile(ops, []byte(refundOps), 0o600)
	in.must(t, "pay-key", "connect", "http", "pay", "--base-url", upURL, "--scope", "/v1", "--to", "company", "--write", "--operations", ops)
	req, _ := http.NewRequest("POST", in.url+"/v1/proxy/pay/v1/refunds",
		strings.NewReader(`{"amount":250000,"currency":"usd"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var held struct {
		ApprovalID string `json:"approval_id"`
	}
	json.NewDecoder(resp.Body).Decode(&held)
	if resp.StatusCode != 202 || held.ApprovalID == "" {
		t.Fatalf("refund over the cap: %d %+v", resp.StatusCode, held)
	}
	return token, held.ApprovalID
}

// TestApproval_SurvivesRestart holds a call, restarts the server, and
// approves it: nothing is lost and the call runs exactly once.
func TestApproval_SurvivesRestart(t *testing.T) {
	var n atomic.Int64
	var body string
	var mu sync.Mutex
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		b := make([]byte, 1024)
		k, _ := r.Body.Read(b)
		mu.Lock()
		body = string(b[:k])
		mu.Unlock()
		w.Write([]byte(`{"id":"re_1"}`))
	}))
	defer up.Close()
	in := startInstance(t, "")
	token, id := holdRefund(t, in, up.URL)
	in.stop()
	if n.Load() != 0 {
		t.Fatal("the held call reached the upstream")
	}
	in = startInstance(t, in.home)
	out := in.must(t, "", "approvals")
	if !strings.Contains(out, id) {
		t.Fatalf("after a restart the approval is gone:\n%s", out)
	}
	in.must(t, "", "approve", id)
	if n.Load() != 1 || body != `{"amount":250000,"currency":"usd"}` {
		t.Fatalf("upstream saw %d requests, last body %q", n.Load(), body)
	}
	in.stop()
	in = startInstance(t, in.home) // a second restart must not run it again
	if code, st := call(t, "GET", in.url+"/v1/approvals/"+id, token, ""); code != 200 || !strings.Contains(st, `"executed"`) {
		t.Fatalf("approval after the second restart: %d %s", code, st)
	}
	if n.Load() != 1 {
		t.Fatalf("upstream saw %d requests after restarts, want 1", n.Load())
	}
}

// TestApproval_ConcurrentApproveCommands runs 100 `aos approve` commands on
// one approval at once: the upstream sees exactly one request.
func TestApproval_ConcurrentApproveCommands(t *testing.T) {
	var n atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Write([]byte(`{}`))
	}))
	defer up.Close()
	in := startInstance(t, "")
	_, id := holdRefund(t, in, up.URL)
	var wg sync.WaitGroup
	var ok atomic.Int64
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, _, _ := in.aos(t, "", "approve", id); code == 0 {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if n.Load() != 1 || ok.Load() != 1 {
		t.Fatalf("100 concurrent approvals: upstream saw %d requests, %d commands succeeded; want 1 and 1", n.Load(), ok.Load())
	}
	if code, out, _ := in.aos(t, "", "evidence", "verify"); code != 0 {
		t.Fatalf("verify: %s", out)
	}
}
