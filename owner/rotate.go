package owner

import (
	"context"
	"strconv"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// Rotated is what a rotation did: the new active version and the one it
// retired (nil when the connection had none, after a key was declared
// exposed).
type Rotated struct {
	Connection *aos.Connection
	Credential *aos.Credential
	Retired    *aos.Credential
}

// RotateCredential seals secret as a new credential version of connection
// name, makes it the active one and retires the previous active version
// (status revoked, RotatedAt now). Owner only.
//
// The connector checks the secret first where it can: a malformed one is
// refused (connector.CredentialChecker), and one the upstream does not
// accept, or cannot be asked about, is refused before anything changes
// (connector.Inspector); what inspection learnt is recorded on the new
// version. Calls authorised on the old version and not yet answered go on
// with it; calls authorised afterwards use the new one. Approvals held on
// the old version fail as approval_stale when approved. The new version
// keeps the connection's rotation period.
//
// Errors: ENotFound, EConflict (disconnected: use reconnect), EBadRequest
// (empty, malformed or refused credential, or one of the connection's
// earlier versions again).
func (s *Service) RotateCredential(ctx context.Context, actor *aos.Principal, name string, secret vault.Secret) (*Rotated, error) {
	if err := requireOwner(actor, "rotate credentials"); err != nil {
		return nil, err
	}
	if secret.IsZero() {
		return nil, aos.Errorf(aos.EBadRequest, "the credential is empty")
	}
	c, err := s.Connection(ctx, name)
	if err != nil {
		return nil, err
	}
	if !c.Connected() {
		return nil, aos.Errorf(aos.EConflict, "connection %s is disconnected; use `aos reconnect %s`", name, name)
	}
	k, err := s.Connectors.Lookup(c.Type)
	if err != nil {
		return nil, err
	}
	if err := checkCredential(k, c, secret); err != nil {
		return nil, err
	}
	var info *aos.CredentialInfo
	var inspectedAt *time.Time
	if in, ok := k.(connector.Inspector); ok {
		var failure string
		info, failure = s.runInspect(context.WithoutCancel(ctx), in, c, secret)
		if failure != "" {
			return nil, aos.Errorf(aos.EBadRequest, "the new credential was not rotated in: the upstream did not confirm it (%s); nothing changed", failure)
		}
		at := s.now()
		inspectedAt = &at
	}
	res := &Rotated{}
	_, err = s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		*res = Rotated{}
		c, err := tx.ConnectionByName(ctx, name)
		if err != nil {
			return nil, err
		}
		if !c.Connected() {
			return nil, aos.Errorf(aos.EConflict, "connection %s is disconnected; use `aos reconnect %s`", name, name)
		}
		creds, err := tx.ListCredentials(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		fp := s.Vault.Fingerprint(secret)
		for _, old := range creds {
			if old.Fingerprint == fp {
				return nil, aos.Errorf(aos.EBadRequest, "the new credential is version %d of %s again (%s); a rotation needs a new secret from the provider", old.Version, name, old.Status)
			}
		}
		now := s.now()
		version, period := 1, aos.DefaultRotationPeriod
		if n := len(creds); n > 0 {
			version = creds[n-1].Version + 1
			if p := creds[n-1].RotationPeriod; p > 0 {
				period = p
			}
		}
		attrs := map[string]string{"connection": name}
		for _, old := range creds {
			if old.Status != aos.CredentialActive {
				continue
			}
			old.Status, old.RotatedAt = aos.CredentialRevoked, &now
			if err := tx.UpdateCredential(ctx, old); err != nil {
				return nil, err
			}
			res.Retired = old
			attrs["retired_version"] = strconv.Itoa(old.Version)
		}
		cred, err := s.newCredential(c.ID, version, secret, now)
		if err != nil {
			return nil, err
		}
		cred.RotationPeriod = period
		cred.Breadth, cred.InspectedAt = info, inspectedAt
		if err := tx.CreateCredential(ctx, cred); err != nil {
			return nil, err
		}
		res.Connection, res.Credential = c, cred
		attrs["credential_version"] = strconv.Itoa(version)
		attrs["credential_fingerprint"] = cred.Fingerprint
		attrs["rotation_period"] = period.String()
		recs := []aos.Record{{Kind: "credential.rotate", Actor: actor.Ref(), Subject: name, Attrs: attrs}}
		if info != nil {
			grants, err := activeGrants(ctx, tx, c.ID, now)
			if err != nil {
				return nil, err
			}
			recs = append(recs, inspectRecord(actor, c, cred, info.Excess(grants, k.Covers)))
		}
		return recs, nil
	})
	if err != nil {
		return nil, err
	}
	s.release(name)
	return res, nil
}

