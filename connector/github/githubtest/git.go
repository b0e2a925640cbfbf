package githubtest

import (
	"fmt"
	"net/http"
	"strings"
)

func (s *Server) refJSON(r *http.Request, rp *repo, ref string) map[string]any {
	full := rp.owner + "/" + rp.name
	sha := rp.refs[ref]
	return map[string]any{
		"ref": "refs/" + ref, "node_id": "REF_" + strings.ReplaceAll(ref, "/", "_"), "url": apiURL(r, "/repos/"+full+"/git/refs/"+ref),
		"object": map[string]any{"sha": sha, "type": "commit", "url": apiURL(r, "/repos/"+full+"/git/commits/"+sha)},
	}
}

func (s *Server) getRef(w http.ResponseWriter, r *http.Request, rp *repo, ref string) {
	if _, ok := rp.refs[ref]; !ok {
		writeError(w, http.StatusNotFound, "Not Found", docs+"/git/refs#get-a-reference")
		return
	}
	writeJSON(w, http.StatusOK, s.refJSON(r, rp, ref))
}

// updateRef moves a ref: 200, or 422 when it does not exist or sha is
// missing.
func (s *Server) updateRef(w http.ResponseWriter, r *http.Request, rp *repo, ref string, body []byte) {
	const doc = docs + "/git/refs#update-a-reference"
	ref = strings.TrimPrefix(ref, "refs/")
	var in struct {
		SHA   string `json:"sha"`
		Force bool   `json:"force"`
	}
	switch _, ok := rp.refs[ref]; {
	case !decode(body, &in):
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", doc)
	case in.SHA == "":
		validationFailed(w, "Reference", "sha", "missing_field", doc)
	case !ok:
		writeError(w, http.StatusUnprocessableEntity, "Reference does not exist", doc)
	default:
		rp.refs[ref] = in.SHA
		writeJSON(w, http.StatusOK, s.refJSON(r, rp, ref))
	}
}

// createRef creates a ref: 201, or 422 when it exists or is malformed.
func (s *Server) createRef(w http.ResponseWriter, r *http.Request, rp *repo, body []byte) {
	const doc = docs + "/git/refs#create-a-reference"
	var in struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	}
	if !decode(body, &in) {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", doc)
		return
	}
	ref, ok := strings.CutPrefix(in.Ref, "refs/")
	switch {
	case !ok || strings.Count(in.Ref, "/") < 2:
		writeError(w, http.StatusUnprocessableEntity, "Reference name must start with 'refs/' and have at least two slashes.", doc)
	case in.SHA == "":
		validationFailed(w, "Reference", "sha", "missing_field", doc)
	case rp.refs[ref] != "":
		writeError(w, http.StatusUnprocessableEntity, "Reference already exists", doc)
	default:
		rp.refs[ref] = in.SHA
		w.Header().Set("Location", apiURL(r, "/repos/"+rp.owner+"/"+rp.name+"/git/refs/"+ref))
		writeJSON(w, http.StatusCreated, s.refJSON(r, rp, ref))
	}
}

// createRelease creates a release: 201; published_at is null for a draft.
func (s *Server) createRelease(w http.ResponseWriter, r *http.Request, rp *repo, body []byte) {
	const doc = docs + "/releases/releases#create-a-release"
	var in struct {
		TagName    string `json:"tag_name"`
		Name       string `json:"name"`
		Body       string `json:"body"`
		Draft      bool   `json:"draft"`
		Prerelease bool   `json:"prerelease"`
	}
	if !decode(body, &in) {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", doc)
		return
	}
	if in.TagName == "" {
		validationFailed(w, "Release", "tag_name", "missing_field", doc)
		return
	}
	id := s.id()
	full := rp.owner + "/" + rp.name
	var published any = s.timestamp()
	if in.Draft {
		published = nil
	}
	rel := map[string]any{
		"url": apiURL(r, fmt.Sprintf("/repos/%s/releases/%d", full, id)), "id": id, "node_id": fmt.Sprintf("RE_%d", id),
		"html_url":   fmt.Sprintf("https://github.com/%s/releases/tag/%s", full, in.TagName),
		"upload_url": fmt.Sprintf("https://uploads.github.com/repos/%s/releases/%d/assets{?name,label}", full, id),
		"tag_name":   in.TagName, "target_commitish": rp.defaultBranch, "name": in.Name, "body": in.Body,
		"draft": in.Draft, "prerelease": in.Prerelease, "created_at": s.timestamp(), "published_at": published,
		"author": map[string]any{"login": "octo-bot", "id": 583231, "type": "User"}, "assets": []any{},
	}
	rp.releases = append(rp.releases, rel)
	w.Header().Set("Location", rel["url"].(string))
	writeJSON(w, http.StatusCreated, rel)
}

// putProtection sets a branch's protection: 200 with the protection, 404
// for a branch that does not exist, 422 without the required fields.
func (s *Server) putProtection(w http.ResponseWriter, r *http.Request, rp *repo, branch string, body []byte) {
	const doc = docs + "/branches/branch-protection#update-branch-protection"
	var in map[string]any
	if !decode(body, &in) || in == nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", doc)
		return
	}
	if _, ok := rp.refs["heads/"+branch]; !ok {
		writeError(w, http.StatusNotFound, "Branch not found", doc)
		return
	}
	for _, f := range []string{"required_status_checks", "enforce_admins", "required_pull_request_reviews", "restrictions"} {
		if _, ok := in[f]; !ok {
			validationFailed(w, "Protection", f, "missing_field", doc)
			return
		}
	}
	base := apiURL(r, "/repos/"+rp.owner+"/"+rp.name+"/branches/"+branch+"/protection")
	enforce, _ := in["enforce_admins"].(bool)
	out := map[string]any{
		"url":            base,
		"enforce_admins": map[string]any{"url": base + "/enforce_admins", "enabled": enforce},
	}
	if v, ok := in["required_status_checks"].(map[string]any); ok {
		v["url"] = base + "/required_status_checks"
		out["required_status_checks"] = v
	}
	if v, ok := in["required_pull_request_reviews"].(map[string]any); ok {
		v["url"] = base + "/required_pull_request_reviews"
		out["required_pull_request_reviews"] = v
	}
	rp.protection[branch] = out
	writeJSON(w, http.StatusOK, out)
}

// putSecret creates (201, with an empty object) or updates (204, with no
// body) an Actions secret.
func (s *Server) putSecret(w http.ResponseWriter, rp *repo, name string, body []byte) {
	var in struct {
		EncryptedValue string `json:"encrypted_value"`
		KeyID          string `json:"key_id"`
	}
	if !decode(body, &in) || in.EncryptedValue == "" || in.KeyID == "" {
		validationFailed(w, "Secret", "encrypted_value", "missing_field", docs+"/actions/secrets#create-or-update-a-repository-secret")
		return
	}
	if rp.secrets[name] {
		w.Header().Del("Content-Type")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	rp.secrets[name] = true
	writeJSON(w, http.StatusCreated, map[string]any{})
}
