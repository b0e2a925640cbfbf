package githubtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

const docs = "https://docs.github.com/rest"

// routeRepo serves /repos/{owner}/{repo}/REST.
func (s *Server) routeRepo(w http.ResponseWriter, r *http.Request, rp *repo, rest []string, body []byte) {
	m, n := r.Method, len(rest)
	at := func(i int, lit string) bool { return n > i && rest[i] == lit }
	switch {
	case n == 0 && m == "GET":
		writeJSON(w, http.StatusOK, s.repoJSON(r, rp))
	case n == 0 && m == "PATCH":
		s.updateRepo(w, r, rp, body)
	case n == 1 && at(0, "issues") && m == "GET":
		s.listIssues(w, r, rp)
	case n == 1 && at(0, "issues") && m == "POST":
		s.createIssue(w, r, rp, body)
	case n == 2 && at(0, "pulls") && m == "GET":
		s.getPull(w, r, rp, rest[1])
	case n == 3 && at(0, "pulls") && at(2, "merge") && m == "PUT":
		s.mergePull(w, r, rp, rest[1], body)
	case n >= 3 && at(0, "git") && at(1, "ref") && m == "GET":
		s.getRef(w, r, rp, strings.Join(rest[2:], "/"))
	case n >= 3 && at(0, "git") && at(1, "refs") && m == "PATCH":
		s.updateRef(w, r, rp, strings.Join(rest[2:], "/"), body)
	case n == 2 && at(0, "git") && at(1, "refs") && m == "POST":
		s.createRef(w, r, rp, body)
	case n == 1 && at(0, "releases") && m == "POST":
		s.createRelease(w, r, rp, body)
	case n == 3 && at(0, "branches") && at(2, "protection") && m == "PUT":
		s.putProtection(w, r, rp, rest[1], body)
	case n == 3 && at(0, "actions") && at(1, "secrets") && at(2, "public-key") && m == "GET":
		writeJSON(w, http.StatusOK, map[string]string{"key_id": "568250167242549743", "key": "hBT5WZEj8ZoOv6TYJsfWq7MxTEQopZO5/IT3ZCVQPzs="})
	case n == 3 && at(0, "actions") && at(1, "secrets") && m == "PUT":
		s.putSecret(w, rp, rest[2], body)
	case n == 4 && at(0, "actions") && at(1, "workflows") && at(3, "dispatches") && m == "POST":
		s.dispatchWorkflow(w, rp, rest[2], body)
	default:
		notFound(w)
	}
}

func (s *Server) updateRepo(w http.ResponseWriter, r *http.Request, rp *repo, body []byte) {
	var in struct {
		DefaultBranch *string `json:"default_branch"`
		Private       *bool   `json:"private"`
	}
	if !decode(body, &in) {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", docs+"/repos/repos#update-a-repository")
		return
	}
	if in.DefaultBranch != nil {
		rp.defaultBranch = *in.DefaultBranch
	}
	if in.Private != nil {
		rp.private = *in.Private
	}
	writeJSON(w, http.StatusOK, s.repoJSON(r, rp))
}

func (s *Server) issueJSON(r *http.Request, rp *repo, is *issue) map[string]any {
	labels := []map[string]any{}
	for _, l := range is.labels {
		labels = append(labels, map[string]any{"name": l, "color": "ededed", "default": false})
	}
	u := fmt.Sprintf("/repos/%s/%s/issues/%d", rp.owner, rp.name, is.number)
	return map[string]any{
		"id": is.id, "node_id": fmt.Sprintf("I_%d", is.id), "number": is.number, "title": is.title, "body": is.body,
		"state": "open", "locked": false, "labels": labels, "assignees": []any{}, "comments": 0,
		"user": map[string]any{"login": "octo-bot", "id": 583231, "type": "User"},
		"url":  apiURL(r, u), "html_url": fmt.Sprintf("https://github.com/%s/%s/issues/%d", rp.owner, rp.name, is.number),
		"repository_url": apiURL(r, "/repos/"+rp.owner+"/"+rp.name),
		"created_at":     s.timestamp(), "updated_at": s.timestamp(), "closed_at": nil,
		"author_association": "OWNER",
	}
}

