package owner

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aos-dev/aos"
)

// GrantRequest is what `aos grant` sends.
type GrantRequest struct {
	Connection string
	Scope      string
	Write      bool
	// To names the grantee, always: "company" (every agent), an agent's
	// name ("agent:NAME" too) or "department:D". It is never implied: a
	// forgotten grantee once meant the whole company.
	To string
	// ExpiresIn is how long the grant lasts; zero for no expiry.
	ExpiresIn time.Duration
	Mission   string
}

// Grant gives access to a connection within a scope to the grantee
// req.To names. Owner only.
// Errors: EBadRequest (no scope, no grantee, a malformed one), ENotFound
// (no such connection, no agent of that name, no agent in that department).
func (s *Service) Grant(ctx context.Context, actor *aos.Principal, req GrantRequest) (*aos.Grant, error) {
	if err := requireOwner(actor, "grant access"); err != nil {
		return nil, err
	}
	if req.Scope == "" {
		return nil, aos.Errorf(aos.EBadRequest, "a scope is required (use * for account-wide access, spelled out)")
	}
	if req.ExpiresIn < 0 {
		return nil, aos.Errorf(aos.EBadRequest, "expiry must be in the future")
	}
	if req.Mission != "" {
		if err := checkName("mission", req.Mission); err != nil {
			return nil, err
		}
	}
	grantee, err := granteeOf(req.To)
	if err != nil {
		return nil, err
	}
	access := aos.Read
	if req.Write {
		access = aos.Write
	}
	g := &aos.Grant{ID: aos.NewID("g_"), Access: access, Grantee: grantee, Mission: req.Mission}
	_, err = s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		c, err := tx.ConnectionByName(ctx, req.Connection)
		if err != nil {
			return nil, err
		}
		conn, err := s.Connectors.Lookup(c.Type)
		if err != nil {
			return nil, err
		}
		if g.Scope, err = conn.CheckScope(req.Scope); err != nil {
			return nil, err
		}
		if g.GranteeID, err = resolveGrantee(ctx, tx, grantee); err != nil {
			return nil, err
		}
		now := s.now()
		g.ConnectionID, g.Connection, g.CreatedAt, g.ExpiresAt = c.ID, c.Name, now, nil
		if req.ExpiresIn > 0 {
			exp := now.Add(req.ExpiresIn)
			g.ExpiresAt = &exp
		}
		if err := tx.CreateGrant(ctx, g); err != nil {
			return nil, err
		}
		return []aos.Record{GrantRecord(actor, g)}, nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// Company is the grantee that names every agent of the company.
const Company = "company"

// granteeOf parses a grantee as the owner names it: "company", an agent's
// name (or "agent:NAME") or "department:D", into a Grant's Grantee ("" for
// the company). An empty one is an error: the grantee is always named.
func granteeOf(to string) (string, error) {
	switch to {
	case "":
		return "", aos.Errorf(aos.EBadRequest, "a grant names its grantee: an agent, department:D, or company for every agent")
	case Company:
		return "", nil
	}
	if d, ok := strings.CutPrefix(to, "department:"); ok {
		return to, checkName("department", d)
	}
	name := strings.TrimPrefix(to, "agent:")
	return "agent:" + name, checkName("agent", name)
}

// resolveGrantee checks in tx that a grantee names someone: an agent that
// exists (its ID is returned: the grant is to it, so that a later agent
// given the name after this one is removed never holds it), or a
// department some agent is in. Errors: ENotFound.
func resolveGrantee(ctx context.Context, tx aos.Tx, grantee string) (int64, error) {
	if name, ok := strings.CutPrefix(grantee, "agent:"); ok {
		p, err := tx.PrincipalByName(ctx, aos.Agent, name)
		if aos.ErrorCode(err) == aos.ENotFound {
			return 0, aos.Errorf(aos.ENotFound, "no agent is named %s (see `aos agent list`; a department is written department:D)", name)
		}
		if err != nil {
			return 0, err
		}
		return p.ID, nil
	}
	if d, ok := strings.CutPrefix(grantee, "department:"); ok {
		ps, err := tx.ListPrincipals(ctx, aos.Agent)
		if err != nil {
			return 0, err
		}
		for _, p := range ps {
			if p.Department == d {
				return 0, nil
			}
		}
		return 0, aos.Errorf(aos.ENotFound, "no agent is in department %s (add one with `aos agent add NAME --department %s`)", d, d)
	}
	return 0, nil
}

// GrantRecord is the grant.create evidence of g: connection, scope,
// access, grantee (and its id), expiry, mission, and account_wide for "*".
// Whoever creates a grant records it with this, so every grant's entry
// carries the same attributes.
func GrantRecord(actor *aos.Principal, g *aos.Grant) aos.Record {
	attrs := map[string]string{
		"connection": g.Connection, "scope": g.Scope, "access": string(g.Access), "grantee": g.GranteeLabel(),
	}
	if g.ExpiresAt != nil {
		attrs["expires_at"] = g.ExpiresAt.UTC().Format(time.RFC3339)
	}
	if g.Mission != "" {
		attrs["mission"] = g.Mission
	}
	if g.Scope == "*" {
		attrs["account_wide"] = "true"
	}
	if g.GranteeID != 0 {
		attrs["grantee_id"] = strconv.FormatInt(g.GranteeID, 10)
	}
	return aos.Record{Kind: "grant.create", Actor: actor.Ref(), Subject: g.ID, Attrs: attrs}
}

// ListGrants lists grants, revoked ones too when all is set. Owner or auditor.
func (s *Service) ListGrants(ctx context.Context, all bool) ([]*aos.Grant, error) {
	var gs []*aos.Grant
	err := s.Store.View(ctx, func(tx aos.Tx) (err error) {
		gs, err = tx.ListGrants(ctx, aos.GrantFilter{IncludeRevoked: all})
		return err
	})
	return gs, err
}

// Revoke ends a grant at once: the next call that needed it is denied. Any
// principal may revoke (narrowing is never the owner's alone).
// Errors: ENotFound, EConflict (already revoked).
func (s *Service) Revoke(ctx context.Context, actor *aos.Principal, id string) (*aos.Grant, error) {
	var g *aos.Grant
	_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		var err error
		if g, err = tx.GrantByID(ctx, id); err != nil {
			return nil, err
		}
		if g.RevokedAt != nil {
			return nil, aos.Errorf(aos.EConflict, "grant %s is already revoked", id)
		}
		rec, err := RevokeGrant(ctx, tx, actor, g, s.now())
		return []aos.Record{rec}, err
	})
	return g, err
}