// SetRotationPeriod sets how often the credential of connection name is
// due for rotation, from its last rotation (or creation). Owner only.
// Errors: ENotFound (no connection, or no active credential),
// EBadRequest (a period under aos.MinRotationPeriod).
func (s *Service) SetRotationPeriod(ctx context.Context, actor *aos.Principal, name string, period time.Duration) (*aos.Credential, error) {
	if err := requireOwner(actor, "set rotation periods"); err != nil {
		return nil, err
	}
	if period < aos.MinRotationPeriod {
		return nil, aos.Errorf(aos.EBadRequest, "a rotation period must be at least %s", aos.MinRotationPeriod)
	}
	var cred *aos.Credential
	_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		var err error
		if cred, err = activeCredentialOf(ctx, tx, name); err != nil {
			return nil, err
		}
		cred.RotationPeriod = period
		if err := tx.UpdateCredential(ctx, cred); err != nil {
			return nil, err
		}
		return []aos.Record{{Kind: "credential.rotation_period", Actor: actor.Ref(), Subject: name, Attrs: map[string]string{
			"credential_version": strconv.Itoa(cred.Version), "rotation_period": period.String(),
			"due_at": cred.DueAt().Format(time.RFC3339),
		}}}, nil
	})
	return cred, err
}

// ExposeCredential marks the active credential of connection name exposed
// (RotatedAt now), so that no call is authorised or sent with it from the
// moment this returns, on any replica (the gateway reads the status in the
// authorising transaction and again before sending). Any principal may
// call it: it only takes access away. It returns the version it retired
// and the index of the credential.exposed entry (every call authorised
// with the version has an earlier entry), or ENotFound when the connection
// has no active credential.
func (s *Service) ExposeCredential(ctx context.Context, actor *aos.Principal, name string) (*aos.Credential, int64, error) {
	if actor == nil {
		return nil, 0, aos.Errorf(aos.EForbidden, "declaring a key exposed needs a principal")
	}
	var cred *aos.Credential
	idx, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		var err error
		if cred, err = activeCredentialOf(ctx, tx, name); err != nil {
			return nil, err
		}
		now := s.now()
		cred.Status, cred.RotatedAt = aos.CredentialExposed, &now
		if err := tx.UpdateCredential(ctx, cred); err != nil {
			return nil, err
		}
		return []aos.Record{{Kind: "credential.exposed", Actor: actor.Ref(), Subject: name, Attrs: map[string]string{
			"credential_version": strconv.Itoa(cred.Version), "credential_fingerprint": cred.Fingerprint,
		}}}, nil
	})
	if err != nil {
		return nil, 0, err
	}
	s.release(name)
	return cred, idx[0], nil
}

// activeCredentialOf reads the active credential of connection name in tx.
// Errors: ENotFound for a connection that does not exist or has no active
// credential.
func activeCredentialOf(ctx context.Context, tx aos.Tx, name string) (*aos.Credential, error) {
	c, err := tx.ConnectionByName(ctx, name)
	if err != nil {
		return nil, err
	}
	cred, err := tx.ActiveCredential(ctx, c.ID)
	if aos.ErrorCode(err) == aos.ENotFound {
		return nil, aos.Errorf(aos.ENotFound, "connection %s has no active credential", name)
	}
	return cred, err
}
