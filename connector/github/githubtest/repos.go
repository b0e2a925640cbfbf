package githubtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// repo is one repository of the fake.
type repo struct {
	id            int64
	owner, name   string
	private       bool
	defaultBranch string
	refs          map[string]string // "heads/main" → sha
	issues        []*issue
	pulls         map[int]*pull
	releases      []map[string]any
	protection    map[string]map[string]any // branch → protection
	secrets       map[string]bool
	dispatches    []Dispatch
	nextNumber    int
}

type issue struct {
	id     int64
	number int
	title  string
	body   string
	labels []string
}

type pull struct {
	number     int
	title      string
	base, head string
	headSHA    string
	merged     bool
	mergeSHA   string
}

// AddRepo adds a repository whose default branch has one commit, and
// returns its full name.
func (s *Server) AddRepo(owner, name, defaultBranch string, private bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &repo{id: s.id(), owner: owner, name: name, private: private, defaultBranch: defaultBranch,
		refs: map[string]string{"heads/" + defaultBranch: sha(s.id())}, pulls: map[int]*pull{},
		protection: map[string]map[string]any{}, secrets: map[string]bool{}, nextNumber: 1}
	s.repos[strings.ToLower(owner+"/"+name)] = r
	return owner + "/" + name
}

// AddPull adds an open pull request from head into base (both branches
// are created if needed) and returns its number.
func (s *Server) AddPull(fullName, base, head, title string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[strings.ToLower(fullName)]
	for _, b := range []string{base, head} {
		if _, ok := r.refs["heads/"+b]; !ok {
			r.refs["heads/"+b] = sha(s.id())
		}
	}
	n := r.nextNumber
	r.nextNumber++
	r.pulls[n] = &pull{number: n, title: title, base: base, head: head, headSHA: r.refs["heads/"+head]}
	return n
}

// AddIssues adds n issues titled "Issue 1", "Issue 2", ...
func (s *Server) AddIssues(fullName string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[strings.ToLower(fullName)]
	for i := 0; i < n; i++ {
		r.issues = append(r.issues, &issue{id: s.id(), number: r.nextNumber, title: fmt.Sprintf("Issue %d", r.nextNumber)})
		r.nextNumber++
	}
}

// Ref returns the sha a ref ("heads/main") points at, or "".
func (s *Server) Ref(fullName, ref string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.repos[strings.ToLower(fullName)]; r != nil {
		return r.refs[ref]
	}
	return ""
}

// Merged reports whether a pull request was merged.
func (s *Server) Merged(fullName string, number int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.repos[strings.ToLower(fullName)]; r != nil && r.pulls[number] != nil {
		return r.pulls[number].merged
	}
	return false
}

// SetDefaultBranch changes a repository's default branch, as the owner
// might on github.com.
func (s *Server) SetDefaultBranch(fullName, branch string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[strings.ToLower(fullName)].defaultBranch = branch
}

func sha(n int64) string { return fmt.Sprintf("%040x", n*7919) }

// repoJSON is a full repository, as GET /repos/{owner}/{repo} returns it.
func (s *Server) repoJSON(r *http.Request, rp *repo) map[string]any {
	full := rp.owner + "/" + rp.name
	visibility := "public"
	if rp.private {
		visibility = "private"
	}
	return map[string]any{
		"id": rp.id, "node_id": fmt.Sprintf("R_%d", rp.id), "name": rp.name, "full_name": full,
		"private": rp.private, "visibility": visibility, "fork": false, "archived": false, "disabled": false,
		"owner":          map[string]any{"login": rp.owner, "id": rp.id + 1, "type": "Organization", "site_admin": false},
		"html_url":       "https://github.com/" + full,
		"url":            apiURL(r, "/repos/"+full),
		"default_branch": rp.defaultBranch,
		"created_at":     s.timestamp(), "updated_at": s.timestamp(), "pushed_at": s.timestamp(),
		"permissions": map[string]bool{"admin": true, "maintain": true, "push": true, "triage": true, "pull": true},
	}
}

