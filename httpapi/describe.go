package httpapi

import (
	"net/http"

	"github.com/aos-dev/aos"
)

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// handleMetrics serves the Prometheus metrics to the owner and auditors.
// (aos serve --metrics-listen serves them without a token on an address
// of their own, for a scraper on a private network.)
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	if s.Metrics == nil {
		return aos.Errorf(aos.ENotFound, "this server does not serve metrics")
	}
	s.Metrics.ServeHTTP(w, r)
	return nil
}
