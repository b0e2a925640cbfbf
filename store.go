package aos

import (
	"context"
	"time"
)

// Store keeps the state of an instance. Implementations: sqlite (embedded
// default) and postgres (shared by replicas). Both pass storetest.
type Store interface {
	// Update runs fn in a read-write transaction. If fn returns an error the
	// transaction is rolled back and that error is returned. Writes are
	// durable once Update returns nil. Update calls may be serialised.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction that sees a consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is a transaction on a Store. Methods that look a thing up return an
// *Error with code ENotFound when it does not exist; creating a thing whose
// unique name is taken returns EConflict. Write methods fail inside View.
type Tx interface {
	// Principals. Names are unique per kind among principals not removed.
	CreatePrincipal(ctx context.Context, p *Principal) error // sets p.ID
	PrincipalByTokenHash(ctx context.Context, hash []byte) (*Principal, error)
	PrincipalByName(ctx context.Context, kind PrincipalKind, name string) (*Principal, error)
	ListPrincipals(ctx context.Context, kind PrincipalKind) ([]*Principal, error) // not removed, by name
	AllPrincipals(ctx context.Context) ([]*Principal, error)                      // every kind, removed too, by ID
	RemovePrincipal(ctx context.Context, id int64, at time.Time) error

	// Connections. Names are unique (a disconnected connection keeps its name).
	CreateConnection(ctx context.Context, c *Connection) error // sets c.ID
	UpdateConnection(ctx context.Context, c *Connection) error // by ID
	ConnectionByName(ctx context.Context, name string) (*Connection, error)
	ListConnections(ctx context.Context) ([]*Connection, error) // by name

	// Credentials.
	CreateCredential(ctx context.Context, c *Credential) error // sets c.ID
	UpdateCredential(ctx context.Context, c *Credential) error // by ID
	// ActiveCredential returns the connection's active credential, ENotFound if none.
	ActiveCredential(ctx context.Context, connectionID int64) (*Credential, error)
	ListCredentials(ctx context.Context, connectionID int64) ([]*Credential, error) // by version

	// Grants. IDs are chosen by the caller and unique.
	CreateGrant(ctx context.Context, g *Grant) error
	UpdateGrant(ctx context.Context, g *Grant) error // by ID
	GrantByID(ctx context.Context, id string) (*Grant, error)
	ListGrants(ctx context.Context, f GrantFilter) ([]*Grant, error) // by creation, then ID

	// Settings are small named values (caps, instance identity).
	// Setting returns ENotFound for a key never put.
	Setting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error
	ListSettings(ctx context.Context) (map[string]string, error) // every setting

	// Approvals. IDs are chosen by the caller and unique. Exactly-once
	// transitions rely on the caller checking Status inside the same Update:
	// Update calls are serialised.
	CreateApproval(ctx context.Context, a *Approval) error
	ApprovalByID(ctx context.Context, id string) (*Approval, error)
	UpdateApproval(ctx context.Context, a *Approval) error                    // by ID; every field but ID, Kind, CreatedAt
	ListApprovals(ctx context.Context, f ApprovalFilter) ([]*Approval, error) // by CreatedAt, then ID
	// PendingApproval returns the oldest pending approval of the kind that
	// the principal with requesterID asked for, whose Digest is digest, or
	// ENotFound. It reads an index and never loads the sealed blobs:
	// Request and Result are nil in what it returns.
	PendingApproval(ctx context.Context, kind ApprovalKind, requesterID int64, digest string) (*Approval, error)
	// ApprovalWithoutBlobs is ApprovalByID without the sealed request and
	// result (nil in what it returns), for callers that only look at an
	// approval's state, such as a long poll, and must not load them.
	ApprovalWithoutBlobs(ctx context.Context, id string) (*Approval, error)
	// CountPendingApprovals counts the pending approvals (of any kind) that
	// the principal with requesterID asked for, or every pending approval
	// when requesterID is 0, from an index and without loading them.
	CountPendingApprovals(ctx context.Context, requesterID int64) (int, error)

	// Money that moved, for the rolling weekly cap.
	AddSpend(ctx context.Context, s Spend) error
	// SpentSince sums AmountUSD of spends with At after since.
	SpentSince(ctx context.Context, since time.Time) (int64, error)

	// Customer data agents received, for the rolling bulk-read limit.
	// AddCustomerRead adds a row; it returns EBadRequest for a negative count.
	AddCustomerRead(ctx context.Context, r CustomerRead) error
	// CustomerReadsSince sums Customers of the agent's reads from the
	// connection with At strictly after since.
	CustomerReadsSince(ctx context.Context, agentID, connectionID int64, since time.Time) (int64, error)

	// Fingerprints of customer data seen coming out of systems of record.
	// PutFingerprints inserts or, for a MAC already known from the same
	// connection, updates Resource, Category and LastSeen (FirstSeen stays).
	PutFingerprints(ctx context.Context, fps []Fingerprint) error
	// FindFingerprints returns every stored fingerprint whose MAC is among
	// macs, with Connection filled in.
	FindFingerprints(ctx context.Context, macs [][]byte) ([]Fingerprint, error)

	// Flows of customer data. AddFlow stores f.Subjects with the flow.
	AddFlow(ctx context.Context, f *Flow) error
	ListFlows(ctx context.Context) ([]*Flow, error) // by At, then ID
	// FlowsOfSubjects returns the flows that carried any of macs (as
	// AddFlow was given them in Subjects), each once, by At, then ID, with
	// Subjects left out.
	FlowsOfSubjects(ctx context.Context, macs [][]byte) ([]*Flow, error)

	BindingTx
	EvidenceTx
}

// BindingTx finds what is bound to one principal by its ID rather than its
// name: the grants made to it and the calls it asked for. A removed agent's
// name can be given to a new agent; its ID never is.
type BindingTx interface {
	// ListGrantsOf returns the grants not revoked whose GranteeID is
	// granteeID, expired ones too, by creation, then ID.
	ListGrantsOf(ctx context.Context, granteeID int64) ([]*Grant, error)
	// ListApprovalsOf returns the approvals whose RequesterID is
	// requesterID and whose status is among statuses (any status when
	// statuses is empty), by CreatedAt, then ID.
	ListApprovalsOf(ctx context.Context, requesterID int64, statuses []ApprovalStatus) ([]*Approval, error)
}

// GrantFilter narrows ListGrants. Zero values match everything.
type GrantFilter struct {
	ConnectionID   int64
	Mission        string
	IncludeRevoked bool
}

// EvidenceTx is the storage of the evidence log: entries, the stored hashes
// of the Merkle tree (indexed as tlog.StoredHashIndex) and signed
// checkpoints. Only the evidence package writes it.
type EvidenceTx interface {
	// LogSize returns the number of entries appended so far. Inside Update it
	// also serialises appenders: a second Update calling LogSize waits until
	// the first commits (a row lock in PostgreSQL).
	LogSize(ctx context.Context) (int64, error)
	// AppendEntries stores entries, which must continue the log without gap
	// (entries[0].Index == LogSize), and the tree hashes starting at storage
	// index hashStart, and advances LogSize.
	AppendEntries(ctx context.Context, entries []StoredEntry, hashStart int64, hashes [][32]byte) error
	// ReadHashes returns the stored tree hashes at the given storage indexes.
	ReadHashes(ctx context.Context, indexes []int64) ([][32]byte, error)
	// Entries returns the entries with from <= Index < to, by index.
	Entries(ctx context.Context, from, to int64) ([]StoredEntry, error)
	// AddCheckpoint stores a signed checkpoint for a tree of the given size.
	AddCheckpoint(ctx context.Context, size int64, signed []byte) error
	// DropCheckpoint removes the checkpoint stored for size if another is
	// stored for a size from keptFrom to size-1, and does nothing
	// otherwise. The evidence log keeps, of each span of sizes, the first
	// checkpoint and the latest: the latest covers every entry, and the
	// ones in between would only make verification longer.
	DropCheckpoint(ctx context.Context, size, keptFrom int64) error
	// Checkpoints returns every stored checkpoint, by size.
	Checkpoints(ctx context.Context) ([]Checkpoint, error)
	// LatestCheckpoint returns the checkpoint of the largest size, or
	// ENotFound when none is stored.
	LatestCheckpoint(ctx context.Context) (Checkpoint, error)
	// RedactEntry removes an entry's payload; its leaf and salt stay.
	RedactEntry(ctx context.Context, index int64, at time.Time) error
}

// EvidenceScanTx is what a store's transaction may offer besides EvidenceTx
// to read the whole log at once, as evidence.Verify does: the entries and
// the stored tree hashes of a range in bulk, which costs far less per row
// than Entries and ReadHashes. Both stores implement it; evidence falls
// back on EvidenceTx where a transaction does not.
type EvidenceScanTx interface {
	// ScanEntries calls fn with each stored entry with from <= Index < to,
	// in increasing order of Index. fn may keep the entry and its slices.
	// It returns EBadRequest for a negative from or a to before from.
	ScanEntries(ctx context.Context, from, to int64, fn func(StoredEntry) error) error
	// ScanHashes calls fn with each tree hash stored at a storage index in
	// [from, to), in increasing order of index, as it is stored: of any
	// length (a hash that is not 32 bytes is the caller's finding, not an
	// error). hash is valid only during the call.
	ScanHashes(ctx context.Context, from, to int64, fn func(index int64, hash []byte) error) error
}

// StoredEntry is an evidence entry as the store keeps it. Leaf is what the
// Merkle tree hashes; it commits to Payload through Salt, so Payload can be
// removed by a redaction without breaking the tree.
type StoredEntry struct {
	Index      int64
	Leaf       []byte
	Salt       []byte // nil when the entry has no payload
	Payload    []byte // nil when none, or after a redaction
	RedactedAt *time.Time
}

// Checkpoint is a signed note stating the log's size and root hash.
type Checkpoint struct {
	Size   int64
	Signed []byte
}
