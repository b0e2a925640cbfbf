package secinfra

import (
	"context"
	"time"

	"github.com/aos-dev/aos"
)

// Key is one credential version in the inventory: what it belongs to, what
// it reaches, who uses it and where it stands in its rotation schedule.
// It never holds the secret, nor its sealed form.
type Key struct {
	Connection string `json:"connection"`
	Type       string `json:"type"`
	Connected  bool   `json:"connected"`
	Version    int    `json:"version"`
	// Status is active, revoked (retired by a rotation or a disconnect)
	// or exposed.
	Status      aos.CredentialStatus `json:"status"`
	Fingerprint string               `json:"fingerprint"`
	// Breadth is what the upstream said the credential allows when it was
	// inspected; nil when it was not, or the inspection failed
	// (InspectError).
	Breadth      *aos.CredentialInfo `json:"breadth,omitempty"`
	InspectedAt  *time.Time          `json:"inspected_at,omitempty"`
	InspectError string              `json:"inspect_error,omitempty"`
	// Grants are the active grants that use the credential: only the
	// active version of a connected connection has any.
	Grants     []KeyGrant `json:"grants"`
	CreatedAt  time.Time  `json:"created_at"`
	RetiredAt  *time.Time `json:"retired_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	Schedule
}

// KeyGrant is a grant as the inventory shows it beside its credential.
type KeyGrant struct {
	ID        string     `json:"id"`
	Scope     string     `json:"scope"`
	Access    aos.Access `json:"access"`
	Grantee   string     `json:"grantee"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Mission   string     `json:"mission,omitempty"`
}

// Inventory lists every credential version of every connection, by
// connection name and then newest version first, as it stands at now.
func Inventory(ctx context.Context, tx aos.Tx, now time.Time) ([]Key, error) {
	conns, err := tx.ListConnections(ctx)
	if err != nil {
		return nil, err
	}
	keys := []Key{}
	for _, c := range conns {
		creds, err := tx.ListCredentials(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		grants, err := tx.ListGrants(ctx, aos.GrantFilter{ConnectionID: c.ID})
		if err != nil {
			return nil, err
		}
		for i := len(creds) - 1; i >= 0; i-- {
			cred := creds[i]
			k := Key{
				Connection: c.Name, Type: c.Type, Connected: c.Connected(), Version: cred.Version,
				Status: cred.Status, Fingerprint: cred.Fingerprint, Breadth: cred.Breadth,
				InspectedAt: cred.InspectedAt, InspectError: cred.InspectError, Grants: []KeyGrant{},
				CreatedAt: cred.CreatedAt, LastUsedAt: cred.LastUsedAt, Schedule: ScheduleOf(cred, now),
			}
			if cred.Status != aos.CredentialActive {
				k.RetiredAt = cred.RotatedAt
			}
			if cred.Status == aos.CredentialActive && c.Connected() {
				for _, g := range grants {
					if g.Active(now) {
						k.Grants = append(k.Grants, KeyGrant{ID: g.ID, Scope: g.Scope, Access: g.Access,
							Grantee: g.GranteeLabel(), ExpiresAt: g.ExpiresAt, Mission: g.Mission})
					}
				}
			}
			keys = append(keys, k)
		}
	}
	return keys, nil
}
