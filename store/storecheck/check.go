// Package storecheck holds what the SQLite and PostgreSQL stores share apart
// from their SQL: the checks on what they are asked to write, the errors
// they return for conflicts and missing things, the encoding of times and
// JSON they both apply, and the handling of fingerprint lookups. Both
// stores call it, so that they accept the same input and answer with the
// same codes and messages, as storetest requires.
package storecheck

import (
	"strings"

	"github.com/aos-dev/aos"
)

// Principal checks a principal before it is created.
func Principal(p *aos.Principal) error {
	if p == nil || !p.Kind.Valid() || p.Name == "" {
		return aos.Errorf(aos.EBadRequest, "a principal needs a kind (owner, agent or auditor) and a name")
	}
	return nil
}

// Connection checks a connection before it is created or updated.
func Connection(c *aos.Connection) error {
	if c == nil || c.Name == "" {
		return aos.Errorf(aos.EBadRequest, "a connection needs a name")
	}
	return nil
}

// Credential checks a credential before it is created or updated.
func Credential(c *aos.Credential) error {
	if c == nil || !c.Status.Valid() {
		return aos.Errorf(aos.EBadRequest, "a credential needs a status (active, revoked or exposed)")
	}
	return nil
}

// Grant checks a grant before it is created or updated.
func Grant(g *aos.Grant) error {
	if g == nil || g.ID == "" {
		return aos.Errorf(aos.EBadRequest, "a grant needs an ID")
	}
	if !g.Access.Valid() {
		return aos.Errorf(aos.EBadRequest, "grant %s: access must be read or write", g.ID)
	}
	if g.GranteeID < 0 || (g.GranteeID != 0 && !strings.HasPrefix(g.Grantee, "agent:")) {
		return aos.Errorf(aos.EBadRequest, "grant %s: only a grant to an agent names a grantee ID", g.ID)
	}
	return nil
}

// NewGrant checks a grant before it is created: as Grant, and a grant to an
// agent must name the agent's principal ID, or it would cover nobody. (A
// grant migrated from before IDs may keep 0, and is still updated.)
func NewGrant(g *aos.Grant) error {
	if err := Grant(g); err != nil {
		return err
	}
	if strings.HasPrefix(g.Grantee, "agent:") && g.GranteeID == 0 {
		return aos.Errorf(aos.EBadRequest, "grant %s: a grant to an agent needs the agent's principal ID", g.ID)
	}
	return nil
}

// Approval checks an approval before it is updated.
func Approval(a *aos.Approval) error {
	if a == nil || a.ID == "" {
		return aos.Errorf(aos.EBadRequest, "an approval needs an ID")
	}
	if !a.Status.Valid() {
		return aos.Errorf(aos.EBadRequest, "approval %s: unknown status %q", a.ID, a.Status)
	}
	return nil
}

// NewApproval checks an approval before it is created: as Approval, and its
// kind, which is fixed at creation.
func NewApproval(a *aos.Approval) error {
	if err := Approval(a); err != nil {
		return err
	}
	if !a.Kind.Valid() {
		return aos.Errorf(aos.EBadRequest, "approval %s: kind must be call or redaction", a.ID)
	}
	return nil
}

// Fingerprint checks fp, the i-th of those put at once.
func Fingerprint(i int, fp aos.Fingerprint) error {
	if len(fp.MAC) == 0 {
		return aos.Errorf(aos.EBadRequest, "fingerprint %d has no MAC", i)
	}
	return nil
}

// Flow checks a flow before it is added.
func Flow(f *aos.Flow) error {
	if f == nil || f.ID == "" {
		return aos.Errorf(aos.EBadRequest, "a flow needs an ID")
	}
	for i, m := range f.Subjects {
		if len(m) == 0 {
			return aos.Errorf(aos.EBadRequest, "flow %s: subject %d has no MAC", f.ID, i)
		}
	}
	return nil
}

// Spend checks a spend before it is added. A refund or discount is money
// moving too, recorded as a positive amount; a negative one would lift the
// rolling cap.
func Spend(s aos.Spend) error {
	if s.AmountUSD < 0 {
		return aos.Errorf(aos.EBadRequest, "a spend cannot be negative (%d cents)", s.AmountUSD)
	}
	return nil
}

// CustomerRead checks a customer read before it is added.
func CustomerRead(r aos.CustomerRead) error {
	if r.Customers < 0 {
		return aos.Errorf(aos.EBadRequest, "a customer read cannot be negative (%d)", r.Customers)
	}
	return nil
}

// SettingKey checks the key of a setting before it is put.
func SettingKey(key string) error {
	if key == "" {
		return aos.Errorf(aos.EBadRequest, "a setting needs a key")
	}
	return nil
}
