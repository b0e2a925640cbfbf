package aos

import (
	"context"
	"encoding/json"
	"time"
)

// Record is one thing to enter into the evidence trail.
type Record struct {
	// Kind is what happened: "connection.connect", "grant.create",
	// "call.authorized", "call.denied", ...
	Kind string `json:"kind"`
	// Actor is the Ref of the principal who did it.
	Actor string `json:"actor"`
	// Subject is what it happened to: a connection name, a grant ID, ...
	Subject string `json:"subject,omitempty"`
	// Attrs are public, non-sensitive facts: decision codes, operation names,
	// scopes. They enter the leaf in the clear. Never secrets.
	Attrs map[string]string `json:"attrs,omitempty"`
	// Payload is sensitive detail (request paths, arguments, reasons). It
	// enters the leaf only as a salted commitment and can later be redacted.
	// Never secrets.
	Payload json.RawMessage `json:"payload,omitempty"`
	// State is what the change did to the state that decides calls: the
	// rows it wrote, as they stand after it. The evidence log fills it in
	// from the writes a Record function makes; replaying the State of
	// every entry in order rebuilds that state, which is how verify proves
	// the store's state. It enters the leaf in the clear, so a row holds
	// no secret: sensitive values appear only as digests.
	State []StateChange `json:"state,omitempty"`
}

// StateChange is one row of the state as a change left it.
type StateChange struct {
	// Table is the kind of row: "principal", "connection", "credential",
	// "grant", "setting" or "approval".
	Table string `json:"table"`
	// Key identifies the row within its table.
	Key string `json:"key"`
	// Row is the row's image, field by field; nil when the change took the
	// row out of the state (an approval that can no longer run).
	Row map[string]string `json:"row"`
}

// Entry is a record as it stands in the log.
type Entry struct {
	Index int64     `json:"index"`
	Time  time.Time `json:"time"`
	Record
	// Commitment is the hex SHA-256 of salt and payload, "" if no payload.
	Commitment string     `json:"commitment,omitempty"`
	Redacted   bool       `json:"redacted,omitempty"`
	RedactedAt *time.Time `json:"redacted_at,omitempty"`
}

// EvidenceLog appends to the evidence trail.
type EvidenceLog interface {
	// Record runs fn in a store write transaction and appends the records fn
	// returns to the log in that same transaction, so that a state change and
	// its evidence commit together or not at all. fn may run more than once
	// and must have no other side effects. Concurrent calls are committed in
	// batches. Record returns the indexes of the appended entries once they
	// are durable and covered by a signed checkpoint. If the log cannot be
	// written it returns an *Error with code EEvidenceUnavailable, unless fn
	// itself failed, in which case fn's error is returned.
	Record(ctx context.Context, fn func(Tx) ([]Record, error)) ([]int64, error)
}
