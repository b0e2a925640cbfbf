package connector

import (
	"context"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
)

// Pinner is implemented by connectors whose operations are what the
// upstream says it offers (an MCP server's tools): what a grant means must
// not change when the upstream does, so the definitions are pinned in the
// connection's settings, whose digest the evidence records, and anything
// the upstream later offers differently waits for the owner.
type Pinner interface {
	// Pin asks the upstream, at connect, what it offers and records the
	// pins in c.Config. It runs after Configure and before the connection
	// is recorded; an upstream that cannot be asked fails the connect.
	// Errors: EBadRequest (settings that do not fit what the upstream
	// offers), EUpstream.
	Pin(ctx context.Context, c *aos.Connection, secret vault.Secret) error
	// Accept asks the upstream for the current definition of item and
	// returns the connection's settings with it pinned at access with
	// points (empty access, nil points: as it was pinned before), and
	// what the evidence records of the change (caller-safe attributes).
	// Errors: ENotFound (the upstream does not offer item), EBadRequest,
	// EUpstream.
	Accept(ctx context.Context, c *aos.Connection, secret vault.Secret, item string, access aos.Access,
		points []aos.ApprovalPoint) (config []byte, attrs map[string]string, err error)
	// Pinned lists what c pins, and what its running upstream offers
	// unpinned, without asking the upstream. The error is EInternal: the
	// stored settings were altered.
	Pinned(c *aos.Connection) ([]PinnedItem, error)
}

// PinnedItem is one thing a connection pins (an MCP tool), as the owner
// sees it.
type PinnedItem struct {
	Name   string              `json:"name"`
	Access aos.Access          `json:"access,omitempty"`
	Points []aos.ApprovalPoint `json:"points,omitempty"`
	Digest string              `json:"digest,omitempty"`
	// State is "pinned" (served; the upstream was not asked since),
	// "served" (the running upstream offers it as pinned), "changed"
	// (the upstream offers it differently: not served until accepted),
	// "gone" (the upstream no longer offers it) or "new" (offered, not
	// pinned: not served until accepted).
	State string `json:"state"`
}

// Releaser is implemented by connectors that keep something running for a
// connection (a supervised upstream process, a session). Release stops it;
// the owner's service calls it once a disconnect or a rotation committed.
// The next call, if any, starts afresh.
type Releaser interface {
	Release(c *aos.Connection)
}
