package secinfra_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/evidence"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/store/sqlite"
	"github.com/aos-dev/aos/vault"
)

// fakeClock is a clock that moves only when the test says so.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{c.now.Add(d), ch})
	return ch
}

// Advance moves the clock and wakes the waiters it reached.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
		} else {
			w.ch <- c.now
		}
	}
	c.waiters = kept
}

// waitingUntil reports the earliest time someone waits for, zero if none.
func (c *fakeClock) waitingUntil() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var at time.Time
	for _, w := range c.waiters {
		if at.IsZero() || w.at.Before(at) {
			at = w.at
		}
	}
	return at
}

// instance is an in-process aos whose every part reads the fake clock,
// served over loopback HTTP.
type instance struct {
	url      string
	clock    *fakeClock
	store    *sqlite.Store
	log      *evidence.Log
	owner    *owner.Service
	gateway  *gateway.Gateway
	review   *secinfra.Reviewer
	boss     *aos.Principal
	token    string // the owner's
	verifier string
}

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func start(t testing.TB) *instance {
	t.Helper()
	ctx := context.Background()
	clock := &fakeClock{now: t0}
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	skey, vkey, _ := evidence.GenerateKey("aos-test")
	signer, _ := evidence.NewSigner(skey)
	verifier, _ := evidence.NewVerifier(vkey)
	log, err := evidence.New(evidence.Config{Store: st, Signer: signer, Verifier: verifier, Origin: "aos-test", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := vault.New(vault.GenerateKey())
	reg := connector.Registry{"http": rest.New()}
	apps := &approval.Service{Store: st, Log: log, Vault: v, Now: clock.Now}
	gw := &gateway.Gateway{Store: st, Log: log, Vault: v, Connectors: reg, Approvals: apps, Now: clock.Now}
	in := &instance{clock: clock, store: st, log: log, verifier: vkey, gateway: gw,
		owner:  &owner.Service{Store: st, Log: log, Vault: v, Connectors: reg, Now: clock.Now},
		review: &secinfra.Reviewer{Store: st, Log: log, Entries: log, Connectors: reg, Now: clock.Now},
	}
	in.token = aos.NewToken(aos.OwnerTokenPrefix)
	in.boss = &aos.Principal{Kind: aos.Owner, Name: "owner", TokenHash: aos.HashToken(in.token), CreatedAt: t0}
	if _, err := log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		return []aos.Record{{Kind: "instance.init", Actor: "owner"}}, tx.CreatePrincipal(ctx, in.boss)
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&httpapi.Server{Gateway: gw, Owner: in.owner, Evidence: log, Review: in.review}).Handler())
	in.url = srv.URL
	t.Cleanup(func() {
		srv.Close()
		log.Close()
		st.Close()
	})
	return in
}

func (in *instance) agent(t *testing.T, name, dept string) string {
	t.Helper()
	token, _, err := in.owner.AddAgent(context.Background(), in.boss, name, dept)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// do sends a request with token and returns the status and body.
func do(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// reviewAs reads the review over HTTP.
func (in *instance) reviewAs(t *testing.T, token, query string) *secinfra.ReviewReport {
	t.Helper()
	status, body := do(t, "GET", in.url+"/v1/owner/review"+query, token, "")
	if status != 200 {
		t.Fatalf("review: %d %s", status, body)
	}
	var rep secinfra.ReviewReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

func (in *instance) entries(t testing.TB) []aos.Entry {
	t.Helper()
	es, err := in.log.Tail(context.Background(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func (in *instance) verify(t *testing.T) {
	t.Helper()
	v, _ := evidence.NewVerifier(in.verifier)
	rep, err := evidence.Verify(context.Background(), in.store, v, "")
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("evidence does not verify: %+v", rep.Problems)
	}
}

// upstream is a loopback REST API that answers every request with 200.
func upstream(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func findingIDs(rep *secinfra.ReviewReport) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.ID)
	}
	return out
}

func finding(rep *secinfra.ReviewReport, id string) *secinfra.Finding {
	for i := range rep.Findings {
		if rep.Findings[i].ID == id {
			return &rep.Findings[i]
		}
	}
	return nil
}
