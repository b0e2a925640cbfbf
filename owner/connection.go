package owner

import (
	"context"
	"strconv"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
)

// ConnectRequest is what `aos connect` sends.
type ConnectRequest struct {
	Type              string
	Name              string
	Scope             string
	Write             bool
	BaseURL           string
	Auth              string
	HoldsCustomerData bool
	Config            []byte
	Credential        vault.Secret
}

// Connect connects a tool and creates its first grant, for the whole
// company, with the given scope; read unless Write. Owner only.
// Errors: EBadRequest (unknown type, bad name, scope, base URL, auth or
// empty credential), EConflict (name taken).
func (s *Service) Connect(ctx context.Context, actor *aos.Principal, req ConnectRequest) (*aos.Connection, *aos.Grant, error) {
	if err := requireOwner(actor, "connect tools"); err != nil {
		return nil, nil, err
	}
	conn, err := s.Connectors.Lookup(req.Type)
	if err != nil {
		return nil, nil, err
	}
	if err := checkName("connection", req.Name); err != nil {
		return nil, nil, err
	}
	if req.Scope == "" {
		return nil, nil, aos.Errorf(aos.EBadRequest, "a scope is required (use * for account-wide access, spelled out)")
	}
	scope, err := conn.CheckScope(req.Scope)
	if err != nil {
		return nil, nil, err
	}
	if req.Credential.IsZero() {
		return nil, nil, aos.Errorf(aos.EBadRequest, "the credential is empty")
	}
	c := &aos.Connection{
		Name: req.Name, Type: req.Type, BaseURL: req.BaseURL, Auth: req.Auth,
		HoldsCustomerData: req.HoldsCustomerData, Config: req.Config,
	}
	if err := conn.Configure(c); err != nil {
		return nil, nil, err
	}
	access := aos.Read
	if req.Write {
		access = aos.Write
	}
	g := &aos.Grant{ID: aos.NewID("g_"), Scope: scope, Access: access}
	_, err = s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		if old, err := tx.ConnectionByName(ctx, c.Name); err == nil {
			if !old.Connected() {
				return nil, aos.Errorf(aos.EConflict, "connection %s exists and is disconnected; use `aos reconnect %s`", c.Name, c.Name)
			}
			return nil, aos.Errorf(aos.EConflict, "connection %s already exists", c.Name)
		}
		now := s.now()
		c.CreatedAt, c.DisconnectedAt = now, nil
		if err := tx.CreateConnection(ctx, c); err != nil {
			return nil, err
		}
		cred, err := s.newCredential(c.ID, 1, req.Credential, now)
		if err != nil {
			return nil, err
		}
		if err := tx.CreateCredential(ctx, cred); err != nil {
			return nil, err
		}
		g.ConnectionID, g.Connection, g.CreatedAt = c.ID, c.Name, now
		if err := tx.CreateGrant(ctx, g); err != nil {
			return nil, err
		}
		return []aos.Record{
			{Kind: "connection.connect", Actor: actor.Ref(), Subject: c.Name, Attrs: map[string]string{
				"type": c.Type, "base_url": c.BaseURL, "auth": c.Auth,
				"holds_customer_data": strconv.FormatBool(c.HoldsCustomerData),
				"credential_version":  "1", "credential_fingerprint": cred.Fingerprint,
			}},
			grantRecord(actor, g),
		}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return c, g, nil
}

func (s *Service) newCredential(connID int64, version int, secret vault.Secret, now time.Time) (*aos.Credential, error) {
	sealed, err := s.Vault.Seal(secret, vault.CredentialAAD(connID, version))
	if err != nil {
		return nil, err
	}
	return &aos.Credential{
		ConnectionID: connID, Version: version, Sealed: sealed, Status: aos.CredentialActive,
		Fingerprint: s.Vault.Fingerprint(secret), CreatedAt: now, RotationPeriod: aos.DefaultRotationPeriod,
	}, nil
}

// ListConnections lists every connection, connected or not. Owner or auditor.
func (s *Service) ListConnections(ctx context.Context) ([]*aos.Connection, error) {
	var cs []*aos.Connection
	err := s.Store.View(ctx, func(tx aos.Tx) (err error) {
		cs, err = tx.ListConnections(ctx)
		return err
	})
	return cs, err
}

// Disconnect stops a connection and revokes its credential. Its grants
// stay, inactive, and come back with Reconnect. Owner only.
// Errors: ENotFound, EConflict (already disconnected).
func (s *Service) Disconnect(ctx context.Context, actor *aos.Principal, name string) error {
	if err := requireOwner(actor, "disconnect tools"); err != nil {
		return err
	}
	_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		c, err := tx.ConnectionByName(ctx, name)
		if err != nil {
			return nil, err
		}
		if !c.Connected() {
			return nil, aos.Errorf(aos.EConflict, "connection %s is already disconnected", name)
		}
		now := s.now()
		c.DisconnectedAt = &now
		if err := tx.UpdateConnection(ctx, c); err != nil {
			return nil, err
		}
		attrs := map[string]string{}
		if cred, err := tx.ActiveCredential(ctx, c.ID); err == nil {
			cred.Status = aos.CredentialRevoked
			if err := tx.UpdateCredential(ctx, cred); err != nil {
				return nil, err
			}
			attrs["credential_version"] = strconv.Itoa(cred.Version)
		} else if aos.ErrorCode(err) != aos.ENotFound {
			return nil, err
		}
		return []aos.Record{{Kind: "connection.disconnect", Actor: actor.Ref(), Subject: name, Attrs: attrs}}, nil
	})
	return err
}

// Reconnect undoes a disconnect with a new credential version: settings and
// grants come back. Owner only. Errors: ENotFound, EConflict (connected),
// EBadRequest (empty credential).
func (s *Service) Reconnect(ctx context.Context, actor *aos.Principal, name string, secret vault.Secret) error {
	if err := requireOwner(actor, "reconnect tools"); err != nil {
		return err
	}
	if secret.IsZero() {
		return aos.Errorf(aos.EBadRequest, "the credential is empty")
	}
	_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		c, err := tx.ConnectionByName(ctx, name)
		if err != nil {
			return nil, err
		}
		if c.Connected() {
			return nil, aos.Errorf(aos.EConflict, "connection %s is connected", name)
		}
		creds, err := tx.ListCredentials(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		version := 1
		if n := len(creds); n > 0 {
			version = creds[n-1].Version + 1
		}
		now := s.now()
		cred, err := s.newCredential(c.ID, version, secret, now)
		if err != nil {
			return nil, err
		}
		if err := tx.CreateCredential(ctx, cred); err != nil {
			return nil, err
		}
		c.DisconnectedAt = nil
		if err := tx.UpdateConnection(ctx, c); err != nil {
			return nil, err
		}
		return []aos.Record{{Kind: "connection.reconnect", Actor: actor.Ref(), Subject: name, Attrs: map[string]string{
			"credential_version": strconv.Itoa(version), "credential_fingerprint": cred.Fingerprint,
		}}}, nil
	})
	return err
}
