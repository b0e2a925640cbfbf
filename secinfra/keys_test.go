package secinfra_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/vault"
)

// clock is a fake clock the tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const day = 24 * time.Hour

// TestKeys_List walks a key through its schedule on a fake clock: due
// after its period, overdue in the inventory and in the owner's status,
// not due again once rotated; the retired version is kept, retired.
func TestKeys_List(t *testing.T) {
	ctx := context.Background()
	in := gatewaytest.Start(t, rest.New())
	clk := &clock{now: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	in.Owner.Now = clk.Now
	in.Gateway.Now = clk.Now
	keys := &secinfra.Keys{Owner: in.Owner, Drain: in.Gateway.DrainCredential}
	t0 := clk.Now()
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: "http://127.0.0.1:1", Scope: "/v1", To: "company",
		Credential: vault.NewSecret([]byte("crm-secret-one-8c2d")), RotationPeriod: 30 * day})
	in.Agent(t, "ana", "sales")
	g := in.Grant(t, owner.GrantRequest{Connection: "crm", Scope: "/v1/deals", To: "ana", ExpiresIn: 10 * day, Mission: "q3-push"})

	list := func(t *testing.T) []secinfra.Key {
		t.Helper()
		ks, err := keys.List(ctx, in.Boss)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(ks)
		if strings.Contains(string(b), "crm-secret") {
			t.Fatalf("the inventory holds a secret: %s", b)
		}
		return ks
	}
	overdue := func(t *testing.T) []owner.OverdueKey {
		t.Helper()
		st, err := in.Owner.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.Overdue
	}

	t.Run("fresh", func(t *testing.T) {
		ks := list(t)
		if len(ks) != 1 {
			t.Fatalf("%d keys, want 1", len(ks))
		}
		k := ks[0]
		if k.Connection != "crm" || k.Type != "http" || k.Version != 1 || k.Status != aos.CredentialActive {
			t.Errorf("key %+v", k)
		}
		if k.DueAt == nil || !k.DueAt.Equal(t0.Add(30*day)) || k.Overdue || k.RotateEvery != "30d" {
			t.Errorf("schedule %+v, want due %v", k.Schedule, t0.Add(30*day))
		}
		var found *secinfra.KeyGrant
		for i := range k.Grants {
			if k.Grants[i].ID == g.ID {
				found = &k.Grants[i]
			}
		}
		if len(k.Grants) != 2 || found == nil || found.Grantee != "agent:ana" || found.Scope != "/v1/deals" ||
			found.Access != aos.Read || found.Mission != "q3-push" || found.ExpiresAt == nil {
			t.Errorf("grants %+v", k.Grants)
		}
		if o := overdue(t); len(o) != 0 {
			t.Errorf("status shows overdue keys %+v", o)
		}
	})
	t.Run("a second before due", func(t *testing.T) {
		clk.advance(30*day - time.Second)
		if k := list(t)[0]; k.Overdue {
			t.Errorf("overdue a second early: %+v", k.Schedule)
		}
		if o := overdue(t); len(o) != 0 {
			t.Errorf("status shows overdue keys %+v", o)
		}
	})
	t.Run("due", func(t *testing.T) {
		clk.advance(time.Second)
		k := list(t)[0]
		if !k.Overdue || k.DueIn != "0s" {
			t.Errorf("not overdue when due: %+v", k.Schedule)
		}
		// The agent's grant expired meanwhile: it no longer uses the key.
		if len(k.Grants) != 1 {
			t.Errorf("grants %+v, want the company grant only", k.Grants)
		}
		o := overdue(t)
		if len(o) != 1 || o[0].Connection != "crm" || o[0].Version != 1 || !o[0].DueAt.Equal(t0.Add(30*day)) {
			t.Errorf("status overdue = %+v", o)
		}
	})
	t.Run("a longer period makes it current again", func(t *testing.T) {
		if _, err := in.Owner.SetRotationPeriod(ctx, in.Boss, "crm", 60*day); err != nil {
			t.Fatal(err)
		}
		if k := list(t)[0]; k.Overdue || !k.DueAt.Equal(t0.Add(60*day)) || k.RotateEvery != "60d" {
			t.Errorf("schedule %+v", k.Schedule)
		}
		if _, err := in.Owner.SetRotationPeriod(ctx, in.Boss, "crm", 30*day); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("rotated", func(t *testing.T) {
		clk.advance(day)
		rotatedAt := clk.Now()
		if _, err := in.Owner.RotateCredential(ctx, in.Boss, "crm", vault.NewSecret([]byte("crm-secret-two-51fa"))); err != nil {
			t.Fatal(err)
		}
		ks := list(t)
		if len(ks) != 2 {
			t.Fatalf("%d keys, want 2", len(ks))
		}
		cur, old := ks[0], ks[1]
		if cur.Version != 2 || cur.Overdue || !cur.DueAt.Equal(rotatedAt.Add(30*day)) || cur.LastRotated == nil || !cur.LastRotated.Equal(rotatedAt) {
			t.Errorf("new version %+v", cur)
		}
		if old.Version != 1 || old.Status != aos.CredentialRevoked || old.DueAt != nil || old.Overdue ||
			old.RetiredAt == nil || !old.RetiredAt.Equal(rotatedAt) || len(old.Grants) != 0 {
			t.Errorf("retired version %+v", old)
		}
		if o := overdue(t); len(o) != 0 {
			t.Errorf("status shows overdue keys %+v", o)
		}
	})
	t.Run("who may read", func(t *testing.T) {
		for _, c := range []struct {
			p  *aos.Principal
			ok bool
		}{
			{&aos.Principal{Kind: aos.Agent, Name: "sec", Department: secinfra.Department}, true},
			{&aos.Principal{Kind: aos.Auditor, Name: "audit"}, true},
			{&aos.Principal{Kind: aos.Agent, Name: "ana", Department: "sales"}, false},
			{nil, false},
		} {
			_, err := keys.List(ctx, c.p)
			if (err == nil) != c.ok || err != nil && aos.ErrorCode(err) != aos.EForbidden {
				t.Errorf("%+v: err %v", c.p, err)
			}
		}
	})
	in.Verify(t)
}

// TestOwner_RotateCredential checks what a rotation refuses: the secret
// of an earlier version, a non-owner, a disconnected connection.
func TestOwner_RotateCredential(t *testing.T) {
	ctx := context.Background()
	in := gatewaytest.Start(t, rest.New())
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: "http://127.0.0.1:1", Scope: "/v1", To: "company",
		Credential: vault.NewSecret([]byte("crm-secret-one-8c2d"))})
	agent := &aos.Principal{Kind: aos.Agent, Name: "sec", Department: secinfra.Department}
	for _, c := range []struct {
		name   string
		actor  *aos.Principal
		secret string
		code   string
	}{
		{"the same secret", in.Boss, "crm-secret-one-8c2d", aos.EBadRequest},
		{"empty", in.Boss, "", aos.EBadRequest},
		{"an agent, even of security-infra", agent, "crm-secret-two-51fa", aos.EForbidden},
		{"unknown connection", in.Boss, "x-secret-1234", aos.ENotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := "crm"
			if c.code == aos.ENotFound {
				name = "nope"
			}
			_, err := in.Owner.RotateCredential(ctx, c.actor, name, vault.NewSecret([]byte(c.secret)))
			if aos.ErrorCode(err) != c.code {
				t.Fatalf("err %v, want %s", err, c.code)
			}
		})
	}
	if err := in.Owner.Disconnect(ctx, in.Boss, "crm"); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Owner.RotateCredential(ctx, in.Boss, "crm", vault.NewSecret([]byte("crm-secret-two-51fa"))); aos.ErrorCode(err) != aos.EConflict {
		t.Fatalf("rotating a disconnected connection: %v", err)
	}
	in.Verify(t)
}
