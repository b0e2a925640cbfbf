package httpapi

import (
	"net/http"

	"github.com/aos-dev/aos"
)

// audience is who may use a route.
type audience int

const (
	forAgents         audience = iota // agents only
	forOwner                          // the owner only: changes and decisions
	forReaders                        // the owner and auditors: listings and evidence
	forAgentsAndOwner                 // an agent for its own approvals, the owner for any
	forSecurity                       // the owner, auditors and agents of the security-infra department
	forPrincipals                     // any principal: what only takes access away
	forAnyone                         // no token: what describes the server, never its state
)

type route struct {
	pattern string
	who     audience
	handle  func(http.ResponseWriter, *http.Request) error
}

// routes is every authenticated route, with who may use it. The proxy
// routes (/v1/proxy/… and NAME.<suffix> hosts) are dispatched before the
// router and are for agents.
func (s *Server) routes() []route {
	return []route{
		{"POST /v1/call", forAgents, s.handleCall},
		{"GET /v1/whoami", forAgents, s.handleWhoAmI},
		{"GET /v1/approvals/{id}", forAgentsAndOwner, s.handleApproval},

		{"GET /v1/owner/status", forReaders, s.handleStatus},
		{"GET /v1/owner/connectors", forReaders, s.handleConnectors},
		{"GET /v1/owner/agents", forReaders, s.handleListAgents},
		{"POST /v1/owner/agents", forOwner, s.handleAddAgent},
		{"DELETE /v1/owner/agents/{name}", forOwner, s.handleRemoveAgent},
		{"GET /v1/owner/connections", forReaders, s.handleListConnections},
		{"POST /v1/owner/connections", forOwner, s.handleConnect},
		{"POST /v1/owner/connections/{name}/disconnect", forOwner, s.handleDisconnect},
		{"POST /v1/owner/connections/{name}/reconnect", forOwner, s.handleReconnect},
		{"POST /v1/owner/connections/{name}/mcp/accept", forOwner, s.handleMCPAccept},
		{"POST /v1/owner/connections/{name}/mcp/names", forOwner, s.handleMCPNames},
		{"GET /v1/owner/connections/{name}/mcp/tools", forReaders, s.handleMCPTools},
		{"GET /v1/owner/grants", forReaders, s.handleListGrants},
		{"POST /v1/owner/grants", forOwner, s.handleGrant},
		{"DELETE /v1/owner/grants/{id}", forOwner, s.handleRevoke},
		{"POST /v1/owner/missions/{mission}/close", forOwner, s.handleCloseMission},
		{"GET /v1/owner/evidence", forReaders, s.handleEvidenceTail},
		{"GET /v1/owner/evidence/export", forReaders, s.handleEvidenceExport},
		{"POST /v1/owner/evidence/redact", forOwner, s.handleRedact},
		{"GET /v1/owner/approvals", forReaders, s.handleListApprovals},
		{"GET /v1/owner/approvals/{id}", forReaders, s.handleGetApproval},
		{"POST /v1/owner/approvals/{id}/approve", forOwner, s.handleDecide(true)},
		{"POST /v1/owner/approvals/{id}/deny", forOwner, s.handleDecide(false)},
		{"GET /v1/owner/caps", forReaders, s.handleGetCaps},
		{"PUT /v1/owner/caps", forOwner, s.handlePutCaps},
		{"GET /v1/owner/keys", forSecurity, s.handleListKeys},
		{"PUT /v1/owner/keys/{name}", forOwner, s.handleKeySettings},
		{"POST /v1/owner/keys/{name}/rotate", forOwner, s.handleRotateKey},
		{"POST /v1/owner/keys/{name}/exposed", forPrincipals, s.handleExposedKey},
		{"GET /v1/owner/review", forSecurity, s.handleReview},
		{"POST /v1/owner/review/apply", forSecurity, s.handleReviewApply},
		{"POST /v1/owner/review/dismiss", forOwner, s.handleReviewDismiss},
		{"GET /v1/owner/pii-map", forSecurity, s.handlePIIMap},
		{"POST /v1/owner/pii-map", forSecurity, s.handlePIIMap},

		{"GET /metrics", forReaders, s.handleMetrics},
		{"GET /healthz", forAnyone, s.handleHealth},
		{"GET /v1/openapi.json", forAnyone, s.handleOpenAPI},
	}
}

// Routes lists the pattern ("METHOD /path") of every route the router
// serves. The proxy routes (/v1/proxy/… and NAME.<suffix> hosts) are
// dispatched before the router and are not among them.
func Routes() []string {
	var out []string
	for _, rt := range (&Server{}).routes() {
		out = append(out, rt.pattern)
	}
	return out
}

// OwnerRoutes lists the patterns ("METHOD /path") that an agent may never
// use, so tests can check every one of them.
func OwnerRoutes() []string {
	var out []string
	for _, rt := range (&Server{}).routes() {
		if rt.who == forOwner || rt.who == forReaders || rt.who == forSecurity {
			out = append(out, rt.pattern)
		}
	}
	return out
}

func (s *Server) guard(rt route) http.HandlerFunc {
	switch rt.who {
	case forAgents:
		return s.agent(rt.handle)
	case forOwner:
		return s.ownerOnly(rt.handle)
	case forReaders:
		return s.reader(rt.handle)
	case forSecurity:
		return s.with(rt.handle, func(p *aos.Principal) bool {
			return p.Kind == aos.Owner || p.Kind == aos.Auditor || p.Kind == aos.Agent && p.Department == "security-infra"
		}, "this route is for the owner, auditors and the security-infra department")
	case forPrincipals:
		return s.with(rt.handle, func(*aos.Principal) bool { return true }, "")
	case forAnyone:
		return func(w http.ResponseWriter, r *http.Request) {
			if err := rt.handle(w, r); err != nil {
				s.writeError(w, r, err)
			}
		}
	}
	return s.with(rt.handle, func(p *aos.Principal) bool { return p.Kind == aos.Agent || p.Kind == aos.Owner },
		"this route is for agents and the owner")
}
