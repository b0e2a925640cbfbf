package owner

import (
	"context"
	"strconv"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
)

// ConnectRequest is what `aos connect` sends. With a Scope, the
// connection gets a first grant to the grantee To names (as in
// GrantRequest: "company", an agent or "department:D"; never implied);
// without one, no grant.
type ConnectRequest struct {
	Type              string
	Name              string
	Scope             string
	To                string
	Write             bool
	BaseURL           string
	Auth              string
	HoldsCustomerData bool
	Config            []byte
	Credential        vault.Secret
	// RotationPeriod is how often the credential is due for rotation;
	// zero means aos.DefaultRotationPeriod.
	RotationPeriod time.Duration
}

// Connect connects a tool and, with a scope, creates its first grant to
// the grantee named; read unless Write. Owner only. It is
// ConnectAndInspect without the report; the grant is nil when none was
// asked for.
func (s *Service) Connect(ctx context.Context, actor *aos.Principal, req ConnectRequest) (*aos.Connection, *aos.Grant, error) {
	res, err := s.ConnectAndInspect(ctx, actor, req)
	if err != nil {
		return nil, nil, err
	}
	return res.Connection, res.Grant, nil
}

// ConnectAndInspect connects a tool and, when req has a Scope, creates its
// first grant to the grantee req.To names, read unless Write; without a
// Scope the connection has no grant (the result's Grant is nil) until
// Grant gives one. Owner only.
//
// A connector that can check credentials (connector.CredentialChecker)
// refuses a malformed one before it is sealed. Once the connection is
// committed, a connector that can inspect credentials (connector.Inspector)
// is asked what this one really allows; see Service.InspectTimeout. The
// answer is recorded on the credential and in the evidence trail, and a
// credential broader than its grant, or an inspection that failed, becomes
// a warning in the result: neither fails the connect.
//
// Errors: EBadRequest (unknown type, bad name, scope, base URL, auth, a
// scope without a grantee or a grantee without a scope, or an empty or
// malformed credential), ENotFound (no agent or department of the
// grantee's name), EConflict (name taken).
func (s *Service) ConnectAndInspect(ctx context.Context, actor *aos.Principal, req ConnectRequest) (*Connected, error) {
	if err := requireOwner(actor, "connect tools"); err != nil {
		return nil, err
	}
	conn, err := s.Connectors.Lookup(req.Type)
	if err != nil {
		return nil, err
	}
	if err := checkName("connection", req.Name); err != nil {
		return nil, err
	}
	var g *aos.Grant
	switch {
	case req.Scope == "" && req.To != "":
		return nil, aos.Errorf(aos.EBadRequest, "a grantee without a scope: give the first grant's scope too (use * for account-wide access, spelled out)")
	case req.Scope == "" && req.Write:
		return nil, aos.Errorf(aos.EBadRequest, "write access without a scope: give the first grant's scope and grantee too")
	case req.Scope != "":
		scope, err := conn.CheckScope(req.Scope)
		if err != nil {
			return nil, err
		}
		grantee, err := granteeOf(req.To)
		if err != nil {
			return nil, err
		}
		access := aos.Read
		if req.Write {
			access = aos.Write
		}
		g = &aos.Grant{ID: aos.NewID("g_"), Scope: scope, Access: access, Grantee: grantee}
	}
	if req.Credential.IsZero() {
		return nil, aos.Errorf(aos.EBadRequest, "the credential is empty")
	}
	if req.RotationPeriod != 0 && req.RotationPeriod < aos.MinRotationPeriod {
		return nil, aos.Errorf(aos.EBadRequest, "a rotation period must be at least %s", aos.MinRotationPeriod)
	}
	c := &aos.Connection{
		Name: req.Name, Type: req.Type, BaseURL: req.BaseURL, Auth: req.Auth,
		HoldsCustomerData: req.HoldsCustomerData, Config: req.Config,
	}
	if err := conn.Configure(c); err != nil {
		return nil, err
	}
	if err := checkCredential(conn, c, req.Credential); err != nil {
		return nil, err
	}
	if err := s.pin(ctx, conn, c, req.Credential); err != nil {
		return nil, err
	}
	var cred *aos.Credential
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
		var err error
		if cred, err = s.newCredential(c.ID, 1, req.Credential, now); err != nil {
			return nil, err
		}
		if req.RotationPeriod > 0 {
			cred.RotationPeriod = req.RotationPeriod
		}
		if err := tx.CreateCredential(ctx, cred); err != nil {
			return nil, err
		}
		recs := []aos.Record{
			{Kind: "connection.connect", Actor: actor.Ref(), Subject: c.Name, Attrs: map[string]string{
				"type": c.Type, "base_url": c.BaseURL, "auth": c.Auth,
				"holds_customer_data": strconv.FormatBool(c.HoldsCustomerData),
				"credential_version":  "1", "credential_fingerprint": cred.Fingerprint,
				"rotation_period": cred.RotationPeriod.String(),
			}},
		}
		if g == nil {
			return recs, nil
		}
		if g.GranteeID, err = resolveGrantee(ctx, tx, g.Grantee); err != nil {
			return nil, err
		}
		g.ConnectionID, g.Connection, g.CreatedAt = c.ID, c.Name, now
		if err := tx.CreateGrant(ctx, g); err != nil {
			return nil, err
		}
		return append(recs, GrantRecord(actor, g)), nil
	})
	if err != nil {
		return nil, err
	}
	res := &Connected{Connection: c, Grant: g, Credential: cred}
	res.Warnings = s.inspect(ctx, actor, conn, c, cred, req.Credential)
	return res, nil
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

