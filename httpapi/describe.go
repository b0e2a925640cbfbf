package httpapi

import (
	"log"
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

// MetricsHandler serves GET /metrics without a token, and answers any
// other request as the API answers an unknown route. It is for an address
// of its own (aos serve --metrics-listen) that only a scraper reaches.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if err := s.handleMetrics(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serveRouted(mux, w, r) })
}

// MetricsServer returns an http.Server for MetricsHandler, with the
// default limits: a scrape is small and quick.
func (s *Server) MetricsServer(errorLog *log.Logger) *http.Server {
	l := DefaultLimits
	return &http.Server{
		Handler:           s.MetricsHandler(),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.ReadTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          errorLog,
	}
}
