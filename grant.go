package aos

import (
	"strings"
	"time"
)

// Grant lets a grantee call a connection within a scope.
type Grant struct {
	ID           string `json:"id"`
	ConnectionID int64  `json:"-"`
	// Connection is the connection's name, filled in by the store.
	Connection string `json:"connection"`
	// Scope is a resource pattern in the connector's syntax; "*" is account-wide.
	Scope  string `json:"scope"`
	Access Access `json:"access"`
	// Grantee is "" for the whole company, "agent:NAME" or "department:D".
	// For an agent it is the label shown and recorded; GranteeID decides.
	Grantee string `json:"grantee,omitempty"`
	// GranteeID is the ID of the agent principal an "agent:NAME" grant was
	// made to, and 0 for any other grantee. A later agent given the same
	// name is another principal, which the grant never covers.
	GranteeID int64      `json:"-"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Mission   string     `json:"mission,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// RevokedBy is the Ref of the principal that revoked it.
	RevokedBy string `json:"revoked_by,omitempty"`
}

// Active reports whether g is neither revoked nor expired at now.
func (g *Grant) Active(now time.Time) bool {
	return g.RevokedAt == nil && !g.Expired(now)
}

// Expired reports whether g has an expiry at or before now.
func (g *Grant) Expired(now time.Time) bool {
	return g.ExpiresAt != nil && !now.Before(*g.ExpiresAt)
}

// AppliesTo reports whether g's grantee covers principal p. A grant to an
// agent covers only the principal it was made to, by ID: never a later agent
// of the same name, and never anyone when GranteeID is 0.
func (g *Grant) AppliesTo(p *Principal) bool {
	switch {
	case g.Grantee == "":
		return true
	case strings.HasPrefix(g.Grantee, "agent:"):
		return p.Kind == Agent && g.GranteeID != 0 && p.ID == g.GranteeID
	case strings.HasPrefix(g.Grantee, "department:"):
		return p.Kind == Agent && p.Department != "" &&
			p.Department == strings.TrimPrefix(g.Grantee, "department:")
	}
	return false
}

// GranteeLabel is a human-readable grantee ("company" when empty).
func (g *Grant) GranteeLabel() string {
	if g.Grantee == "" {
		return "company"
	}
	return g.Grantee
}
