package githubtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func do(t *testing.T, s *Server, token, method, path, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp, m
}

func TestServer_ServeHTTP(t *testing.T) {
	const token = "ghp_faketoken000000000000000000000000"
	s := Start(t, token)
	full := s.AddRepo("acme", "app", "main", true)
	s.AddIssues(full, 35)
	pr := s.AddPull(full, "main", "feature", "Add feature")

	t.Run("wrong token is 401 Bad credentials", func(t *testing.T) {
		resp, m := do(t, s, "ghp_wrong", "GET", "/user", "")
		if resp.StatusCode != 401 || m["message"] != "Bad credentials" || m["status"] != "401" || m["documentation_url"] == nil {
			t.Errorf("got %d %v", resp.StatusCode, m)
		}
	})
	t.Run("classic token gets its scopes", func(t *testing.T) {
		resp, m := do(t, s, token, "GET", "/user", "")
		if resp.StatusCode != 200 || m["login"] != "octo-bot" || resp.Header.Get("X-OAuth-Scopes") != "repo, read:org" {
			t.Errorf("got %d %v %v", resp.StatusCode, m, resp.Header)
		}
	})
	t.Run("workflow dispatch", func(t *testing.T) {
		resp, _ := do(t, s, token, "POST", "/repos/acme/app/actions/workflows/deploy.yml/dispatches", `{"ref":"main","inputs":{"env":"production"}}`)
		if resp.StatusCode != 204 {
			t.Errorf("dispatch: %d", resp.StatusCode)
		}
		if resp, m := do(t, s, token, "POST", "/repos/acme/app/actions/workflows/deploy.yml/dispatches", `{}`); resp.StatusCode != 422 || m["message"] == nil {
			t.Errorf("dispatch without ref: %d %v", resp.StatusCode, m)
		}
		d := s.Dispatches(full)
		if len(d) != 1 || d[0].Workflow != "deploy.yml" || d[0].Ref != "main" || d[0].Inputs["env"] != "production" {
			t.Errorf("dispatches = %+v", d)
		}
	})
	t.Run("repository", func(t *testing.T) {
		resp, m := do(t, s, token, "GET", "/repos/ACME/app", "")
		if resp.StatusCode != 200 || m["default_branch"] != "main" || m["full_name"] != "acme/app" {
			t.Errorf("got %d %v", resp.StatusCode, m)
		}
		if resp, _ := do(t, s, token, "GET", "/repos/acme/nope", ""); resp.StatusCode != 404 {
			t.Errorf("missing repo: %d", resp.StatusCode)
		}
	})
	t.Run("issues page with Link", func(t *testing.T) {
		resp, _ := do(t, s, token, "GET", "/repos/acme/app/issues?per_page=10&page=2", "")
		link := resp.Header.Get("Link")
		if !strings.Contains(link, "/repositories/") {
			t.Errorf("Link %q does not name the repository by id", link)
		}
		for _, want := range []string{`page=3>; rel="next"`, `page=4>; rel="last"`, `page=1>; rel="prev"`, `page=1>; rel="first"`} {
			if !strings.Contains(link, want) {
				t.Errorf("Link %q lacks %q", link, want)
			}
		}
	})
	t.Run("create issue", func(t *testing.T) {
		resp, m := do(t, s, token, "POST", "/repos/acme/app/issues", `{"title":"Bug"}`)
		if resp.StatusCode != 201 || m["title"] != "Bug" || resp.Header.Get("Location") == "" {
			t.Errorf("got %d %v", resp.StatusCode, m)
		}
		if resp, m := do(t, s, token, "POST", "/repos/acme/app/issues", `{}`); resp.StatusCode != 422 || m["message"] != "Validation Failed" {
			t.Errorf("no title: %d %v", resp.StatusCode, m)
		}
	})
	t.Run("merge once", func(t *testing.T) {
		path := "/repos/acme/app/pulls/" + itoa(pr)
		if _, m := do(t, s, token, "GET", path, ""); m["base"].(map[string]any)["ref"] != "main" {
			t.Errorf("pull: %v", m)
		}
		if resp, m := do(t, s, token, "PUT", path+"/merge", `{"sha":"nope"}`); resp.StatusCode != 409 {
			t.Errorf("wrong sha: %d %v", resp.StatusCode, m)
		}
		if resp, m := do(t, s, token, "PUT", path+"/merge", `{}`); resp.StatusCode != 200 || m["merged"] != true {
			t.Errorf("merge: %d %v", resp.StatusCode, m)
		}
		if resp, _ := do(t, s, token, "PUT", path+"/merge", `{}`); resp.StatusCode != 405 {
			t.Errorf("merge again: %d", resp.StatusCode)
		}
	})
	t.Run("refs with an encoded slash", func(t *testing.T) {
		if resp, m := do(t, s, token, "GET", "/repos/acme/app/git/ref/heads%2Ffeature", ""); resp.StatusCode != 200 || m["ref"] != "refs/heads/feature" {
			t.Errorf("get: %d %v", resp.StatusCode, m)
		}
		if resp, _ := do(t, s, token, "PATCH", "/repos/acme/app/git/refs/heads/feature", `{"sha":"abc"}`); resp.StatusCode != 200 || s.Ref(full, "heads/feature") != "abc" {
			t.Errorf("update: %d", resp.StatusCode)
		}
		if resp, _ := do(t, s, token, "POST", "/repos/acme/app/git/refs", `{"ref":"refs/heads/feature","sha":"abc"}`); resp.StatusCode != 422 {
			t.Errorf("create existing: %d", resp.StatusCode)
		}
		if resp, _ := do(t, s, token, "POST", "/repos/acme/app/git/refs", `{"ref":"refs/heads/new","sha":"abc"}`); resp.StatusCode != 201 {
			t.Errorf("create: %d", resp.StatusCode)
		}
	})
	t.Run("release", func(t *testing.T) {
		resp, m := do(t, s, token, "POST", "/repos/acme/app/releases", `{"tag_name":"v1","draft":true}`)
		if resp.StatusCode != 201 || m["draft"] != true || m["published_at"] != nil {
			t.Errorf("got %d %v", resp.StatusCode, m)
		}
	})
	t.Run("branch protection", func(t *testing.T) {
		body := `{"required_status_checks":null,"enforce_admins":true,"required_pull_request_reviews":null,"restrictions":null}`
		if resp, m := do(t, s, token, "PUT", "/repos/acme/app/branches/main/protection", body); resp.StatusCode != 200 || m["url"] == nil {
			t.Errorf("got %d %v", resp.StatusCode, m)
		}
		if resp, _ := do(t, s, token, "PUT", "/repos/acme/app/branches/nope/protection", body); resp.StatusCode != 404 {
			t.Errorf("unknown branch: %d", resp.StatusCode)
		}
	})
	t.Run("secret created then updated", func(t *testing.T) {
		body := `{"encrypted_value":"c2VjcmV0","key_id":"568250167242549743"}`
		if resp, _ := do(t, s, token, "PUT", "/repos/acme/app/actions/secrets/DEPLOY", body); resp.StatusCode != 201 {
			t.Errorf("create: %d", resp.StatusCode)
		}
		if resp, _ := do(t, s, token, "PUT", "/repos/acme/app/actions/secrets/DEPLOY", body); resp.StatusCode != 204 {
			t.Errorf("update: %d", resp.StatusCode)
		}
	})
	t.Run("requests are recorded with their Authorization", func(t *testing.T) {
		reqs := s.Requests()
		if len(reqs) == 0 || reqs[0].Authorization != "Bearer ghp_wrong" {
			t.Errorf("requests: %+v", reqs)
		}
	})
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
