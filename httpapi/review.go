package httpapi

import (
	"net/http"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
)

// ReviewApplyRequest is the body of POST /v1/owner/review/apply.
// Window is the review's tracking window ("90d"; the server's if empty),
// as the findings were listed with.
type ReviewApplyRequest struct {
	Findings []string `json:"findings"`
	Window   string   `json:"window,omitempty"`
}

// ReviewDismissRequest is the body of POST /v1/owner/review/dismiss.
type ReviewDismissRequest struct {
	Finding string `json:"finding"`
	Reason  string `json:"reason"`
	Window  string `json:"window,omitempty"`
}

// reviewWindow parses a window given to a review route; zero for none.
func reviewWindow(v string) (secinfra.ReviewOptions, error) {
	var o secinfra.ReviewOptions
	if v == "" {
		return o, nil
	}
	var err error
	o.Window, err = owner.ParseDuration(v)
	return o, err
}

func (s *Server) reviewer() (*secinfra.Reviewer, error) {
	if s.Review == nil {
		return nil, aos.Errorf(aos.ENotFound, "this server does not run the access review")
	}
	return s.Review, nil
}

// handleReview runs the access review: ?window=90d overrides the tracking
// window, ?all=1 shows dismissed findings too.
func (s *Server) handleReview(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.reviewer()
	if err != nil {
		return err
	}
	o, err := reviewWindow(r.URL.Query().Get("window"))
	if err != nil {
		return err
	}
	o.All = r.URL.Query().Get("all") == "1"
	rep, err := rv.Review(r.Context(), principalOf(r.Context()), o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) handleReviewApply(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.reviewer()
	if err != nil {
		return err
	}
	var req ReviewApplyRequest
	if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
		return err
	}
	o, err := reviewWindow(req.Window)
	if err != nil {
		return err
	}
	res, err := rv.Apply(r.Context(), principalOf(r.Context()), req.Findings, o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) handleReviewDismiss(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.reviewer()
	if err != nil {
		return err
	}
	var req ReviewDismissRequest
	if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
		return err
	}
	o, err := reviewWindow(req.Window)
	if err != nil {
		return err
	}
	d, err := rv.Dismiss(r.Context(), principalOf(r.Context()), req.Finding, req.Reason, o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
