package owner_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/evidence"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/store/sqlite"
	"github.com/aos-dev/aos/vault"
)

// theSecret is the credential every test connects with. It must appear
// nowhere: not in errors, warnings, stored credentials nor evidence.
const theSecret = "sk_live_CANARY0123456789"

// payConnector is a test connector that can check and inspect credentials.
// Scopes are paths; a scope covers itself and what lies under it.
type payConnector struct {
	checkErr error
	inspect  func(ctx context.Context, secret vault.Secret) (*connector.CredentialInfo, error)

	mu        sync.Mutex
	inspected int
}

var (
	_ connector.Connector         = (*payConnector)(nil)
	_ connector.CredentialChecker = (*payConnector)(nil)
	_ connector.Inspector         = (*payConnector)(nil)
)

func (*payConnector) Type() string                      { return "pay" }
func (*payConnector) Describe() connector.Description   { return connector.Description{Type: "pay"} }
func (*payConnector) Configure(c *aos.Connection) error { return nil }
func (*payConnector) CheckScope(s string) (string, error) {
	if s == "" {
		return "", aos.Errorf(aos.EBadRequest, "empty scope")
	}
	return s, nil
}
func (*payConnector) Covers(scope, resource string) bool {
	return scope == "*" || resource == scope || strings.HasPrefix(resource, scope+"/")
}
func (*payConnector) FromHTTP(*aos.Connection, *connector.HTTPRequest) (*connector.Call, error) {
	return nil, aos.Errorf(aos.EUnknownOperation, "no operations")
}
func (*payConnector) FromCall(*aos.Connection, string, json.RawMessage) (*connector.Call, error) {
	return nil, aos.Errorf(aos.EUnknownOperation, "no operations")
}
func (*payConnector) Do(context.Context, *aos.Connection, vault.Secret, *connector.Call) (*connector.Response, error) {
	return nil, errors.New("not called")
}

func (k *payConnector) CheckCredential(_ *aos.Connection, secret vault.Secret) error {
	return k.checkErr
}

func (k *payConnector) Inspect(ctx context.Context, c *aos.Connection, secret vault.Secret) (*connector.CredentialInfo, error) {
	k.mu.Lock()
	k.inspected++
	k.mu.Unlock()
	return k.inspect(ctx, secret)
}

// Inspectors the tests use.
var (
	secretKey = func(context.Context, vault.Secret) (*connector.CredentialInfo, error) {
		return &connector.CredentialInfo{Kind: "secret key", Scopes: []string{"livemode:true"},
			Resources: []string{"*"}, AccountWide: true, CanWrite: true}, nil
	}
	refundsReader = func(context.Context, vault.Secret) (*connector.CredentialInfo, error) {
		return &connector.CredentialInfo{Kind: "restricted key", Resources: []string{"refunds"}}, nil
	}
	// refused breaks the connector contract on purpose: its error holds
	// the secret, which must still reach no one.
	refused = func(_ context.Context, secret vault.Secret) (*connector.CredentialInfo, error) {
		return nil, aos.Errorf(aos.EUpstream, "the upstream refused key %s (401)", secret.Reveal())
	}
)

type harness struct {
	svc   *owner.Service
	store *sqlite.Store
	log   *evidence.Log
	vkey  string
	pay   *payConnector
	boss  *aos.Principal
}

func newHarness(t *testing.T, pay *payConnector) *harness {
	t.Helper()
	in := gatewaytest.New(t, gatewaytest.WithConnectors(pay),
		gatewaytest.WithOwner(func(s *owner.Service) { s.InspectTimeout = 5 * time.Second }))
	return &harness{svc: in.Owner, store: in.Store, log: in.Log, vkey: in.Verifier, pay: pay, boss: in.Boss}
}

func (h *harness) connect(t *testing.T, name, scope string, write bool) (*owner.Connected, error) {
	t.Helper()
	return h.svc.ConnectAndInspect(t.Context(), h.boss, owner.ConnectRequest{Type: "pay", Name: name, Scope: scope, To: "company",
		Write: write, Credential: vault.NewSecret([]byte(theSecret + "\n"))})
}

