package httpapi

import (
	"net/http"

	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/vault"
)

// keys is the key inventory and runbook service: Server.Keys, else one
// built on the server's owner service and gateway, so that no call this
// process sends outlives the exposure of its key.
func (s *Server) keys() *secinfra.Keys {
	if s.Keys != nil {
		return s.Keys
	}
	k := &secinfra.Keys{Owner: s.Owner}
	if g := s.Gateway; g != nil {
		k.Drain = g.DrainCredential
		if g.Approvals != nil {
			k.Changed = g.Approvals.Changed
		}
	}
	return k
}

func (s *Server) handleListKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.keys().List(r.Context(), principalOf(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(keys))
	return nil
}

// KeySettingsRequest is the body of PUT /v1/owner/keys/{name}.
type KeySettingsRequest struct {
	// RotateEvery is the rotation period, such as "90d" or "12w".
	RotateEvery string `json:"rotate_every"`
}

func (s *Server) handleKeySettings(w http.ResponseWriter, r *http.Request) error {
	var req KeySettingsRequest
	if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
		return err
	}
	d, err := owner.ParseDuration(req.RotateEvery)
	if err != nil {
		return err
	}
	cred, err := s.Owner.SetRotationPeriod(r.Context(), principalOf(r.Context()), r.PathValue("name"), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cred)
	return nil
}

// RotateRequest is the body of POST /v1/owner/keys/{name}/rotate and, with
// an optional credential, of POST /v1/owner/keys/{name}/exposed. The
// credential travels once, from the CLI to the server, and is sealed on
// arrival.
type RotateRequest struct {
	Credential string `json:"credential,omitempty"`
}

// RotateResponse is the new active version and the one it retired.
type RotateResponse struct {
	Connection string `json:"connection"`
	Version    int    `json:"version"`
	Retired    int    `json:"retired_version,omitempty"`
}

func (s *Server) handleRotateKey(w http.ResponseWriter, r *http.Request) error {
	var req RotateRequest
	if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
		return err
	}
	secret := vault.NewSecret([]byte(req.Credential))
	req.Credential = ""
	res, err := s.Owner.RotateCredential(r.Context(), principalOf(r.Context()), r.PathValue("name"), secret)
	if err != nil {
		return err
	}
	out := RotateResponse{Connection: res.Connection.Name, Version: res.Credential.Version}
	if res.Retired != nil {
		out.Retired = res.Retired.Version
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleExposedKey(w http.ResponseWriter, r *http.Request) error {
	var req RotateRequest
	if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
		return err
	}
	secret := vault.NewSecret([]byte(req.Credential))
	req.Credential = ""
	rep, err := s.keys().Exposed(r.Context(), principalOf(r.Context()), r.PathValue("name"), secret)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
