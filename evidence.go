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
