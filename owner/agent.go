package owner

import (
	"context"
	"strconv"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
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
			Attrs: map[string]string{"department": department, "agent_id": strconv.FormatInt(p.ID, 10)},
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

// RemoveAgent removes an agent: its token stops working at once, and in
// the same transaction every grant made to it is revoked and every call of
// its not yet sent (pending, or approved and not started) is failed, each
// with its own evidence. Nothing of it ever serves a later agent given the
// same name: grants and approvals are bound to the agent's ID. Owner only.
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
		now := s.now()
		if err := tx.RemovePrincipal(ctx, p.ID, now); err != nil {
			return nil, err
		}
		recs := []aos.Record{{Kind: "agent.remove", Actor: actor.Ref(), Subject: p.Ref(),
			Attrs: map[string]string{"agent_id": strconv.FormatInt(p.ID, 10)}}}
		reason := p.Ref() + " was removed"
		grants, err := tx.ListGrantsOf(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, g := range grants {
			rec, err := RevokeGrant(ctx, tx, actor, g, now)
			if err != nil {
				return nil, err
			}
			rec.Attrs["reason"] = reason
			recs = append(recs, rec)
		}
		held, err := tx.ListApprovalsOf(ctx, p.ID, []aos.ApprovalStatus{aos.ApprovalPending, aos.ApprovalApproved})
		if err != nil {
			return nil, err
		}
		for _, a := range held {
			if a.ExecutedAt != nil {
				continue // under way: its outcome is recorded when it ends
			}
			rec, err := approval.Withdraw(ctx, tx, actor.Ref(), a, reason, now)
			if err != nil {
				return nil, err
			}
			recs = append(recs, rec)
		}
		return recs, nil
	})
	return err
}