// listIssues lists the newest first, a page at a time, with a Link header
// whose URLs name the repository by id, as GitHub's do.
func (s *Server) listIssues(w http.ResponseWriter, r *http.Request, rp *repo) {
	perPage, page := pageParams(r)
	var list []map[string]any
	for i := len(rp.issues) - 1 - (page-1)*perPage; i >= 0 && len(list) < perPage; i-- {
		list = append(list, s.issueJSON(r, rp, rp.issues[i]))
	}
	if list == nil {
		list = []map[string]any{}
	}
	setLink(w, r, fmt.Sprintf("/repositories/%d/issues", rp.id), perPage, page, len(rp.issues))
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) createIssue(w http.ResponseWriter, r *http.Request, rp *repo, body []byte) {
	var in struct {
		Title  any      `json:"title"`
		Body   string   `json:"body"`
		Labels []string `json:"labels"`
	}
	if !decode(body, &in) {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", docs+"/issues/issues#create-an-issue")
		return
	}
	title, _ := in.Title.(string)
	if title == "" {
		validationFailed(w, "Issue", "title", "missing_field", docs+"/issues/issues#create-an-issue")
		return
	}
	is := &issue{id: s.id(), number: rp.nextNumber, title: title, body: in.Body, labels: in.Labels}
	rp.nextNumber++
	rp.issues = append(rp.issues, is)
	out := s.issueJSON(r, rp, is)
	w.Header().Set("Location", out["url"].(string))
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) pullJSON(r *http.Request, rp *repo, p *pull) map[string]any {
	full := rp.owner + "/" + rp.name
	side := func(ref, sha string) map[string]any {
		return map[string]any{"label": rp.owner + ":" + ref, "ref": ref, "sha": sha,
			"repo": s.repoJSON(r, rp), "user": map[string]any{"login": rp.owner}}
	}
	state := "open"
	if p.merged {
		state = "closed"
	}
	return map[string]any{
		"url": apiURL(r, fmt.Sprintf("/repos/%s/pulls/%d", full, p.number)), "id": int64(p.number) + 5000,
		"number": p.number, "state": state, "title": p.title, "locked": false,
		"html_url": fmt.Sprintf("https://github.com/%s/pull/%d", full, p.number),
		"user":     map[string]any{"login": "octo-bot", "id": 583231, "type": "User"},
		"head":     side(p.head, p.headSHA), "base": side(p.base, rp.refs["heads/"+p.base]),
		"merged": p.merged, "mergeable": !p.merged, "merge_commit_sha": nullable(p.mergeSHA),
		"draft": false, "created_at": s.timestamp(), "updated_at": s.timestamp(),
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) getPull(w http.ResponseWriter, r *http.Request, rp *repo, number string) {
	n, _ := strconv.Atoi(number)
	p := rp.pulls[n]
	if p == nil {
		writeError(w, http.StatusNotFound, "Not Found", docs+"/pulls/pulls#get-a-pull-request")
		return
	}
	writeJSON(w, http.StatusOK, s.pullJSON(r, rp, p))
}

// mergePull merges head into base: 200 with the merge commit, 405 when it
// cannot be merged, 409 when sha is not the head's.
func (s *Server) mergePull(w http.ResponseWriter, r *http.Request, rp *repo, number string, body []byte) {
	const doc = docs + "/pulls/pulls#merge-a-pull-request"
	n, _ := strconv.Atoi(number)
	p := rp.pulls[n]
	var in struct {
		SHA string `json:"sha"`
	}
	switch {
	case p == nil:
		writeError(w, http.StatusNotFound, "Not Found", doc)
	case !decode(body, &in):
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", doc)
	case p.merged:
		writeError(w, http.StatusMethodNotAllowed, "Pull Request is not mergeable", doc)
	case in.SHA != "" && in.SHA != p.headSHA:
		writeError(w, http.StatusConflict, "Head branch was modified. Review and try the merge again.", doc)
	default:
		p.merged, p.mergeSHA = true, sha(s.id())
		rp.refs["heads/"+p.base] = p.mergeSHA
		writeJSON(w, http.StatusOK, map[string]any{"sha": p.mergeSHA, "merged": true, "message": "Pull Request successfully merged"})
	}
}