// RevokeGrant ends g in tx and returns the evidence of it (grant.revoke
// with connection, scope and mission). Callers add their own attributes.
func RevokeGrant(ctx context.Context, tx aos.Tx, actor *aos.Principal, g *aos.Grant, now time.Time) (aos.Record, error) {
	g.RevokedAt, g.RevokedBy = &now, actor.Ref()
	rec := aos.Record{Kind: "grant.revoke", Actor: actor.Ref(), Subject: g.ID,
		Attrs: map[string]string{"connection": g.Connection, "scope": g.Scope}}
	if g.Mission != "" {
		rec.Attrs["mission"] = g.Mission
	}
	return rec, tx.UpdateGrant(ctx, g)
}

// CloseMission revokes every active grant made for a mission and returns
// them. Owner only. Errors: ENotFound (no grant was ever made for it).
func (s *Service) CloseMission(ctx context.Context, actor *aos.Principal, mission string) ([]*aos.Grant, error) {
	if err := requireOwner(actor, "close missions"); err != nil {
		return nil, err
	}
	var closed []*aos.Grant
	_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		closed = nil
		gs, err := tx.ListGrants(ctx, aos.GrantFilter{Mission: mission, IncludeRevoked: true})
		if err != nil {
			return nil, err
		}
		if len(gs) == 0 {
			return nil, aos.Errorf(aos.ENotFound, "no grant was made for mission %s", mission)
		}
		now := s.now()
		recs := []aos.Record{{Kind: "mission.close", Actor: actor.Ref(), Subject: mission}}
		for _, g := range gs {
			if g.RevokedAt != nil {
				continue
			}
			rec, err := RevokeGrant(ctx, tx, actor, g, now)
			if err != nil {
				return nil, err
			}
			closed = append(closed, g)
			recs = append(recs, rec)
		}
		return recs, nil
	})
	return closed, err
}
