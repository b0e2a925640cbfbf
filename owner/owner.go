// Package owner carries out the owner's changes to the boundary: agents,
// connections, credentials and grants. Every change is recorded in the
// evidence trail in the same transaction as the change itself, so the trail
// never misses a change and never records one that did not happen.
package owner

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Service is the owner's side of the boundary.
type Service struct {
	Store      aos.Store
	Log        aos.EvidenceLog
	Vault      *vault.Vault
	Connectors connector.Registry
	Now        func() time.Time
	Logger     *slog.Logger
	// InspectTimeout bounds how long connecting waits for the upstream to
	// say what a new credential allows; zero means DefaultInspectTimeout.
	InspectTimeout time.Duration
}

// nameRE is what connection, agent, department and mission names may be:
// they appear in URLs, host names and evidence, so they stay plain.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func checkName(what, name string) error {
	if !nameRE.MatchString(name) {
		return aos.Errorf(aos.EBadRequest,
			"%s name %q must be 1-63 lowercase letters, digits or hyphens, starting with a letter or digit", what, name)
	}
	return nil
}

// requireOwner returns EForbidden unless p is the owner.
func requireOwner(p *aos.Principal, what string) error {
	if p == nil || p.Kind != aos.Owner {
		return aos.Errorf(aos.EForbidden, "only the owner may %s", what)
	}
	return nil
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// Status is a summary of the instance.
type Status struct {
	Agents       int   `json:"agents"`
	Connections  int   `json:"connections"`
	Connected    int   `json:"connected"`
	ActiveGrants int   `json:"active_grants"`
	Pending      int   `json:"pending_approvals"`
	LogSize      int64 `json:"evidence_entries"`
	// Overdue lists the connected connections whose active credential is
	// due for rotation (aos.Credential.Overdue), by name.
	Overdue []OverdueKey `json:"overdue_keys,omitempty"`
	// Money is what moved through the boundary against the caps.
	Money MoneyStatus `json:"money"`
}

// MoneyStatus is the money caps and what counted against them in the
// rolling 7 days, in US cents, and in Text as people read it ("$120.00
// USD of $10,000.00 USD this rolling week; at most $1,000.00 USD per
// move").
type MoneyStatus struct {
	PerMove       int64  `json:"per_move"`
	PerWeek       int64  `json:"per_week"`
	SpentThisWeek int64  `json:"spent_this_week"`
	Text          string `json:"text"`
}

// OverdueKey is a credential due for rotation.
type OverdueKey struct {
	Connection string    `json:"connection"`
	Version    int       `json:"version"`
	DueAt      time.Time `json:"due_at"`
}

// Status summarises the instance. Owner or auditor.
func (s *Service) Status(ctx context.Context) (*Status, error) {
	var st Status
	now := s.now()
	err := s.Store.View(ctx, func(tx aos.Tx) error {
		agents, err := tx.ListPrincipals(ctx, aos.Agent)
		if err != nil {
			return err
		}
		st.Agents = len(agents)
		conns, err := tx.ListConnections(ctx)
		if err != nil {
			return err
		}
		st.Connections = len(conns)
		for _, c := range conns {
			if !c.Connected() {
				continue
			}
			st.Connected++
			cred, err := tx.ActiveCredential(ctx, c.ID)
			if aos.ErrorCode(err) == aos.ENotFound {
				continue
			} else if err != nil {
				return err
			}
			if cred.Overdue(now) {
				st.Overdue = append(st.Overdue, OverdueKey{Connection: c.Name, Version: cred.Version, DueAt: cred.DueAt()})
			}
		}
		grants, err := tx.ListGrants(ctx, aos.GrantFilter{})
		if err != nil {
			return err
		}
		for _, g := range grants {
			if g.Active(now) {
				st.ActiveGrants++
			}
		}
		// Counted from an index: loading them would read every sealed request.
		if st.Pending, err = tx.CountPendingApprovals(ctx, 0); err != nil {
			return err
		}
		caps, err := aos.LoadCaps(ctx, tx)
		if err != nil {
			return err
		}
		spent, err := tx.SpentSince(ctx, now.Add(-7*24*time.Hour))
		if err != nil {
			return err
		}
		ct := aos.DescribeCaps(caps)
		st.Money = MoneyStatus{PerMove: caps.PerMove, PerWeek: caps.PerWeek, SpentThisWeek: spent,
			Text: fmt.Sprintf("%s of %s this rolling week; at most %s per move",
				aos.FormatMoney(spent, "USD"), ct.PerWeek, ct.PerMove)}
		st.LogSize, err = tx.LogSize(ctx)
		return err
	})
	return &st, err
}
