package gateway

import (
	"context"
	"time"

	"github.com/aos-dev/aos"
)

// WhoAmI tells an agent who it is and what it may do.
type WhoAmI struct {
	Kind       aos.PrincipalKind `json:"kind"`
	Name       string            `json:"name"`
	Department string            `json:"department,omitempty"`
	Grants     []GrantView       `json:"grants"`
}

// GrantView is a grant as an agent sees it.
type GrantView struct {
	ID         string     `json:"id"`
	Connection string     `json:"connection"`
	Type       string     `json:"type"`
	Scope      string     `json:"scope"`
	Access     aos.Access `json:"access"`
	Grantee    string     `json:"grantee"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	Mission    string     `json:"mission,omitempty"`
}

// WhoAmI lists the active grants that apply to p on connected connections.
func (g *Gateway) WhoAmI(ctx context.Context, p *aos.Principal) (*WhoAmI, error) {
	w := &WhoAmI{Kind: p.Kind, Name: p.Name, Department: p.Department, Grants: []GrantView{}}
	now := g.Now()
	err := g.Store.View(ctx, func(tx aos.Tx) error {
		conns, err := tx.ListConnections(ctx)
		if err != nil {
			return err
		}
		byID := map[int64]*aos.Connection{}
		for _, c := range conns {
			byID[c.ID] = c
		}
		grants, err := tx.ListGrants(ctx, aos.GrantFilter{})
		if err != nil {
			return err
		}
		for _, gr := range grants {
			c := byID[gr.ConnectionID]
			if c == nil || !c.Connected() || !gr.Active(now) || !gr.AppliesTo(p) {
				continue
			}
			w.Grants = append(w.Grants, GrantView{
				ID: gr.ID, Connection: c.Name, Type: c.Type, Scope: gr.Scope, Access: gr.Access,
				Grantee: gr.GranteeLabel(), ExpiresAt: gr.ExpiresAt, Mission: gr.Mission,
			})
		}
		return nil
	})
	return w, err
}
