package httpapi

import (
	"net/http"
	"strings"

	"github.com/aos-dev/aos"
)

// probeMethods are the methods tried to find which ones a path is served
// with, for the Allow header of a 405.
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions}

// serveRouted serves r with mux when a route matches it; otherwise it
// answers with the API's JSON error body, as every other error is:
// 405 method_not_allowed with an Allow header when the path is served with
// other methods, else 404 not_found. (The mux's own answers are plain
// text, which clients of a JSON API cannot parse.)
func (s *Server) serveRouted(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	if _, pattern := mux.Handler(r); pattern != "" {
		mux.ServeHTTP(w, r)
		return
	}
	if allow := allowedMethods(mux, r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeError(w, r, aos.Errorf(aos.EMethodNotAllowed, "%s is not served for %s; use %s",
			r.URL.Path, r.Method, strings.Join(allow, " or ")))
		return
	}
	s.writeError(w, r, aos.Errorf(aos.ENotFound, "no route %s %s", r.Method, r.URL.Path))
}

// allowedMethods returns the methods mux serves r's path with.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range probeMethods {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" {
			out = append(out, m)
		}
	}
	return out
}