// Connection reads the connection called name, connected or not.
// Errors: ENotFound.
func (s *Service) Connection(ctx context.Context, name string) (c *aos.Connection, err error) {
	err = s.Store.View(ctx, func(tx aos.Tx) error {
		c, err = tx.ConnectionByName(ctx, name)
		return err
	})
	return c, err
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
	if err == nil {
		s.release(name)
	}
	return err
}

// Reconnect undoes a disconnect with a new credential version: settings and
// grants come back. Owner only. It is ReconnectAndInspect without the
// report.
func (s *Service) Reconnect(ctx context.Context, actor *aos.Principal, name string, secret vault.Secret) error {
	_, err := s.ReconnectAndInspect(ctx, actor, name, secret)
	return err
}

// ReconnectAndInspect undoes a disconnect with a new credential version:
// settings and grants come back. Owner only. The new credential is checked
// and inspected as in ConnectAndInspect, against the grants that come back;
// the result's Grant is nil.
// Errors: ENotFound, EConflict (connected), EBadRequest (empty or malformed
// credential).
func (s *Service) ReconnectAndInspect(ctx context.Context, actor *aos.Principal, name string, secret vault.Secret) (*Connected, error) {
	if err := requireOwner(actor, "reconnect tools"); err != nil {
		return nil, err
	}
	if secret.IsZero() {
		return nil, aos.Errorf(aos.EBadRequest, "the credential is empty")
	}
	c, err := s.Connection(ctx, name)
	if err != nil {
		return nil, err
	}
	if c.Connected() {
		return nil, aos.Errorf(aos.EConflict, "connection %s is connected", name)
	}
	// A connection whose connector this binary no longer has is reconnected
	// unchecked, as before connectors could check credentials; it cannot be
	// called until its connector is back.
	conn, _ := s.Connectors.Lookup(c.Type)
	if err := checkCredential(conn, c, secret); err != nil {
		return nil, err
	}
	var cred *aos.Credential
	_, err = s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		var err error
		if c, err = tx.ConnectionByName(ctx, name); err != nil {
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
		if cred, err = s.newCredential(c.ID, version, secret, now); err != nil {
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
	if err != nil {
		return nil, err
	}
	res := &Connected{Connection: c, Credential: cred}
	if conn != nil {
		res.Warnings = s.inspect(ctx, actor, conn, c, cred, secret)
	}
	return res, nil
}