// credentials returns the stored credentials of a connection, by version.
func (h *harness) credentials(t *testing.T, name string) []*aos.Credential {
	t.Helper()
	var creds []*aos.Credential
	err := h.store.View(t.Context(), func(tx aos.Tx) error {
		c, err := tx.ConnectionByName(t.Context(), name)
		if err != nil {
			return err
		}
		creds, err = tx.ListCredentials(t.Context(), c.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return creds
}

// entries returns every evidence entry of a kind, after checking that the
// whole trail verifies and never holds the secret.
func (h *harness) entries(t *testing.T, kind string) []aos.Entry {
	t.Helper()
	v, _ := evidence.NewVerifier(h.vkey)
	rep, err := evidence.Verify(t.Context(), h.store, v, "")
	if err != nil || !rep.OK {
		t.Fatalf("evidence does not verify: %v %+v", err, rep)
	}
	var out []aos.Entry
	err = h.store.View(t.Context(), func(tx aos.Tx) error {
		n, err := tx.LogSize(t.Context())
		if err != nil {
			return err
		}
		stored, err := tx.Entries(t.Context(), 0, n)
		if err != nil {
			return err
		}
		for _, se := range stored {
			if strings.Contains(string(se.Leaf)+string(se.Payload), "CANARY") {
				t.Errorf("evidence entry %d holds the secret: %s", se.Index, se.Leaf)
			}
			e, err := evidence.DecodeLeaf(se.Leaf)
			if err != nil {
				return err
			}
			if e.Kind == kind {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// noSecret fails the test if anything the owner sees or the store keeps
// (but the sealed credential) mentions the secret.
func noSecret(t *testing.T, what string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "CANARY") {
		t.Errorf("%s holds the secret: %s", what, b)
	}
}

func checkAttrs(t *testing.T, e aos.Entry, want map[string]string) {
	t.Helper()
	if len(e.Attrs) != len(want) {
		t.Errorf("%s attrs = %v, want %v", e.Kind, e.Attrs, want)
		return
	}
	for k, v := range want {
		if e.Attrs[k] != v {
			t.Errorf("%s attrs = %v, want %v", e.Kind, e.Attrs, want)
			return
		}
	}
}

func TestService_ConnectAndInspect(t *testing.T) {
	t.Run("checker refuses", func(t *testing.T) {
		pay := &payConnector{checkErr: aos.Errorf(aos.EBadRequest, "the credential is a publishable key"), inspect: secretKey}
		h := newHarness(t, pay)
		res, err := h.connect(t, "pay", "refunds", false)
		if res != nil || aos.ErrorCode(err) != aos.EBadRequest || aos.ErrorMessage(err) != "the credential is a publishable key" {
			t.Fatalf("ConnectAndInspect = %v, %v; want the checker's error as it is", res, err)
		}
		if pay.inspected != 0 {
			t.Errorf("a refused credential was inspected")
		}
		cs, err := h.svc.ListConnections(t.Context())
		if err != nil || len(cs) != 0 {
			t.Errorf("connections after a refused credential: %v, %v; want none", cs, err)
		}
		if es := h.entries(t, "connection.connect"); len(es) != 0 {
			t.Errorf("a refused connect was recorded: %+v", es)
		}
	})

	t.Run("account-wide key, narrow read grant", func(t *testing.T) {
		h := newHarness(t, &payConnector{inspect: secretKey})
		res, err := h.connect(t, "pay", "refunds", false)
		if err != nil {
			t.Fatal(err)
		}
		want := "the credential is a secret key that reaches the whole account and can write; the grant covers refunds only, read-only"
		if len(res.Warnings) != 1 || res.Warnings[0] != want {
			t.Errorf("warnings = %q, want [%q]", res.Warnings, want)
		}
		if b := res.Credential.Breadth; b == nil || !b.AccountWide || !b.CanWrite || b.Kind != "secret key" {
			t.Errorf("returned breadth = %+v, want the inspector's", b)
		}
		creds := h.credentials(t, "pay")
		if len(creds) != 1 || creds[0].Breadth == nil || !creds[0].Breadth.AccountWide || creds[0].InspectedAt == nil ||
			creds[0].InspectError != "" {
			t.Fatalf("stored credentials = %+v, want one with the breadth recorded", creds)
		}
		es := h.entries(t, "credential.inspect")
		if len(es) != 1 {
			t.Fatalf("%d credential.inspect entries, want 1", len(es))
		}
		checkAttrs(t, es[0], map[string]string{"connection": "pay", "credential_version": "1", "kind": "secret key",
			"account_wide": "true", "can_write": "true", "broader_than_grants": "true"})
		if es[0].Subject != "pay" || es[0].Actor != h.boss.Ref() {
			t.Errorf("entry subject %q actor %q, want pay by the owner", es[0].Subject, es[0].Actor)
		}
		noSecret(t, "result", res)
		noSecret(t, "stored credentials", creds)
	})

	t.Run("account-wide key, account-wide write grant", func(t *testing.T) {
		h := newHarness(t, &payConnector{inspect: secretKey})
		res, err := h.connect(t, "pay", "*", true)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 0 {
			t.Errorf("warnings = %q, want none", res.Warnings)
		}
		es := h.entries(t, "credential.inspect")
		if len(es) != 1 {
			t.Fatalf("%d credential.inspect entries, want 1", len(es))
		}
		checkAttrs(t, es[0], map[string]string{"connection": "pay", "credential_version": "1", "kind": "secret key",
			"account_wide": "true", "can_write": "true"})
	})

	t.Run("narrow key within its grant", func(t *testing.T) {
		h := newHarness(t, &payConnector{inspect: refundsReader})
		res, err := h.connect(t, "pay", "refunds", false)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 0 {
			t.Errorf("warnings = %q, want none", res.Warnings)
		}
		if es := h.entries(t, "credential.inspect"); len(es) != 1 || es[0].Attrs["broader_than_grants"] != "" {
			t.Errorf("credential.inspect entries = %+v, want one, not broader", es)
		}
	})

	t.Run("inspection fails", func(t *testing.T) {
		h := newHarness(t, &payConnector{inspect: refused})
		res, err := h.connect(t, "pay", "refunds", false)
		if err != nil {
			t.Fatalf("a failed inspection failed the connect: %v", err)
		}
		wantErr := "upstream_error: the upstream refused key [redacted] (401)"
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "could not be inspected") ||
			!strings.Contains(res.Warnings[0], wantErr) {
			t.Errorf("warnings = %q, want one saying the inspection failed with %q", res.Warnings, wantErr)
		}
		creds := h.credentials(t, "pay")
		if len(creds) != 1 || creds[0].Breadth != nil || creds[0].InspectedAt == nil || creds[0].InspectError != wantErr {
			t.Fatalf("stored credentials = %+v, want one with InspectError %q and no breadth", creds, wantErr)
		}
		es := h.entries(t, "credential.inspect")
		if len(es) != 1 {
			t.Fatalf("%d credential.inspect entries, want 1", len(es))
		}
		checkAttrs(t, es[0], map[string]string{"connection": "pay", "credential_version": "1", "error": wantErr})
		noSecret(t, "result", res)
		noSecret(t, "stored credentials", creds)
	})

	t.Run("inspection hangs past the timeout", func(t *testing.T) {
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		for _, tt := range []struct {
			name    string
			inspect func(ctx context.Context, _ vault.Secret) (*connector.CredentialInfo, error)
		}{
			{"and honours its context", func(ctx context.Context, _ vault.Secret) (*connector.CredentialInfo, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			}},
			{"and ignores its context", func(context.Context, vault.Secret) (*connector.CredentialInfo, error) {
				<-release
				return nil, nil
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				h := newHarness(t, &payConnector{inspect: tt.inspect})
				h.svc.InspectTimeout = 50 * time.Millisecond
				start := time.Now()
				res, err := h.connect(t, "pay", "refunds", false)
				if err != nil {
					t.Fatalf("a hanging inspection failed the connect: %v", err)
				}
				if d := time.Since(start); d > 3*time.Second {
					t.Errorf("connect took %v with a 50ms inspection timeout", d)
				}
				wantErr := "upstream_error: the upstream did not say what the credential allows within 50ms"
				creds := h.credentials(t, "pay")
				if len(creds) != 1 || creds[0].InspectError != wantErr || creds[0].Breadth != nil {
					t.Fatalf("stored credentials = %+v, want InspectError %q", creds, wantErr)
				}
				if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], wantErr) {
					t.Errorf("warnings = %q, want one naming the timeout", res.Warnings)
				}
				if es := h.entries(t, "credential.inspect"); len(es) != 1 || es[0].Attrs["error"] != wantErr {
					t.Errorf("credential.inspect entries = %+v, want one with the timeout", es)
				}
			})
		}
	})

	t.Run("the owner's request goes away", func(t *testing.T) {
		// The connect has committed by the time the upstream is asked, so
		// the inspection is still recorded.
		ctx, cancel := context.WithCancel(t.Context())
		h := newHarness(t, &payConnector{inspect: func(context.Context, vault.Secret) (*connector.CredentialInfo, error) {
			cancel()
			return secretKey(context.Background(), vault.Secret{})
		}})
		_, err := h.svc.ConnectAndInspect(ctx, h.boss, owner.ConnectRequest{Type: "pay", Name: "pay", Scope: "refunds", To: "company",
			Credential: vault.NewSecret([]byte(theSecret))})
		if err != nil {
			t.Fatal(err)
		}
		if creds := h.credentials(t, "pay"); len(creds) != 1 || creds[0].Breadth == nil {
			t.Errorf("stored credentials = %+v, want the breadth recorded", creds)
		}
	})
}

func TestService_ReconnectAndInspect(t *testing.T) {
	pay := &payConnector{inspect: refundsReader}
	h := newHarness(t, pay)
	ctx := t.Context()
	if _, err := h.connect(t, "pay", "refunds", true); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Disconnect(ctx, h.boss, "pay"); err != nil {
		t.Fatal(err)
	}

	pay.checkErr = aos.Errorf(aos.EBadRequest, "the credential is not a key")
	err := h.svc.Reconnect(ctx, h.boss, "pay", vault.NewSecret([]byte(theSecret)))
	if aos.ErrorCode(err) != aos.EBadRequest || aos.ErrorMessage(err) != "the credential is not a key" {
		t.Fatalf("Reconnect with a refused credential = %v, want the checker's error", err)
	}
	if creds := h.credentials(t, "pay"); len(creds) != 1 {
		t.Fatalf("a refused credential was stored: %+v", creds)
	}

	pay.checkErr = nil
	pay.inspect = secretKey
	res, err := h.svc.ReconnectAndInspect(ctx, h.boss, "pay", vault.NewSecret([]byte(theSecret)))
	if err != nil {
		t.Fatal(err)
	}
	want := "the credential is a secret key that reaches the whole account; the grant covers refunds only"
	if len(res.Warnings) != 1 || res.Warnings[0] != want || res.Grant != nil || res.Credential.Version != 2 {
		t.Errorf("reconnect result = %+v, want version 2 with warning %q", res, want)
	}
	creds := h.credentials(t, "pay")
	if len(creds) != 2 || creds[0].Breadth == nil || creds[0].Breadth.AccountWide ||
		creds[1].Breadth == nil || !creds[1].Breadth.AccountWide || creds[1].Status != aos.CredentialActive {
		t.Errorf("stored credentials = %+v, want each version with its own breadth", creds)
	}
	es := h.entries(t, "credential.inspect")
	if len(es) != 2 {
		t.Fatalf("%d credential.inspect entries, want 2", len(es))
	}
	checkAttrs(t, es[1], map[string]string{"connection": "pay", "credential_version": "2", "kind": "secret key",
		"account_wide": "true", "can_write": "true", "broader_than_grants": "true"})
	noSecret(t, "stored credentials", creds)

	if _, err := h.svc.ReconnectAndInspect(ctx, h.boss, "pay", vault.NewSecret([]byte(theSecret))); aos.ErrorCode(err) != aos.EConflict {
		t.Errorf("reconnecting a connected connection = %v, want EConflict", err)
	}
}
