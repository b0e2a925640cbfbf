package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

const ownerBodyLimit = 1 << 20

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Owner.Status(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) handleConnectors(w http.ResponseWriter, r *http.Request) error {
	var out []any
	for _, t := range s.Owner.Connectors.Types() {
		out = append(out, s.Owner.Connectors[t].Describe())
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// AddAgentRequest is the body of POST /v1/owner/agents.
type AddAgentRequest struct {
	Name       string `json:"name"`
	Department string `json:"department,omitempty"`
}

// AddAgentResponse carries the agent's token, shown this once.
type AddAgentResponse struct {
	Token string         `json:"token"`
	Agent *aos.Principal `json:"agent"`
}

func (s *Server) handleAddAgent(w http.ResponseWriter, r *http.Request) error {
	var req AddAgentRequest
	if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
		return err
	}
	token, p, err := s.Owner.AddAgent(r.Context(), principalOf(r.Context()), req.Name, req.Department)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, AddAgentResponse{Token: token, Agent: p})
	return nil
}

func (s *Server) handleListAgents(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.Owner.ListAgents(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(ps))
	return nil
}

func (s *Server) handleRemoveAgent(w http.ResponseWriter, r *http.Request) error {
	if err := s.Owner.RemoveAgent(r.Context(), principalOf(r.Context()), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ConnectRequest is the body of POST /v1/owner/connections. The credential
// travels once, from the CLI to the server, and is sealed on arrival. With
// a scope, the first grant goes to the grantee "to" names ("company", an
// agent, or "department:D"; never implied); without one there is no grant.
type ConnectRequest struct {
	Type              string `json:"type"`
	Name              string `json:"name"`
	Scope             string `json:"scope,omitempty"`
	To                string `json:"to,omitempty"`
	Write             bool   `json:"write,omitempty"`
	BaseURL           string `json:"base_url,omitempty"`
	Auth              string `json:"auth,omitempty"`
	HoldsCustomerData bool   `json:"holds_customer_data,omitempty"`
	// Operations is an operation file (YAML or JSON) for connectors that
	// take one, as the owner wrote it; errors name its lines.
	Operations string `json:"operations,omitempty"`
	Credential string `json:"credential"`
	// RotateEvery is the credential's rotation period, such as "90d";
	// empty means the default, 90 days.
	RotateEvery string `json:"rotate_every,omitempty"`
}

// ConnectResponse is the new connection and its first grant (null when
// none was asked for), with what the
// credential really allows when its connector could tell (breadth) and the
// owner's warnings: a credential broader than the grant, an inspection
// that failed.
type ConnectResponse struct {
	Connection *aos.Connection     `json:"connection"`
	Grant      *aos.Grant          `json:"grant"`
	Breadth    *aos.CredentialInfo `json:"breadth,omitempty"`
	Warnings   []string            `json:"warnings,omitempty"`
}

func (s *Server) handleConnect(w http.ResponseWriter, r *http.Request) error {
	var req ConnectRequest
	if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
		return err
	}
	var period time.Duration
	if req.RotateEvery != "" {
		d, err := owner.ParseDuration(req.RotateEvery)
		if err != nil {
			return err
		}
		period = d
	}
	secret := vault.NewSecret([]byte(req.Credential))
	req.Credential = ""
	res, err := s.Owner.ConnectAndInspect(r.Context(), principalOf(r.Context()), owner.ConnectRequest{
		Type: req.Type, Name: req.Name, Scope: req.Scope, To: req.To, Write: req.Write, BaseURL: req.BaseURL,
		Auth: req.Auth, HoldsCustomerData: req.HoldsCustomerData, Config: []byte(req.Operations), Credential: secret,
		RotationPeriod: period,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ConnectResponse{Connection: res.Connection, Grant: res.Grant,
		Breadth: res.Credential.Breadth, Warnings: res.Warnings})
	return nil
}

func (s *Server) handleListConnections(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Owner.ListConnections(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(cs))
	return nil
}

func (s *Server) handleDisconnect(w http.ResponseWriter, r *http.Request) error {
	if err := s.Owner.Disconnect(r.Context(), principalOf(r.Context()), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ReconnectRequest is the body of POST /v1/owner/connections/{name}/reconnect.
type ReconnectRequest struct {
	Credential string `json:"credential"`
}

func (s *Server) handleReconnect(w http.ResponseWriter, r *http.Request) error {
	var req ReconnectRequest
	if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
		return err
	}
	secret := vault.NewSecret([]byte(req.Credential))
	req.Credential = ""
	res, err := s.Owner.ReconnectAndInspect(r.Context(), principalOf(r.Context()), r.PathValue("name"), secret)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ConnectResponse{Connection: res.Connection,
		Breadth: res.Credential.Breadth, Warnings: res.Warnings})
	return nil
}

// GrantRequest is the body of POST /v1/owner/grants. To is required:
// "company", an agent's name, or "department:D".
type GrantRequest struct {
	Connection string `json:"connection"`
	Scope      string `json:"scope"`
	Write      bool   `json:"write,omitempty"`
	To         string `json:"to"`
	ExpiresIn  string `json:"expires_in,omitempty"`
	Mission    string `json:"mission,omitempty"`
}

func (s *Server) handleGrant(w http.ResponseWriter, r *http.Request) error {
	var req GrantRequest
	if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
		return err
	}
	gr := owner.GrantRequest{Connection: req.Connection, Scope: req.Scope, Write: req.Write, To: req.To, Mission: req.Mission}
	if req.ExpiresIn != "" {
		d, err := owner.ParseDuration(req.ExpiresIn)
		if err != nil {
			return err
		}
		gr.ExpiresIn = d
	}
	g, err := s.Owner.Grant(r.Context(), principalOf(r.Context()), gr)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, g)
	return nil
}

func (s *Server) handleListGrants(w http.ResponseWriter, r *http.Request) error {
	all, _ := strconv.ParseBool(r.URL.Query().Get("all"))
	gs, err := s.Owner.ListGrants(r.Context(), all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(gs))
	return nil
}

func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) error {
	g, err := s.Owner.Revoke(r.Context(), principalOf(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (s *Server) handleCloseMission(w http.ResponseWriter, r *http.Request) error {
	gs, err := s.Owner.CloseMission(r.Context(), principalOf(r.Context()), r.PathValue("mission"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(gs))
	return nil
}

func (s *Server) handleEvidenceTail(w http.ResponseWriter, r *http.Request) error {
	n := 50
	if v := r.URL.Query().Get("tail"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 {
			return aos.Errorf(aos.EBadRequest, "tail must be a non-negative number")
		}
	}
	es, err := s.Evidence.Tail(r.Context(), int64(n))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(es))
	return nil
}

func (s *Server) handleEvidenceExport(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="aos-evidence.jsonl"`)
	return s.Evidence.Export(r.Context(), w)
}

// nonNil makes empty listings encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
