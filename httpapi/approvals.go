package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/aos-dev/aos"
)

func (s *Server) handleListApprovals(w http.ResponseWriter, r *http.Request) error {
	all, _ := strconv.ParseBool(r.URL.Query().Get("all"))
	as, err := s.Gateway.Approvals.List(r.Context(), all)
	if err != nil {
		return err
	}
	if err := s.Gateway.Approvals.WithViews(r.Context(), as...); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(as))
	return nil
}

func (s *Server) handleGetApproval(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Gateway.Approvals.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.Gateway.Approvals.WithViews(r.Context(), a); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// DecideRequest is the body of an approve or deny.
type DecideRequest struct {
	Reason string `json:"reason,omitempty"`
	// ShownDigest, if set, is the digest of the approval's view
	// (view.digest) that the decider was shown: the decision is refused
	// (conflict) if the approval no longer renders to it, and it is
	// recorded in the decision's evidence entry as shown_digest.
	ShownDigest string `json:"shown_digest,omitempty"`
}

func (s *Server) handleDecide(approve bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req DecideRequest
		if r.ContentLength != 0 {
			if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
				return err
			}
		}
		p, id := principalOf(r.Context()), r.PathValue("id")
		var a *aos.Approval
		var err error
		if approve {
			a, err = s.Gateway.ApproveShown(r.Context(), p, id, req.Reason, req.ShownDigest)
		} else {
			a, err = s.Gateway.DenyShown(r.Context(), p, id, req.Reason, req.ShownDigest)
		}
		if err != nil {
			return err
		}
		if err := s.Gateway.Approvals.WithViews(r.Context(), a); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a)
		return nil
	}
}

// CapsResponse is the caps (amounts in US cents, as PUT takes them) and
// the same caps written for people, in major units with the currency.
type CapsResponse struct {
	aos.Caps
	Text aos.CapsText `json:"text"`
}

func (s *Server) handleGetCaps(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Owner.Caps(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, CapsResponse{Caps: c, Text: aos.DescribeCaps(c)})
	return nil
}

func (s *Server) handlePutCaps(w http.ResponseWriter, r *http.Request) error {
	// A body read back from GET may keep its text, which is ignored.
	var c struct {
		aos.Caps
		Text json.RawMessage `json:"text"`
	}
	if err := decodeJSON(r, ownerBodyLimit, &c); err != nil {
		return err
	}
	out, err := s.Owner.SetCaps(r.Context(), principalOf(r.Context()), c.Caps)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, CapsResponse{Caps: out, Text: aos.DescribeCaps(out)})
	return nil
}

// RedactRequest is the body of POST /v1/owner/evidence/redact.
type RedactRequest struct {
	Entry  int64  `json:"entry"`
	Reason string `json:"reason"`
}

func (s *Server) handleRedact(w http.ResponseWriter, r *http.Request) error {
	var req RedactRequest
	if err := decodeJSON(r, ownerBodyLimit, &req); err != nil {
		return err
	}
	a, err := s.Gateway.Approvals.RequestRedaction(r.Context(), principalOf(r.Context()), req.Entry, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, a)
	return nil
}
