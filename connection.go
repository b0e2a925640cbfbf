package aos

import "time"

// Access is what a grant allows. Write implies read.
type Access string

const (
	Read  Access = "read"
	Write Access = "write"
)

// Valid reports whether a is Read or Write.
func (a Access) Valid() bool { return a == Read || a == Write }

// Allows reports whether a grant of access a permits an operation needing need.
func (a Access) Allows(need Access) bool {
	return a == Write || need == Read && a == Read
}

// Connection is one connected tool.
type Connection struct {
	ID   int64  `json:"-"`
	Name string `json:"name"`
	// Type is the connector type: "http", "github", ...
	Type    string `json:"type"`
	BaseURL string `json:"base_url"`
	// Auth says how the credential goes upstream, for connectors that let
	// the owner choose: "bearer", "basic", "header:NAME", "query:NAME".
	Auth              string `json:"auth,omitempty"`
	HoldsCustomerData bool   `json:"holds_customer_data"`
	// Config is connector-specific settings (JSON), such as declared operations.
	Config         []byte     `json:"-"`
	CreatedAt      time.Time  `json:"created_at"`
	DisconnectedAt *time.Time `json:"disconnected_at,omitempty"`
}

// Connected reports whether the connection is usable.
func (c *Connection) Connected() bool { return c.DisconnectedAt == nil }

// CredentialStatus is the state of a credential version.
type CredentialStatus string

const (
	CredentialActive  CredentialStatus = "active"
	CredentialRevoked CredentialStatus = "revoked"
	CredentialExposed CredentialStatus = "exposed"
)

// Valid reports whether s is one of the credential statuses: active,
// revoked or exposed.
func (s CredentialStatus) Valid() bool {
	return s == CredentialActive || s == CredentialRevoked || s == CredentialExposed
}

// DefaultRotationPeriod is how long a credential may live before it is due.
const DefaultRotationPeriod = 90 * 24 * time.Hour

// Credential is one version of a connection's upstream secret, sealed by the
// vault. At most one version per connection is active.
type Credential struct {
	ID           int64            `json:"-"`
	ConnectionID int64            `json:"-"`
	Version      int              `json:"version"`
	Sealed       []byte           `json:"-"`
	Status       CredentialStatus `json:"status"`
	// Fingerprint identifies the secret without revealing it (a keyed hash
	// prefix), so the owner can tell versions apart.
	Fingerprint    string        `json:"fingerprint"`
	CreatedAt      time.Time     `json:"created_at"`
	RotatedAt      *time.Time    `json:"rotated_at,omitempty"`
	LastUsedAt     *time.Time    `json:"last_used_at,omitempty"`
	RotationPeriod time.Duration `json:"rotation_period"`
	// Breadth is what the credential really allows, as its connector
	// learned from the upstream when it was connected; nil when it was not
	// inspected or the inspection failed.
	Breadth *CredentialInfo `json:"breadth,omitempty"`
	// InspectedAt is when the inspection ran, whether or not it succeeded;
	// nil when the connector cannot inspect credentials.
	InspectedAt *time.Time `json:"inspected_at,omitempty"`
	// InspectError is the code and message of a failed inspection. It is
	// caller-safe: it never holds the secret.
	InspectError string `json:"inspect_error,omitempty"`
}
