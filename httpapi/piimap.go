package httpapi

import (
	"net/http"

	"github.com/aos-dev/aos"

	"github.com/aos-dev/aos/secinfra"
)

// PIIMapRequest asks where one subject's data went. The subject travels in
// a request body, never in a URL, so that no access log keeps it.
type PIIMapRequest struct {
	Subject string `json:"subject"`
}

// maxSubject bounds a subject: longer than any value the gateway learns.
const maxSubject = 1024

// handlePIIMap answers the whole flow map (GET) or, for the subject in the
// body (POST), the flows that carried it (see secinfra.Map). It takes no
// query parameters: ?subject= would put the value in a URL, and answering
// it with the whole map would look like an answer about the subject.
func (s *Server) handlePIIMap(w http.ResponseWriter, r *http.Request) error {
	if r.URL.RawQuery != "" {
		return aos.Errorf(aos.EBadRequest, "the flow map takes no query parameters; POST {\"subject\"} to follow a subject")
	}
	var req PIIMapRequest
	if r.Method == http.MethodPost {
		if err := decodeJSON(r, maxSubject+64, &req); err != nil {
			return err
		}
		if req.Subject == "" {
			return aos.Errorf(aos.EBadRequest, "subject is required; GET the map for every flow")
		}
	}
	m, err := secinfra.Map(r.Context(), s.Gateway.Store, s.Gateway.Vault.MAC, req.Subject)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}
