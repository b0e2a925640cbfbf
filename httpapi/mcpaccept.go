package httpapi

import (
	"net/http"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/owner"
)

// MCPAcceptRequest is the body of POST
// /v1/owner/connections/{name}/mcp/accept: the upstream tool whose current
// definition the owner accepts, and optionally its access ("read" or
// "write"; empty keeps what it was pinned with, write for a new tool) and
// approval points (absent keeps them).
type MCPAcceptRequest struct {
	Tool   string              `json:"tool"`
	Access aos.Access          `json:"access,omitempty"`
	Points []aos.ApprovalPoint `json:"points"`
}

// MCPAcceptResponse is what the evidence recorded of the acceptance: the
// tool, its digest, access and points, and the digest it replaced.
type MCPAcceptResponse struct {
	Accepted map[string]string `json:"accepted"`
}

func (s *Server) handleMCPAccept(w http.ResponseWriter, r *http.Request) error {
	var req MCPAcceptRequest
	if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
		return err
	}
	attrs, err := s.Owner.Accept(r.Context(), principalOf(r.Context()), owner.AcceptRequest{
		Connection: r.PathValue("name"), Item: req.Tool, Access: req.Access, Points: req.Points})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, MCPAcceptResponse{Accepted: attrs})
	return nil
}

// handleMCPTools lists what an mcp connection pins, with each tool's
// state (see connector.PinnedItem).
func (s *Server) handleMCPTools(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Owner.Pinned(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	if items == nil {
		items = []connector.PinnedItem{}
	}
	writeJSON(w, http.StatusOK, items)
	return nil
}

// MCPNamesRequest is the body of POST /v1/owner/connections/{name}/mcp/names:
// whether agents reach the connection's tools, prompts and resources under
// the upstream's own names (true) or prefixed (false).
type MCPNamesRequest struct {
	UpstreamNames *bool `json:"upstream_names"`
}

// MCPNamesResponse says the choice now in force and whether it changed.
type MCPNamesResponse struct {
	Connection    string `json:"connection"`
	UpstreamNames bool   `json:"upstream_names"`
	Changed       bool   `json:"changed"`
}

func (s *Server) handleMCPNames(w http.ResponseWriter, r *http.Request) error {
	var req MCPNamesRequest
	if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
		return err
	}
	if req.UpstreamNames == nil {
		return aos.Errorf(aos.EBadRequest, `the body is {"upstream_names": true|false}`)
	}
	name := r.PathValue("name")
	changed, err := s.Owner.SetUpstreamNames(r.Context(), principalOf(r.Context()), name, *req.UpstreamNames)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, MCPNamesResponse{Connection: name, UpstreamNames: *req.UpstreamNames, Changed: changed})
	return nil
}
