package githubtest

import (
	"net/http"
	"strings"
)

// Dispatch is a workflow_dispatch event the fake received.
type Dispatch struct {
	Workflow string // the id or file name in the path
	Ref      string
	Inputs   map[string]any
}

// dispatchWorkflow serves POST /repos/{owner}/{repo}/actions/workflows/{id}/dispatches:
// ref is required, inputs optional; 204 with no body, as GitHub answers.
func (s *Server) dispatchWorkflow(w http.ResponseWriter, rp *repo, workflow string, body []byte) {
	var in struct {
		Ref    string         `json:"ref"`
		Inputs map[string]any `json:"inputs"`
	}
	if !decode(body, &in) || in.Ref == "" {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"ref\" wasn't supplied.",
			docs+"/actions/workflows#create-a-workflow-dispatch-event")
		return
	}
	rp.dispatches = append(rp.dispatches, Dispatch{Workflow: workflow, Ref: in.Ref, Inputs: in.Inputs})
	w.Header().Del("Content-Type")
	w.WriteHeader(http.StatusNoContent)
}

// Dispatches returns the workflow dispatches a repository received,
// oldest first.
func (s *Server) Dispatches(fullName string) []Dispatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.repos[strings.ToLower(fullName)]; r != nil {
		return append([]Dispatch(nil), r.dispatches...)
	}
	return nil
}