// route serves the paths the fake knows.
func (s *Server) route(w http.ResponseWriter, r *http.Request, segs []string, body []byte) {
	m := r.Method
	switch {
	case m == "GET" && len(segs) == 1 && segs[0] == "user":
		s.user(w, r)
		return
	case m == "GET" && len(segs) == 2 && segs[0] == "user" && segs[1] == "repos":
		var list []map[string]any
		for _, rp := range s.sortedRepos() {
			list = append(list, s.repoJSON(r, rp))
		}
		writeJSON(w, http.StatusOK, list)
		return
	case m == "GET" && len(segs) == 2 && segs[0] == "installation" && segs[1] == "repositories":
		s.installationRepos(w, r)
		return
	case m == "GET" && len(segs) == 1 && segs[0] == "rate_limit":
		core := map[string]int64{"limit": 5000, "remaining": 4999, "used": 1, "reset": s.now.Add(time.Hour).Unix()}
		writeJSON(w, http.StatusOK, map[string]any{"resources": map[string]any{"core": core}, "rate": core})
		return
	}
	if m == "GET" && len(segs) == 3 && segs[0] == "repositories" && segs[2] == "issues" {
		for _, rp := range s.repos {
			if strconv.FormatInt(rp.id, 10) == segs[1] {
				s.listIssues(w, r, rp)
				return
			}
		}
		notFound(w)
		return
	}
	if len(segs) < 3 || segs[0] != "repos" {
		notFound(w)
		return
	}
	rp := s.repos[strings.ToLower(segs[1]+"/"+segs[2])]
	if rp == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/repos/repos#get-a-repository")
		return
	}
	s.routeRepo(w, r, rp, segs[3:], body)
}

func (s *Server) user(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(s.Token, "ghs_") {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration",
			"https://docs.github.com/rest/users/users#get-the-authenticated-user")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"login": "octo-bot", "id": 583231, "node_id": "MDQ6VXNlcjU4MzIzMQ==", "type": "User", "site_admin": false,
		"name": "Octo Bot", "url": apiURL(r, "/users/octo-bot"), "html_url": "https://github.com/octo-bot",
		"created_at": s.timestamp(), "updated_at": s.timestamp(),
	})
}

func (s *Server) installationRepos(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(s.Token, "ghs_") {
		writeError(w, http.StatusForbidden, "You must authenticate with an installation access token in order to list repositories for an installation.",
			"https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-app-installation")
		return
	}
	var list []map[string]any
	for _, rp := range s.sortedRepos() {
		list = append(list, s.repoJSON(r, rp))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(list), "repository_selection": "selected", "repositories": list})
}

func (s *Server) sortedRepos() []*repo {
	var out []*repo
	for _, rp := range s.repos {
		out = append(out, rp)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].id < out[j-1].id; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// pageParams reads per_page (default 30, at most 100) and page (default 1).
func pageParams(r *http.Request) (perPage, page int) {
	perPage, page = 30, 1
	if n, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && n > 0 {
		perPage = min(n, 100)
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 0 {
		page = n
	}
	return perPage, page
}

// setLink writes GitHub's Link header for page of total items.
func setLink(w http.ResponseWriter, r *http.Request, path string, perPage, page, total int) {
	last := max(1, (total+perPage-1)/perPage)
	link := func(p int, rel string) string {
		return fmt.Sprintf(`<%s?per_page=%d&page=%d>; rel="%s"`, apiURL(r, path), perPage, p, rel)
	}
	var parts []string
	if page > 1 {
		parts = append(parts, link(page-1, "prev"))
	}
	if page < last {
		parts = append(parts, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		parts = append(parts, link(1, "first"))
	}
	if len(parts) > 0 {
		w.Header().Set("Link", strings.Join(parts, ", "))
	}
}
