package owner

import (
	"context"

	"github.com/aos-dev/aos"
)

// AddAgent creates an agent and returns its token, which is not kept and
// cannot be shown again. Owner only. Errors: EBadRequest, EConflict.
func (s *Service) AddAgent(ctx context.Context, actor *aos.Principal, name, department string) (string, *aos.Principal, error) {
	if err := requireOwner(actor, "add agents"); err != nil {
		return "", nil, err
	}
	if err := checkName("agent", name); err != nil {
		return "", nil, err
	}
	if department != "" {
		if err := checkName("department", department); err != nil {
			return "", nil, err
		}
	}
	token := aos.NewToken(aos.AgentTokenPrefix)
	p := &aos.Principal{Kind: aos.Agent, Name: name, Department: department, TokenHash: aos.HashToken(token)}
	_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		p.CreatedAt = s.now()
		if err := tx.CreatePrincipal(ctx, p); err != nil {
			return nil, err
		}
		return []aos.Record{{
			Kind: "agent.add", Actor: actor.Ref(), Subject: "agent:" + name,
			Attrs: map[string]string{"department": department},
		}}, nil
	})
	if err != nil {
		return "", nil, err
	}
	return token, p, nil
}

// ListAgents lists the agents not removed. Owner or auditor.
func (s *Service) ListAgents(ctx context.Context) ([]*aos.Principal, error) {
	var ps []*aos.Principal
	err := s.Store.View(ctx, func(tx aos.Tx) (err error) {
		ps, err = tx.ListPrincipals(ctx, aos.Agent)
		return err
	})
	return ps, err
}

// RemoveAgent removes an agent: its token stops working at once. Grants
// naming it stay in the record but can no longer apply. Owner only.
// Errors: ENotFound.
func (s *Service) RemoveAgent(ctx context.Context, actor *aos.Principal, name string) error {
	if err := requireOwner(actor, "remove agents"); err != nil {
		return err
	}
	_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		p, err := tx.PrincipalByName(ctx, aos.Agent, name)
		if err != nil {
			return nil, err
		}
		if err := tx.RemovePrincipal(ctx, p.ID, s.now()); err != nil {
			return nil, err
		}
		return []aos.Record{{Kind: "agent.remove", Actor: actor.Ref(), Subject: "agent:" + name}}, nil
	})
	return err
}
