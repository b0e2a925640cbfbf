package owner_test

import (
	"context"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// TestGrant_granteeIsNamed: a grant, at connect or later, names its
// grantee; one that names nobody who exists is refused with the reason,
// and a refused connect leaves no connection behind.
func TestGrant_granteeIsNamed(t *testing.T) {
	ctx := context.Background()
	in := gatewaytest.Start(t, &payConnector{inspect: refundsReader})
	in.Agent(t, "buyer", "finance")
	secret := func() vault.Secret { return vault.NewSecret([]byte(theSecret)) }
	in.Connect(t, owner.ConnectRequest{Type: "pay", Name: "pay", Credential: secret()})

	for _, c := range []struct {
		name, to string
		code     string
		grantee  string
	}{
		{"no grantee", "", aos.EBadRequest, ""},
		{"unknown agent", "nobody", aos.ENotFound, ""},
		{"unknown department", "department:legal", aos.ENotFound, ""},
		{"malformed department", "department:", aos.EBadRequest, ""},
		{"company", "company", "", "company"},
		{"agent", "buyer", "", "agent:buyer"},
		{"agent: prefix", "agent:buyer", "", "agent:buyer"},
		{"department", "department:finance", "", "department:finance"},
	} {
		t.Run("grant/"+c.name, func(t *testing.T) {
			g, err := in.Owner.Grant(ctx, in.Boss, owner.GrantRequest{Connection: "pay", Scope: "refunds", To: c.to})
			if got := aos.ErrorCode(err); got != c.code {
				t.Fatalf("Grant(to %q) = %v, want code %q", c.to, err, c.code)
			}
			if c.code == "" && g.GranteeLabel() != c.grantee {
				t.Errorf("grantee = %q, want %q", g.GranteeLabel(), c.grantee)
			}
		})
		t.Run("connect/"+c.name, func(t *testing.T) {
			name := "c" + aos.NewID("")[:8]
			_, g, err := in.Owner.Connect(ctx, in.Boss, owner.ConnectRequest{Type: "pay", Name: name, Scope: "refunds", To: c.to, Credential: secret()})
			if got := aos.ErrorCode(err); got != c.code {
				t.Fatalf("Connect(to %q) = %v, want code %q", c.to, err, c.code)
			}
			if c.code != "" {
				cs, _ := in.Owner.ListConnections(ctx)
				for _, conn := range cs {
					if conn.Name == name {
						t.Errorf("a refused connect left connection %s behind", name)
					}
				}
				return
			}
			if g == nil || g.GranteeLabel() != c.grantee {
				t.Errorf("first grant = %+v, want grantee %q", g, c.grantee)
			}
		})
	}

	t.Run("connect without a scope has no grant", func(t *testing.T) {
		_, g, err := in.Owner.Connect(ctx, in.Boss, owner.ConnectRequest{Type: "pay", Name: "bare", Credential: secret()})
		if err != nil || g != nil {
			t.Fatalf("Connect without scope = %+v, %v; want no grant", g, err)
		}
		gs, _ := in.Owner.ListGrants(ctx, true)
		for _, g := range gs {
			if g.Connection == "bare" {
				t.Errorf("connection bare has grant %+v", g)
			}
		}
	})
	t.Run("a grantee or write without a scope is refused", func(t *testing.T) {
		for _, req := range []owner.ConnectRequest{
			{Type: "pay", Name: "half1", To: "company", Credential: secret()},
			{Type: "pay", Name: "half2", Write: true, Credential: secret()},
		} {
			if _, _, err := in.Owner.Connect(ctx, in.Boss, req); aos.ErrorCode(err) != aos.EBadRequest {
				t.Errorf("Connect(%+v) = %v, want bad_request", req, err)
			}
		}
	})
	in.Verify(t)
}
