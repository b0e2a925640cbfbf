package approval

import (
	"context"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/vault"
	"github.com/aos-dev/aos/view"
)

// WithViews sets the View of each approval: what it would send, rendered
// by package view from its sealed request, opened here. The connection's
// credential versions are opened too, only so that the view can be
// scrubbed of them should they appear anywhere in the request; a request
// that does not open renders a view that says so. For the owner and
// auditors (the owner API's approval listings), never for agents.
func (s *Service) WithViews(ctx context.Context, as ...*aos.Approval) error {
	if len(as) == 0 {
		return nil
	}
	return s.Store.View(ctx, func(tx aos.Tx) error { return s.renderViews(ctx, tx, as...) })
}

// renderViews is WithViews in tx: a decision renders the approval again
// in the transaction that decides it (DecideShown).
func (s *Service) renderViews(ctx context.Context, tx aos.Tx, as ...*aos.Approval) error {
	principals, err := tx.AllPrincipals(ctx)
	if err != nil {
		return err
	}
	byID := make(map[int64]*aos.Principal, len(principals))
	for _, p := range principals {
		byID[p.ID] = p
	}
	conns, err := tx.ListConnections(ctx)
	if err != nil {
		return err
	}
	types := make(map[int64]string, len(conns))
	for _, c := range conns {
		types[c.ID] = c.Type
	}
	secrets := map[int64][][]byte{}
	for _, a := range as {
		in := view.Input{Approval: a, ConnectionType: types[a.ConnectionID]}
		if p := byID[a.RequesterID]; p != nil {
			in.Department, in.RequesterGone = p.Department, p.RemovedAt != nil
		}
		if a.Kind == aos.ApprovalCall {
			if a.Request == nil {
				// Read without its blobs: read it whole.
				full, err := tx.ApprovalByID(ctx, a.ID)
				if err != nil {
					return err
				}
				a.Request = full.Request
			}
			if b, err := OpenRequest(s.Vault, a); err == nil {
				in.Request = b
			}
			if _, ok := secrets[a.ConnectionID]; !ok && a.ConnectionID != 0 {
				if secrets[a.ConnectionID], err = s.credentials(ctx, tx, a.ConnectionID); err != nil {
					return err
				}
			}
			in.Secrets = secrets[a.ConnectionID]
		}
		v := view.Render(in)
		a.View = &v
	}
	return nil
}

// credentials returns every version of a connection's credential that
// opens, to be kept out of views.
func (s *Service) credentials(ctx context.Context, tx aos.Tx, connectionID int64) ([][]byte, error) {
	creds, err := tx.ListCredentials(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, c := range creds {
		sec, err := s.Vault.Open(c.Sealed, vault.CredentialAAD(connectionID, c.Version))
		if err != nil {
			continue
		}
		out = append(out, view.SecretParts(sec.Reveal())...)
	}
	return out, nil
}
