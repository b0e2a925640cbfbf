package secinfra_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/vault"
)

const payOps = `operations:
  - name: refunds.create
    method: POST
    path: /v1/refunds
    access: write
    points: [money]
    facts:
      amount: /amount
      currency: /currency
  - name: refunds.list
    method: GET
    path: /v1/refunds
    access: read
`

// keyLog is a loopback upstream that records which key each request
// carried, and when it finished answering it.
type keyLog struct {
	mu   sync.Mutex
	seen []seenRequest
}

type seenRequest struct {
	key, query string
	done       time.Time
}

func (u *keyLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	time.Sleep(3 * time.Millisecond) // keep calls in flight while the key is declared exposed
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"data":[]}`)
	u.mu.Lock()
	defer u.mu.Unlock()
	u.seen = append(u.seen, seenRequest{key: strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "),
		query: r.URL.RawQuery, done: time.Now()})
}

// keyFor returns the key the request with the given query carried.
func (u *keyLog) keyFor(query string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, s := range u.seen {
		if s.query == query {
			return s.key
		}
	}
	return ""
}

func (u *keyLog) count(key string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, s := range u.seen {
		if s.key == key {
			n++
		}
	}
	return n
}

// lastDone is when the upstream last finished a request carrying key.
func (u *keyLog) lastDone(key string) time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	var last time.Time
	for _, s := range u.seen {
		if s.key == key && s.done.After(last) {
			last = s.done
		}
	}
	return last
}

func send(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func exposed(t *testing.T, in *gatewaytest.Instance, token, name, credential string) *secinfra.ExposedReport {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"credential": credential})
	status, b := send(t, "POST", in.URL+"/v1/owner/keys/"+name+"/exposed", token, string(body))
	if status != 200 {
		t.Fatalf("exposed %s: %d %s", name, status, b)
	}
	var rep secinfra.ExposedReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

// TestKeys_Exposed declares a key exposed while agents' calls run
// concurrently: no request carrying the old key is still being answered
// once the command returns; the call held under it fails; rotating in a
// new key brings calls back on it; the stale check finds nothing left,
// and finds a second connection holding the same secret.
func TestKeys_Exposed(t *testing.T) {
	const oldKey, newKey = "pay-old-secret-5d2e", "pay-new-secret-a93f"
	ctx := context.Background()
	up := &keyLog{}
	upstream := httptest.NewServer(up)
	defer upstream.Close()
	in := gatewaytest.Start(t, rest.New())
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "pay", BaseURL: upstream.URL, Scope: "/v1", To: "company", Write: true,
		Config: []byte(payOps), Credential: vault.NewSecret([]byte(oldKey))})
	agent := in.Agent(t, "buyer", "finance")
	watcher := in.Agent(t, "watcher", secinfra.Department)
	proxy := in.URL + "/v1/proxy/pay/v1/refunds"

	// A call held at the money point, sealed under version 1.
	status, b := send(t, "POST", proxy, agent, `{"amount":150000,"currency":"usd","charge":"ch_1"}`)
	var held struct {
		ID string `json:"approval_id"`
	}
	if json.Unmarshal(b, &held); status != 202 || held.ID == "" {
		t.Fatalf("holding a refund: %d %s", status, b)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var attempts atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				send(t, "GET", proxy, agent, "")
				attempts.Add(1)
			}
		}()
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				close(stop)
				t.Fatalf("waited 20s for %s", what)
			}
		}
	}
	waitFor("calls on the old key", func() bool { return up.count(oldKey) >= 20 })

	// An agent of security-infra declares it exposed: it may revoke, never rotate.
	if status, _ := send(t, "POST", in.URL+"/v1/owner/keys/pay/exposed", watcher, `{"credential":"`+newKey+`"}`); status != 403 {
		t.Fatalf("a security-infra agent rotating: %d", status)
	}
	rep := exposed(t, in, watcher, "pay", "")
	returned := time.Now()
	oldSeen := up.count(oldKey)
	before := attempts.Load()
	waitFor("calls after the exposure", func() bool { return attempts.Load() >= before+20 })

	if last := up.lastDone(oldKey); !last.Before(returned) {
		t.Errorf("the upstream answered a request with the exposed key %v after the command returned", last.Sub(returned))
	}
	if n := up.count(oldKey); n != oldSeen {
		t.Errorf("%d requests carried the exposed key after the command returned", n-oldSeen)
	}
	if rep.Version != 1 || rep.AlreadyExposed || rep.Rotated != 0 {
		t.Errorf("report %+v", rep)
	}
	if len(rep.FailedApprovals) != 1 || rep.FailedApprovals[0] != held.ID {
		t.Errorf("failed approvals %v, want [%s]", rep.FailedApprovals, held.ID)
	}
	if len(rep.GrantsWithoutCredential) != 1 || rep.Clean() {
		t.Errorf("grants without a credential %v", rep.GrantsWithoutCredential)
	}
	if a, err := in.Gateway.Approvals.Get(ctx, held.ID); err != nil || a.Status != aos.ApprovalFailed || a.Error != aos.EApprovalStale ||
		!strings.Contains(a.Reason, "declared exposed") {
		t.Errorf("held call: %+v, %v", a, err)
	}

	// The owner rotates in a new key: calls come back, carrying it.
	rep = exposed(t, in, in.OwnerToken, "pay", newKey)
	rotated := time.Now()
	if !rep.AlreadyExposed || rep.Rotated != 2 || !rep.Clean() || len(rep.FailedApprovals) != 0 || len(rep.Duplicates) != 0 {
		t.Errorf("report after rotating: %+v", rep)
	}
	waitFor("calls on the new key", func() bool { return up.count(newKey) >= 20 })
	close(stop)
	wg.Wait()
	if n := up.count(oldKey); n != oldSeen {
		t.Errorf("%d requests carried the exposed key after the rotation at %v", n-oldSeen, rotated)
	}

	// A second connection with the same secret: exposing the key again
	// revokes version 2 and names the copy.
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "pay-copy", BaseURL: upstream.URL, Scope: "/v1", To: "company",
		Config: []byte(payOps), Credential: vault.NewSecret([]byte(newKey))})
	rep = exposed(t, in, in.OwnerToken, "pay", "")
	if len(rep.Duplicates) != 1 || rep.Duplicates[0].Connection != "pay-copy" || rep.Clean() {
		t.Errorf("duplicates %+v", rep.Duplicates)
	}
	if !strings.Contains(strings.Join(rep.Left, "\n"), "aos keys exposed pay-copy") {
		t.Errorf("left for a person: %q", rep.Left)
	}
	b, _ = json.Marshal(rep)
	if strings.Contains(string(b), "secret-") {
		t.Errorf("the report holds a secret: %s", b)
	}
	in.Verify(t)
}
