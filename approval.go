package aos

import "time"

// ApprovalStatus is where a held call stands.
type ApprovalStatus string

const (
	ApprovalPending  ApprovalStatus = "pending"
	ApprovalApproved ApprovalStatus = "approved"
	ApprovalDenied   ApprovalStatus = "denied"
	ApprovalExpired  ApprovalStatus = "expired"
	ApprovalExecuted ApprovalStatus = "executed"
	ApprovalFailed   ApprovalStatus = "failed"
)

// Valid reports whether s is one of the approval statuses.
func (s ApprovalStatus) Valid() bool {
	switch s {
	case ApprovalPending, ApprovalApproved, ApprovalDenied,
		ApprovalExpired, ApprovalExecuted, ApprovalFailed:
		return true
	}
	return false
}

// Final reports whether no further transition can happen.
func (s ApprovalStatus) Final() bool {
	return s == ApprovalDenied || s == ApprovalExpired || s == ApprovalExecuted || s == ApprovalFailed
}

// ApprovalKind says what an approval lets through.
type ApprovalKind string

const (
	// ApprovalCall holds an agent's call to a connection.
	ApprovalCall ApprovalKind = "call"
	// ApprovalRedaction holds a redaction of an evidence entry.
	ApprovalRedaction ApprovalKind = "redaction"
)

// Valid reports whether k is ApprovalCall or ApprovalRedaction.
func (k ApprovalKind) Valid() bool { return k == ApprovalCall || k == ApprovalRedaction }

// DefaultApprovalExpiry is how long a held call waits for the owner.
const DefaultApprovalExpiry = 72 * time.Hour

// Approval is a call (or redaction) held at one or more approval points
// until the owner decides. Approval executes exactly the held request, once.
type Approval struct {
	ID     string          `json:"id"`
	Kind   ApprovalKind    `json:"kind"`
	Points []ApprovalPoint `json:"points"`
	Status ApprovalStatus  `json:"status"`
	// Requester is the Ref of the principal whose call is held, for people
	// to read; RequesterID is that principal's ID, which decides who may see
	// the approval (a later agent of the same name is someone else).
	Requester    string `json:"requester"`
	RequesterID  int64  `json:"-"`
	Connection   string `json:"connection,omitempty"`
	ConnectionID int64  `json:"-"`
	// GrantID is the grant that allows the call apart from the hold (or
	// the grants that together cover a compound resource), as recorded:
	// Decision.GrantAttr; SplitGrantIDs reads it back.
	GrantID string `json:"grant_id,omitempty"`
	// CredentialVersion is the connection's credential when the call was
	// held; if it is no longer active at approval, the call fails.
	CredentialVersion int    `json:"credential_version,omitempty"`
	Operation         string `json:"operation,omitempty"`
	Access            Access `json:"access,omitempty"`
	Resource          string `json:"resource,omitempty"`
	// Summary says in one line what the call does, for the owner.
	Summary string `json:"summary"`
	Facts   Facts  `json:"facts"`
	// Reasons explain, point by point, why the call was held.
	Reasons []string `json:"reasons,omitempty"`
	// Request is the exact upstream request, sealed by the vault; Digest is
	// the hex SHA-256 of the request before sealing.
	Request []byte `json:"-"`
	Digest  string `json:"digest"`
	// RedactEntry is the evidence entry a redaction removes the payload of.
	RedactEntry    int64      `json:"redact_entry,omitempty"`
	Purpose        string     `json:"purpose,omitempty"`
	Recommendation string     `json:"recommendation,omitempty"`
	Alternatives   []string   `json:"alternatives,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	ExpiresAt      time.Time  `json:"expires_at"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	Decider        string     `json:"decider,omitempty"`
	Reason         string     `json:"reason,omitempty"`
	ExecutedAt     *time.Time `json:"executed_at,omitempty"`
	// Result is the upstream's answer, sealed; ResultStatus its HTTP status.
	Result       []byte `json:"-"`
	ResultStatus int    `json:"result_status,omitempty"`
	// Error is the code of a failed execution.
	Error string `json:"error,omitempty"`
	// View is what the call would send, rendered for the owner (package
	// view). It is computed from the sealed request when an approval is
	// read through the owner API, and never stored.
	View *ApprovalView `json:"view,omitempty"`
}

// ApprovalView is a held call rendered for people: who asked, why it was
// held, and what it would send, without any secret and without customer
// data beyond what the approval's facts already name. The same approval
// always renders to the same Text; Digest is "sha256:" and the hex
// SHA-256 of Text, so that a decision can name the view it was made on.
type ApprovalView struct {
	Text   string `json:"text"`
	Digest string `json:"digest"`
}

// ApprovalFilter narrows ListApprovals. Zero values match everything.
type ApprovalFilter struct {
	Statuses []ApprovalStatus
	// ExpiredBy, if set, matches only approvals expiring at or before it.
	ExpiredBy *time.Time
	// WithoutBlobs leaves out the sealed request and result (Request and
	// Result are nil): for readers that need the rest, such as the state
	// check, which should not read every held request's bytes.
	WithoutBlobs bool
}

// Spend is money that moved through the boundary, for the rolling cap.
type Spend struct {
	At time.Time `json:"at"`
	// AmountUSD is in cents.
	AmountUSD  int64  `json:"amount_usd"`
	Connection string `json:"connection"`
	ApprovalID string `json:"approval_id,omitempty"`
}

// CustomerRead is customer data an agent received from a connection that
// holds it: how many customers one answer carried. The gateway sums an
// agent's reads over a rolling window, so that a bulk read taken page by
// page is held like one taken at once.
type CustomerRead struct {
	AgentID      int64     `json:"agent_id"`
	ConnectionID int64     `json:"connection_id"`
	At           time.Time `json:"at"`
	Customers    int64     `json:"customers"`
}

// Fingerprint is a keyed hash of one piece of customer data seen coming out
// of a system of record. The value itself is never kept.
type Fingerprint struct {
	MAC          []byte `json:"-"`
	ConnectionID int64  `json:"-"`
	Connection   string `json:"connection"`
	// Resource is the resource of the answer it was last seen in, with
	// any segment that holds customer data replaced.
	Resource  string    `json:"resource,omitempty"`
	Category  string    `json:"category"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// Flow is customer data moving from a source to a destination.
type Flow struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	// SourceResource is where in Source the data was last read from (the
	// resources, comma-separated, when it came from several).
	SourceResource string `json:"source_resource,omitempty"`
	Destination    string `json:"destination"`
	// Resource is the destination's resource the call wrote to. Both
	// resources keep "{customer-data}" for a segment that holds customer
	// data, and are "" for flows recorded before they were kept.
	Resource   string    `json:"resource,omitempty"`
	Categories []string  `json:"categories"`
	Count      int       `json:"count"`
	At         time.Time `json:"at"`
	ApprovalID string    `json:"approval_id,omitempty"`
	Entry      int64     `json:"entry"`
	// Subjects are the keyed fingerprints (MACs, never values) of the
	// customer data that crossed, so that one customer's data can be
	// followed. AddFlow stores them; ListFlows leaves them out. They are
	// never encoded.
	Subjects [][]byte `json:"-"`
}
