package owner

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// DefaultPinTimeout bounds how long connecting or accepting waits for an
// upstream to say what it offers (starting a stdio upstream included).
const DefaultPinTimeout = time.Minute

// pin lets a connector that pins what the upstream offers
// (connector.Pinner) ask it, before the connection is recorded.
func (s *Service) pin(ctx context.Context, k connector.Connector, c *aos.Connection, secret vault.Secret) error {
	p, ok := k.(connector.Pinner)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultPinTimeout)
	defer cancel()
	return p.Pin(ctx, c, secret)
}

// release lets a connector that keeps something running for a connection
// (connector.Releaser) stop it, after a disconnect or a rotation.
func (s *Service) release(name string) {
	var c *aos.Connection
	err := s.Store.View(context.Background(), func(tx aos.Tx) (err error) {
		c, err = tx.ConnectionByName(context.Background(), name)
		return err
	})
	if err != nil {
		return
	}
	if k, err := s.Connectors.Lookup(c.Type); err == nil {
		if r, ok := k.(connector.Releaser); ok {
			r.Release(c)
		}
	}
}

// AcceptRequest is what `aos mcp accept` sends: the item (an MCP tool)
// whose current definition the owner accepts, with the access and
// approval points it gets (empty: as pinned before; write for a new one).
type AcceptRequest struct {
	Connection string
	Item       string
	Access     aos.Access
	Points     []aos.ApprovalPoint
}

// Accept pins the upstream's current definition of an item of a
// connection whose connector pins them (connector.Pinner): a new tool, or
// one whose definition changed, is served again from then on. The change
// of settings is recorded (connection.accept, with the item, its digest,
// access and points). Owner only.
//
// Errors: ENotFound (connection, or an item the upstream does not offer),
// EConflict (disconnected, or its settings changed meanwhile),
// EBadRequest (a connector that pins nothing, a bad access or point),
// EUpstream.
func (s *Service) Accept(ctx context.Context, actor *aos.Principal, req AcceptRequest) (map[string]string, error) {
	if err := requireOwner(actor, "accept upstream tools"); err != nil {
		return nil, err
	}
	var (
		c    *aos.Connection
		cred *aos.Credential
	)
	err := s.Store.View(ctx, func(tx aos.Tx) (err error) {
		if c, err = tx.ConnectionByName(ctx, req.Connection); err != nil {
			return err
		}
		cred, err = tx.ActiveCredential(ctx, c.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !c.Connected() {
		return nil, aos.Errorf(aos.EConflict, "connection %s is disconnected", c.Name)
	}
	k, err := s.Connectors.Lookup(c.Type)
	if err != nil {
		return nil, err
	}
	p, ok := k.(connector.Pinner)
	if !ok {
		return nil, aos.Errorf(aos.EBadRequest, "connection %s (%s) pins nothing to accept", c.Name, c.Type)
	}
	secret, err := s.Vault.Open(cred.Sealed, vault.CredentialAAD(c.ID, cred.Version))
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, DefaultPinTimeout)
	defer cancel()
	config, attrs, err := p.Accept(pctx, c, secret, req.Item, req.Access, req.Points)
	if err != nil {
		return nil, err
	}
	_, err = s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		now, err := tx.ConnectionByName(ctx, c.Name)
		if err != nil {
			return nil, err
		}
		if now.ID != c.ID || !now.Connected() || !bytes.Equal(now.Config, c.Config) {
			return nil, aos.Errorf(aos.EConflict, "connection %s changed meanwhile; accept again", c.Name)
		}
		now.Config = config
		if err := tx.UpdateConnection(ctx, now); err != nil {
			return nil, err
		}
		a := map[string]string{"connection": c.Name}
		for key, v := range attrs {
			a[key] = v
		}
		return []aos.Record{{Kind: "connection.accept", Actor: actor.Ref(), Subject: c.Name, Attrs: a}}, nil
	})
	if err != nil {
		return nil, err
	}
	s.release(c.Name)
	return attrs, nil
}

// Pinned lists what connection name pins (connector.Pinner): each item's
// access, points, digest and state. Owner or auditor.
// Errors: ENotFound, EBadRequest (a connector that pins nothing).
func (s *Service) Pinned(ctx context.Context, name string) ([]connector.PinnedItem, error) {
	c, err := s.Connection(ctx, name)
	if err != nil {
		return nil, err
	}
	k, err := s.Connectors.Lookup(c.Type)
	if err != nil {
		return nil, err
	}
	p, ok := k.(connector.Pinner)
	if !ok {
		return nil, aos.Errorf(aos.EBadRequest, "connection %s (%s) pins nothing", c.Name, c.Type)
	}
	return p.Pinned(c)
}

// SetUpstreamNames sets whether a connection whose connector offers the
// choice (connector.UpstreamNamer: mcp) is served to agents under its
// upstream's own names, recorded as connection.names with the new value.
// It reports whether anything changed (an unchanged choice records
// nothing). Owner only.
//
// Errors: ENotFound, EConflict (disconnected, or changed meanwhile),
// EBadRequest (a connector without the choice).
func (s *Service) SetUpstreamNames(ctx context.Context, actor *aos.Principal, name string, on bool) (bool, error) {
	if err := requireOwner(actor, "change how a connection is named"); err != nil {
		return false, err
	}
	c, err := s.Connection(ctx, name)
	if err != nil {
		return false, err
	}
	if !c.Connected() {
		return false, aos.Errorf(aos.EConflict, "connection %s is disconnected", c.Name)
	}
	k, err := s.Connectors.Lookup(c.Type)
	if err != nil {
		return false, err
	}
	un, ok := k.(connector.UpstreamNamer)
	if !ok {
		return false, aos.Errorf(aos.EBadRequest, "connection %s (%s) has no upstream names", c.Name, c.Type)
	}
	if _, now := un.UpstreamNames(c); now == on {
		return false, nil
	}
	config, err := un.WithUpstreamNames(c, on)
	if err != nil {
		return false, err
	}
	_, err = s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		now, err := tx.ConnectionByName(ctx, c.Name)
		if err != nil {
			return nil, err
		}
		if now.ID != c.ID || !now.Connected() || !bytes.Equal(now.Config, c.Config) {
			return nil, aos.Errorf(aos.EConflict, "connection %s changed meanwhile; try again", c.Name)
		}
		now.Config = config
		if err := tx.UpdateConnection(ctx, now); err != nil {
			return nil, err
		}
		return []aos.Record{{Kind: "connection.names", Actor: actor.Ref(), Subject: c.Name,
			Attrs: map[string]string{"connection": c.Name, "upstream_names": strconv.FormatBool(on)}}}, nil
	})
	return err == nil, err
}
