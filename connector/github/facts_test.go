package github

import (
	"net/http"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/internal/gatewaytest"
)

func testConn() *aos.Connection {
	return &aos.Connection{ID: 7, Name: "gh", Type: Type, BaseURL: "https://api.github.com", Auth: "bearer"}
}

// teach feeds the connector an upstream answer to a GET, as Do would.
func teach(t *testing.T, k *Connector, c *aos.Connection, path, body string) {
	t.Helper()
	call, err := k.FromHTTP(c, &connector.HTTPRequest{Method: "GET", RawPath: path, Header: http.Header{}})
	if err != nil {
		t.Fatal(err)
	}
	k.learn(c, call, &connector.Response{Status: 200, Body: []byte(body)})
}

func TestConnector_FromHTTP_facts(t *testing.T) {
	k := New()
	c := testConn()
	fresh := testConn()
	fresh.ID = 8 // nothing learnt for this connection
	teach(t, k, c, "/repos/acme/app", `{"full_name":"Acme/App","default_branch":"main"}`)
	teach(t, k, c, "/repos/acme/app/pulls/1", `{"number":1,"base":{"ref":"feature","repo":{"full_name":"acme/app"}},"head":{"ref":"topic","repo":{"full_name":"acme/app"}}}`)
	teach(t, k, c, "/repos/acme/app/pulls/2", `{"number":2,"base":{"ref":"main","repo":{"full_name":"acme/app"}},"head":{"ref":"x","repo":{"full_name":"acme/app"}}}`)
	teach(t, k, c, "/repos/acme/app/pulls", `[{"number":3,"base":{"ref":"release","repo":{"full_name":"acme/app"}},"head":{"ref":"y","repo":{"full_name":"fork/app"}}}]`)
	// An answer about another repository teaches nothing.
	teach(t, k, c, "/repos/acme/renamed", `{"full_name":"acme/new-name","default_branch":"dev"}`)

	type want struct{ production, public bool }
	tests := []struct {
		name         string
		conn         *aos.Connection
		method, path string
		body         string
		want         want
	}{
		{"merge into a learnt non-default base", c, "PUT", "/repos/acme/app/pulls/1/merge", `{}`, want{}},
		{"merge into the default branch", c, "PUT", "/repos/acme/app/pulls/2/merge", `{}`, want{production: true}},
		{"merge of an unknown pull request", c, "PUT", "/repos/acme/app/pulls/9/merge", `{}`, want{production: true}},
		{"merge of 01, not 1", c, "PUT", "/repos/acme/app/pulls/01/merge", `{}`, want{production: true}},
		{"merge before anything is learnt", fresh, "PUT", "/repos/acme/app/pulls/1/merge", `{}`, want{production: true}},
		{"merge-async", c, "PUT", "/repos/acme/app/pulls/2/merge-async", `{}`, want{production: true}},
		{"update-branch of a head in a fork", c, "PUT", "/repos/acme/app/pulls/3/update-branch", `{}`, want{production: true}},
		{"update-branch of a head here", c, "PUT", "/repos/acme/app/pulls/1/update-branch", `{}`, want{}},
		{"update a feature ref", c, "PATCH", "/repos/acme/app/git/refs/heads%2Ffeature", `{"sha":"a"}`, want{}},
		{"update the default ref", c, "PATCH", "/repos/acme/app/git/refs/heads/main", `{"sha":"a"}`, want{production: true}},
		{"update the default ref in another case", c, "PATCH", "/repos/acme/app/git/refs/heads/MAIN", `{"sha":"a"}`, want{production: true}},
		{"update refs/heads/main", c, "PATCH", "/repos/acme/app/git/refs/refs/heads/main", `{"sha":"a"}`, want{production: true}},
		{"update a tag", c, "PATCH", "/repos/acme/app/git/refs/tags/v1", `{"sha":"a"}`, want{}},
		{"update a feature ref, default unknown", fresh, "PATCH", "/repos/acme/app/git/refs/heads/feature", `{"sha":"a"}`, want{production: true}},
		{"update a ref of a repo whose answer named another", c, "PATCH", "/repos/acme/renamed/git/refs/heads/feature", `{"sha":"a"}`, want{production: true}},
		{"delete the default ref", c, "DELETE", "/repos/acme/app/git/refs/heads/main", ``, want{production: true}},
		{"create a branch", c, "POST", "/repos/acme/app/git/refs", `{"ref":"refs/heads/new","sha":"a"}`, want{}},
		{"create the default branch", c, "POST", "/repos/acme/app/git/refs", `{"ref":"refs/heads/main","sha":"a"}`, want{production: true}},
		{"create a tag", fresh, "POST", "/repos/acme/app/git/refs", `{"ref":"refs/tags/v1","sha":"a"}`, want{}},
		{"create a ref twice over", c, "POST", "/repos/acme/app/git/refs", `{"ref":"refs/heads/new","ref":"refs/heads/main"}`, want{production: true}},
		{"create a ref in another case", c, "POST", "/repos/acme/app/git/refs", `{"Ref":"refs/heads/main","ref":"refs/heads/new"}`, want{production: true}},
		{"create a ref, not JSON", c, "POST", "/repos/acme/app/git/refs", `ref=refs/heads/new`, want{production: true}},
		{"put a file on no branch", c, "PUT", "/repos/acme/app/contents/README.md", `{"message":"m","content":"eA=="}`, want{production: true}},
		{"put a file on a feature branch", c, "PUT", "/repos/acme/app/contents/docs%2FREADME.md", `{"message":"m","content":"eA==","branch":"feature"}`, want{}},
		{"put a file on the default branch", c, "PUT", "/repos/acme/app/contents/README.md", `{"message":"m","content":"eA==","branch":"main"}`, want{production: true}},
		{"put a file with a null branch", c, "PUT", "/repos/acme/app/contents/README.md", `{"branch":null}`, want{production: true}},
		{"delete a file on a feature branch", c, "DELETE", "/repos/acme/app/contents/a", `{"message":"m","sha":"s","branch":"feature"}`, want{}},
		{"merge a branch into a feature base", c, "POST", "/repos/acme/app/merges", `{"base":"feature","head":"x"}`, want{}},
		{"merge a branch into the default", c, "POST", "/repos/acme/app/merges", `{"base":"main","head":"x"}`, want{production: true}},
		{"rename the default branch", c, "POST", "/repos/acme/app/branches/main/rename", `{"new_name":"trunk"}`, want{production: true}},
		{"draft release", c, "POST", "/repos/acme/app/releases", `{"tag_name":"v1","draft":true}`, want{}},
		{"published release", c, "POST", "/repos/acme/app/releases", `{"tag_name":"v1"}`, want{public: true}},
		{"release with draft as a string", c, "POST", "/repos/acme/app/releases", `{"tag_name":"v1","draft":"true"}`, want{public: true}},
		{"publish a draft", c, "PATCH", "/repos/acme/app/releases/5", `{"draft":false}`, want{public: true}},
		{"repository description", c, "PATCH", "/repos/acme/app", `{"description":"x"}`, want{}},
		{"repository made public", c, "PATCH", "/repos/acme/app", `{"private":false}`, want{public: true}},
		{"repository visibility public", c, "PATCH", "/repos/acme/app", `{"visibility":"public"}`, want{public: true}},
		{"repository made private", c, "PATCH", "/repos/acme/app", `{"visibility":"private","private":true}`, want{}},
		{"repository default branch", c, "PATCH", "/repos/acme/app", `{"default_branch":"dev"}`, want{production: true}},
		{"repository body unreadable", c, "PATCH", "/repos/acme/app", `{`, want{true, true}},
		{"branch protection", c, "PUT", "/repos/acme/app/branches/main/protection", `{}`, want{production: true}},
		{"actions secret", c, "PUT", "/repos/acme/app/actions/secrets/X", `{}`, want{production: true}},
		{"pages build", c, "POST", "/repos/acme/app/pages/builds", ``, want{public: true}},
		{"issue", c, "POST", "/repos/acme/app/issues", `{"title":"t"}`, want{}},
		// A branch written as a ref is the branch.
		{"merge into refs/heads/main", c, "POST", "/repos/acme/app/merges", `{"base":"refs/heads/main","head":"x"}`, want{production: true}},
		{"merge into heads/main", c, "POST", "/repos/acme/app/merges", `{"base":"heads/main","head":"x"}`, want{production: true}},
		{"merge into REFS/HEADS/Main", c, "POST", "/repos/acme/app/merges", `{"base":"REFS/HEADS/Main","head":"x"}`, want{production: true}},
		{"merge into refs/heads/feature", c, "POST", "/repos/acme/app/merges", `{"base":"refs/heads/feature","head":"x"}`, want{}},
		{"put a file on refs/heads/main", c, "PUT", "/repos/acme/app/contents/README.md", `{"message":"m","content":"eA==","branch":"refs/heads/main"}`, want{production: true}},
		{"merge upstream into refs/heads/main", c, "POST", "/repos/acme/app/merge-upstream", `{"branch":"refs/heads/main"}`, want{production: true}},
		{"rename refs/heads/main", c, "POST", "/repos/acme/app/branches/refs%2Fheads%2Fmain/rename", `{"new_name":"trunk"}`, want{production: true}},
		{"autofix onto refs/heads/main", c, "POST", "/repos/acme/app/code-scanning/alerts/1/autofix/commits", `{"target_ref":"refs/heads/main"}`, want{production: true}},
		// Files under .github decide what runs, on any branch.
		{"workflow file on a feature branch", c, "PUT", "/repos/acme/app/contents/.github/workflows/deploy.yml", `{"message":"m","content":"eA==","branch":"feature"}`, want{production: true}},
		{"workflow file, path escaped", c, "PUT", "/repos/acme/app/contents/.github%2Fworkflows%2Fdeploy.yml", `{"branch":"feature"}`, want{production: true}},
		{"workflow file in another case", c, "PUT", "/repos/acme/app/contents/.GitHub/workflows/deploy.yml", `{"branch":"feature"}`, want{production: true}},
		{"CODEOWNERS on a feature branch", c, "PUT", "/repos/acme/app/contents/.github/CODEOWNERS", `{"branch":"feature"}`, want{production: true}},
		{"delete a workflow file", c, "DELETE", "/repos/acme/app/contents/.github/workflows/ci.yml", `{"message":"m","sha":"s","branch":"feature"}`, want{production: true}},
		{"a docs file named .github", c, "PUT", "/repos/acme/app/contents/docs/.github/x", `{"branch":"feature"}`, want{}},
		{"tree with a workflow", c, "POST", "/repos/acme/app/git/trees", `{"base_tree":"t","tree":[{"path":"src/a.go","mode":"100644","type":"blob","content":"x"},{"path":".github/workflows/x.yml","mode":"100644","type":"blob","content":"on: push"}]}`, want{production: true}},
		{"tree with the .github folder", c, "POST", "/repos/acme/app/git/trees", `{"tree":[{"path":".github","mode":"040000","type":"tree","sha":"s"}]}`, want{production: true}},
		{"tree without .github", c, "POST", "/repos/acme/app/git/trees", `{"base_tree":"t","tree":[{"path":"src/a.go","mode":"100644","type":"blob","content":"x"}]}`, want{}},
		{"tree entry path twice", c, "POST", "/repos/acme/app/git/trees", `{"tree":[{"path":"a","path":".github/x"}]}`, want{production: true}},
		{"tree entry without a path", c, "POST", "/repos/acme/app/git/trees", `{"tree":[{"mode":"100644"}]}`, want{production: true}},
		{"tree not a list", c, "POST", "/repos/acme/app/git/trees", `{"tree":{"path":"a"}}`, want{production: true}},
		// Running the repository's workflows.
		{"workflow dispatch", c, "POST", "/repos/acme/app/actions/workflows/deploy.yml/dispatches", `{"ref":"feature","inputs":{"env":"production"}}`, want{production: true}},
		{"repository dispatch", c, "POST", "/repos/acme/app/dispatches", `{"event_type":"deploy"}`, want{production: true}},
		{"re-run", c, "POST", "/repos/acme/app/actions/runs/1/rerun", ``, want{production: true}},
		{"re-run failed jobs", c, "POST", "/repos/acme/app/actions/runs/1/rerun-failed-jobs", ``, want{production: true}},
		{"re-run a job", c, "POST", "/repos/acme/app/actions/jobs/1/rerun", ``, want{production: true}},
		{"approve a fork's run", c, "POST", "/repos/acme/app/actions/runs/1/approve", ``, want{production: true}},
		{"approve pending deployments", c, "POST", "/repos/acme/app/actions/runs/1/pending_deployments", `{}`, want{production: true}},
		{"enable a workflow", c, "PUT", "/repos/acme/app/actions/workflows/1/enable", ``, want{production: true}},
		{"re-request a check suite", c, "POST", "/repos/acme/app/check-suites/1/rerequest", ``, want{production: true}},
		{"runner registration token", c, "POST", "/repos/acme/app/actions/runners/registration-token", ``, want{production: true}},
		{"cancel a run", c, "POST", "/repos/acme/app/actions/runs/1/cancel", ``, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call, err := k.FromHTTP(tt.conn, &connector.HTTPRequest{Method: tt.method, RawPath: tt.path,
				Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(tt.body)})
			if err != nil {
				t.Fatal(err)
			}
			if call.Facts.Production != tt.want.production || call.Facts.Public != tt.want.public {
				t.Errorf("%s: production %v public %v, want %+v", call.Operation.Name, call.Facts.Production, call.Facts.Public, tt.want)
			}
			// Sealed and read again, by this connector or by one that
			// has learnt nothing, the call is the one decided on: what
			// was learnt is taken as decided, and Do confirms it.
			for _, again := range []*Connector{k, New()} {
				if err := connector.Recheck(again, tt.conn, gatewaytest.Resealed(t, call)); err != nil {
					t.Errorf("read again: %v", err)
				}
			}
		})
	}
}
