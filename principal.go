package aos

import "time"

// PrincipalKind says what a principal may do.
type PrincipalKind string

const (
	// Owner is the human who connects tools, grants access and decides approvals.
	Owner PrincipalKind = "owner"
	// Agent calls tools through the gateway, within its grants.
	Agent PrincipalKind = "agent"
	// Auditor reads the evidence trail and nothing else.
	Auditor PrincipalKind = "auditor"
)

// Valid reports whether k is one of the kinds of principal: Owner, Agent or
// Auditor.
func (k PrincipalKind) Valid() bool {
	return k == Owner || k == Agent || k == Auditor
}

// Token prefixes make leaked tokens findable by secret scanners.
const (
	OwnerTokenPrefix   = "aos_owner_"
	AgentTokenPrefix   = "aos_agent_"
	AuditorTokenPrefix = "aos_auditor_"
)

// Principal is someone who authenticates with a bearer token. Only the hash
// of the token is kept.
type Principal struct {
	ID         int64         `json:"-"`
	Kind       PrincipalKind `json:"kind"`
	Name       string        `json:"name"`
	Department string        `json:"department,omitempty"`
	TokenHash  []byte        `json:"-"`
	CreatedAt  time.Time     `json:"created_at"`
	RemovedAt  *time.Time    `json:"removed_at,omitempty"`
}

// Ref names the principal in evidence: "owner", "agent:NAME", "auditor:NAME".
func (p *Principal) Ref() string {
	if p == nil {
		return "anonymous"
	}
	if p.Kind == Owner {
		return "owner"
	}
	return string(p.Kind) + ":" + p.Name
}
