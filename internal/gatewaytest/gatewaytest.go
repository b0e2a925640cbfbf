// Package gatewaytest runs a whole aos instance in-process for tests: a
// SQLite store in a temporary folder, the evidence log, the vault, the
// approval service, the gateway and the HTTP API on a loopback server. A
// connector's tests use it to drive real requests (and unmodified SDK
// clients) through the boundary.
package gatewaytest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/evidence"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/mcpapi"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/store/sqlite"
	"github.com/aos-dev/aos/vault"
)

// Instance is a running in-process aos.
type Instance struct {
	URL   string
	Store *sqlite.Store
	// Backend is the store the services use: Store itself, or what
	// WithStore wrapped around it.
	Backend   aos.Store
	Log       *evidence.Log
	Vault     *vault.Vault
	Gateway   *gateway.Gateway
	Approvals *approval.Service
	Owner     *owner.Service
	Server    *httptest.Server
	Verifier  string // the evidence public key
	Boss      *aos.Principal
	// OwnerToken authenticates as the owner on /v1/owner routes.
	OwnerToken string
	// MCP serves URL+"/mcp"; a test may set its fields before the first request.
	MCP *mcpapi.Server
}

// Option changes how New wires an instance.
type Option func(*options)

type options struct {
	connectors []connector.Connector
	now        func() time.Time
	wrap       func(aos.Store) aos.Store
	owner      func(*owner.Service)
}

// WithConnectors registers connectors.
func WithConnectors(cs ...connector.Connector) Option {
	return func(o *options) { o.connectors = append(o.connectors, cs...) }
}

// WithClock gives every service (evidence, approvals, gateway, owner) the
// clock now instead of time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithStore hands the services wrap(store) instead of the SQLite store
// itself, to inject faults or watch transactions.
func WithStore(wrap func(aos.Store) aos.Store) Option { return func(o *options) { o.wrap = wrap } }

// WithOwner adjusts the owner service before the instance starts.
func WithOwner(fn func(*owner.Service)) Option { return func(o *options) { o.owner = fn } }

// Start runs an instance with the given connectors until the test ends.
func Start(t testing.TB, connectors ...connector.Connector) *Instance {
	t.Helper()
	return New(t, WithConnectors(connectors...))
}

// New runs an instance wired as opts say until the test ends: a SQLite
// store in a temporary folder, the evidence log, the vault, the approval
// service, the gateway, the owner service and the HTTP API on a loopback
// server, with the owner recorded as the instance's first principal.
func New(t testing.TB, opts ...Option) *Instance {
	t.Helper()
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	var backend aos.Store = st
	if o.wrap != nil {
		backend = o.wrap(st)
	}
	skey, vkey, err := evidence.GenerateKey("aos-test")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := evidence.NewSigner(skey)
	verifier, _ := evidence.NewVerifier(vkey)
	log, err := evidence.New(evidence.Config{Store: backend, Signer: signer, Verifier: verifier, Origin: "aos-test", Now: o.now})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := vault.New(vault.GenerateKey())
	reg := connector.Registry{}
	for _, c := range o.connectors {
		reg[c.Type()] = c
	}
	apps := &approval.Service{Store: backend, Log: log, Vault: v, Now: o.now}
	in := &Instance{Store: st, Backend: backend, Log: log, Vault: v, Verifier: vkey, Approvals: apps,
		Gateway: &gateway.Gateway{Store: backend, Log: log, Vault: v, Connectors: reg, Approvals: apps, Now: o.now},
		Owner:   &owner.Service{Store: backend, Log: log, Vault: v, Connectors: reg, Now: o.now},
	}
	if o.owner != nil {
		o.owner(in.Owner)
	}
	in.OwnerToken = aos.NewToken(aos.OwnerTokenPrefix)
	in.Boss = &aos.Principal{Kind: aos.Owner, Name: "owner", TokenHash: aos.HashToken(in.OwnerToken), CreatedAt: o.now()}
	if _, err := log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		return []aos.Record{{Kind: "instance.init", Actor: "owner"}}, tx.CreatePrincipal(ctx, in.Boss)
	}); err != nil {
		t.Fatal(err)
	}
	in.MCP = &mcpapi.Server{Gateway: in.Gateway}
	api := &httpapi.Server{Gateway: in.Gateway, Owner: in.Owner, Evidence: log, ProxyHostSuffix: "localhost", MCP: in.MCP}
	in.Server = httptest.NewServer(api.Handler())
	in.URL = in.Server.URL
	t.Cleanup(func() {
		in.Server.Close()
		log.Close()
		st.Close()
	})
	return in
}

// HostURL is the URL that routes to connection name by host
// (http://NAME.localhost:PORT), for SDKs that only let you change the host.
func (in *Instance) HostURL(name string) string {
	return strings.Replace(in.URL, "127.0.0.1", name+".localhost", 1)
}

// Agent adds an agent and returns its token.
func (in *Instance) Agent(t testing.TB, name, department string) string {
	t.Helper()
	token, _, err := in.Owner.AddAgent(context.Background(), in.Boss, name, department)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// Connect connects a tool as the owner and returns its first grant.
func (in *Instance) Connect(t testing.TB, req owner.ConnectRequest) *aos.Grant {
	t.Helper()
	_, g, err := in.Owner.Connect(context.Background(), in.Boss, req)
	if err != nil {
		t.Fatalf("connect %s: %v", req.Name, err)
	}
	return g
}

// Grant grants as the owner.
func (in *Instance) Grant(t testing.TB, req owner.GrantRequest) *aos.Grant {
	t.Helper()
	g, err := in.Owner.Grant(context.Background(), in.Boss, req)
	if err != nil {
		t.Fatalf("grant on %s: %v", req.Connection, err)
	}
	return g
}

// Do sends a request to the instance's HTTP API with token (an agent's, or
// the owner's) and the header fields given, and returns the status and the
// body of the answer.
func (in *Instance) Do(t testing.TB, token, method, path string, header http.Header, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, in.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// Verify re-verifies the whole evidence trail and fails the test if it
// does not hold.
func (in *Instance) Verify(t testing.TB) {
	t.Helper()
	v, _ := evidence.NewVerifier(in.Verifier)
	rep, err := evidence.Verify(context.Background(), in.Store, v, "")
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("evidence does not verify: %+v", rep.Problems)
	}
}
