package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/evidence"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/store/sqlite"
	"github.com/aos-dev/aos/vault"
)

// clock is a fake clock that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// payConnector is a test connector: POST /charges?amount=CENTS is the write
// operation "charges.create" that moves that many US cents; GET is a read.
// Do records what it would send instead of sending it.
type payConnector struct {
	mu   sync.Mutex
	sent []connector.Outbound
	// redecide is how many more Do calls answer connector.Redecide.
	redecide int
	// answer, if set, is what the upstream answers (given the credential
	// as it went on the wire, to echo it); else a small JSON body.
	answer func(secret string, call *connector.Call) *connector.Response
	// fail, if set, is the error Do returns instead.
	fail func(secret string) error
	// renamed makes FromHTTP name the charge operation otherwise, as a
	// connector that changed since a call was held would.
	renamed bool
}

// SendsDecided makes the pay connector a connector.DecidedSender: the
// gateway reads an approved call again (connector.Recheck) before Do.
func (*payConnector) SendsDecided() {}

func (*payConnector) Type() string { return "pay" }
func (*payConnector) Describe() connector.Description {
	return connector.Description{Type: "pay"}
}
func (*payConnector) Configure(c *aos.Connection) error { return nil }
func (*payConnector) CheckScope(s string) (string, error) {
	if s == "" {
		return "", aos.Errorf(aos.EBadRequest, "empty scope")
	}
	return s, nil
}
func (*payConnector) Covers(scope, resource string) bool { return scope == "*" || scope == resource }
func (p *payConnector) FromHTTP(c *aos.Connection, r *connector.HTTPRequest) (*connector.Call, error) {
	p.mu.Lock()
	renamed := p.renamed
	p.mu.Unlock()
	call := &connector.Call{Resource: r.RawPath, Upstream: &connector.Outbound{
		Method: r.Method, URL: c.BaseURL + r.RawPath + "?" + r.RawQuery, Body: r.Body}}
	switch {
	case r.Method == "GET":
		call.Operation = aos.Operation{Name: "read", Access: aos.Read}
	case r.Method == "POST" && r.RawPath == "/charges":
		call.Operation = aos.Operation{Name: "charges.create", Access: aos.Write, Points: []aos.ApprovalPoint{aos.PointMoney}}
		if renamed {
			call.Operation.Name = "charges.create.v2"
		}
		q, _ := strconv.ParseInt(r.RawQuery[len("amount="):], 10, 64)
		call.Facts = aos.Facts{Amount: q, Currency: "usd"}
	default:
		return nil, aos.Errorf(aos.EUnknownOperation, "unknown")
	}
	return call, nil
}
func (*payConnector) FromCall(*aos.Connection, string, json.RawMessage) (*connector.Call, error) {
	return nil, aos.Errorf(aos.EUnknownOperation, "unknown")
}
func (p *payConnector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.redecide > 0 {
		p.redecide--
		return nil, &connector.Redecide{Reason: "the upstream says otherwise"}
	}
	p.sent = append(p.sent, *call.Upstream)
	if p.fail != nil {
		return nil, p.fail(string(secret.Reveal()))
	}
	if p.answer != nil {
		return p.answer(string(secret.Reveal()), call), nil
	}
	return &connector.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"ok":true}`)}, nil
}
func (p *payConnector) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sent)
}

// harness is a gateway on a real SQLite store and evidence log.
type harness struct {
	t      testing.TB
	store  *sqlite.Store
	log    *evidence.Log
	clock  *clock
	pay    *payConnector
	gw     *gateway.Gateway
	owner  *owner.Service
	boss   *aos.Principal
	agent  *aos.Principal
	grant  *aos.Grant
	faults *faultStore
}

// faultStore fails every Update while failing is set, and hands every
// Update the transaction wrap returns, when wrap is set.
type faultStore struct {
	aos.Store
	mu      sync.Mutex
	failing bool
	wrap    func(aos.Tx) aos.Tx
}

func (f *faultStore) Update(ctx context.Context, fn func(aos.Tx) error) error {
	f.mu.Lock()
	failing, wrap := f.failing, f.wrap
	f.mu.Unlock()
	if failing {
		return errors.New("disk full (injected)")
	}
	if wrap != nil {
		return f.Store.Update(ctx, func(tx aos.Tx) error { return fn(wrap(tx)) })
	}
	return f.Store.Update(ctx, fn)
}

func (f *faultStore) fail(on bool) {
	f.mu.Lock()
	f.failing = on
	f.mu.Unlock()
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	pay := &payConnector{}
	var fs *faultStore
	in := gatewaytest.New(t, gatewaytest.WithConnectors(pay), gatewaytest.WithClock(clk.Now),
		gatewaytest.WithStore(func(st aos.Store) aos.Store { fs = &faultStore{Store: st}; return fs }))
	h := &harness{t: t, store: in.Store, log: in.Log, clock: clk, pay: pay, faults: fs,
		gw: in.Gateway, owner: in.Owner, boss: in.Boss}
	var err error
	if _, h.agent, err = h.owner.AddAgent(ctx, h.boss, "buyer", "ops"); err != nil {
		t.Fatal(err)
	}
	if _, h.grant, err = h.owner.Connect(ctx, h.boss, owner.ConnectRequest{Type: "pay", Name: "pay",
		Scope: "*", To: "company", Write: true, BaseURL: "https://pay.invalid", Credential: vault.NewSecret([]byte("sk_test"))}); err != nil {
		t.Fatal(err)
	}
	return h
}

// charge asks the gateway to move cents through the pay connection.
func (h *harness) charge(cents int64) (*gateway.Outcome, error) {
	return h.gw.Proxy(context.Background(), h.agent, "pay", &connector.HTTPRequest{
		Method: "POST", RawPath: "/charges", RawQuery: "amount=" + strconv.FormatInt(cents, 10), Body: []byte(`{"n":1}`),
	}, gateway.Meta{Purpose: "test"})
}

// mustHold charges and expects the call to be held.
func (h *harness) mustHold(cents int64) *aos.Approval {
	h.t.Helper()
	out, err := h.charge(cents)
	if err != nil || out.Held == nil {
		h.t.Fatalf("charge %d: want held, got %+v, %v", cents, out, err)
	}
	return out.Held
}

// mustPass charges and expects the call to reach the upstream.
func (h *harness) mustPass(cents int64) {
	h.t.Helper()
	out, err := h.charge(cents)
	if err != nil || out.Response == nil {
		h.t.Fatalf("charge %d: want allowed, got %+v, %v", cents, out, err)
	}
}
