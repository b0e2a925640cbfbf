package gateway

import (
	"context"
	"sort"
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
	granted, _, err := g.GrantedTo(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, gc := range granted {
		c := gc.Connection
		for _, gr := range gc.Grants {
			w.Grants = append(w.Grants, GrantView{
				ID: gr.ID, Connection: c.Name, Type: c.Type, Scope: gr.Scope, Access: gr.Access,
				Grantee: gr.GranteeLabel(), ExpiresAt: gr.ExpiresAt, Mission: gr.Mission,
			})
		}
	}
	return w, nil
}

// Granted is a connected connection with the active grants on it that
// apply to one principal, in the order the store lists them.
type Granted struct {
	Connection *aos.Connection
	Grants     []*aos.Grant
}

// GrantedTo returns the connected connections on which p holds an active
// grant, by name, each with those grants; and, read in the same
// transaction, every connection of the instance (what names depend on).
func (g *Gateway) GrantedTo(ctx context.Context, p *aos.Principal) ([]Granted, []*aos.Connection, error) {
	now := g.Now()
	var all []*aos.Connection
	var out []Granted
	err := g.Store.View(ctx, func(tx aos.Tx) error {
		conns, err := tx.ListConnections(ctx)
		if err != nil {
			return err
		}
		all = conns
		byID := map[int64]*aos.Connection{}
		for _, c := range conns {
			byID[c.ID] = c
		}
		grants, err := tx.ListGrants(ctx, aos.GrantFilter{})
		if err != nil {
			return err
		}
		at := map[int64]int{}
		for _, gr := range grants {
			c := byID[gr.ConnectionID]
			if c == nil || !c.Connected() || !gr.Active(now) || !gr.AppliesTo(p) {
				continue
			}
			i, ok := at[c.ID]
			if !ok {
				i = len(out)
				at[c.ID] = i
				out = append(out, Granted{Connection: c})
			}
			out[i].Grants = append(out[i].Grants, gr)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Connection.Name < out[j].Connection.Name })
	return out, all, nil
}
