package github_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/github"
	"github.com/aos-dev/aos/connector/github/githubtest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/internal/testenv"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

const sealed = "ghp_sealedbyowner000000000000000000000"

// step is one Octokit call of internal/testtools/node/github-sdk.mjs.
type step struct {
	Name       string         `json:"name"`
	Connection string         `json:"connection"`
	Method     string         `json:"method,omitempty"`
	Route      string         `json:"route,omitempty"`
	Params     map[string]any `json:"params,omitempty"`
	Paginate   bool           `json:"paginate,omitempty"`
}

// outcome is what Octokit made of a step's answer.
type outcome struct {
	Name   string          `json:"name"`
	OK     bool            `json:"ok"`
	Status int             `json:"status"`
	Data   json.RawMessage `json:"data"`
	Error  string          `json:"error"`
}

func (o outcome) field(t *testing.T, path ...string) any {
	t.Helper()
	var v any
	json.Unmarshal(o.Data, &v)
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

// octokit runs steps with the unmodified @octokit/rest client.
func octokit(t *testing.T, gateway, token string, steps []step) map[string]outcome {
	t.Helper()
	dir, node := testenv.NodeDir(t)
	raw, _ := json.Marshal(steps)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "github-sdk.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AOS_GATEWAY="+gateway, "AOS_TOKEN="+token, "AOS_STEPS="+string(raw))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node github-sdk.mjs: %v\n%s", err, stderr.String())
	}
	var outs []outcome
	if err := json.Unmarshal(stdout.Bytes(), &outs); err != nil {
		t.Fatalf("node github-sdk.mjs printed %q: %v", stdout.String(), err)
	}
	byName := map[string]outcome{}
	for _, o := range outs {
		byName[o.Name] = o
	}
	return byName
}

// TestOctokit_throughGateway drives the gateway with Octokit: reads and
// writes within a grant go through, a write on a read grant, a repository
// outside the scope and an undeclared operation are refused with the
// contract's codes before GitHub sees them, a merge into the default
// branch and a published release are held, and GitHub only ever sees the
// sealed token.
func TestOctokit_throughGateway(t *testing.T) {
	gh := githubtest.Start(t, sealed)
	app := gh.AddRepo("acme", "app", "main", true)
	gh.AddRepo("acme", "secret", "main", true)
	gh.AddIssues(app, 3)
	toMain := gh.AddPull(app, "main", "feature", "Ship it")
	toRelease := gh.AddPull(app, "release", "fix", "Backport")

	in := gatewaytest.Start(t, github.New())
	token := in.Agent(t, "coder", "engineering")
	for _, c := range []struct {
		name, scope string
		write       bool
	}{{"gh", "repo:acme/app", true}, {"ghro", "repo:Acme/App", false}} {
		in.Connect(t, owner.ConnectRequest{Type: github.Type, Name: c.name, Scope: c.scope, To: "company", Write: c.write,
			BaseURL: gh.URL, Credential: vault.NewSecret([]byte(sealed))})
	}

	repo := map[string]any{"owner": "acme", "repo": "app"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{"owner": "acme", "repo": "app"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	protection := with("branch", "main", "required_status_checks", nil, "enforce_admins", true,
		"required_pull_request_reviews", nil, "restrictions", nil)
	out := octokit(t, in.URL, token, []step{
		{Name: "whoami on a read grant", Connection: "ghro", Method: "users.getAuthenticated"},
		{Name: "get repo", Connection: "gh", Method: "repos.get", Params: repo},
		{Name: "list issues", Connection: "ghro", Method: "issues.listForRepo", Params: with("per_page", 2)},
		{Name: "all issues, page by page", Connection: "ghro", Method: "issues.listForRepo", Params: with("per_page", 2), Paginate: true},
		{Name: "create issue", Connection: "gh", Method: "issues.create", Params: with("title", "Found a bug")},
		{Name: "create issue on a read grant", Connection: "ghro", Method: "issues.create", Params: with("title", "No")},
		{Name: "repo outside the scope", Connection: "gh", Method: "repos.get", Params: map[string]any{"owner": "acme", "repo": "secret"}},
		{Name: "undeclared operation", Connection: "gh", Route: "GET /repos/{owner}/{repo}/nonsense", Params: repo},
		{Name: "get pull into release", Connection: "gh", Method: "pulls.get", Params: with("pull_number", toRelease)},
		{Name: "merge into release", Connection: "gh", Method: "pulls.merge", Params: with("pull_number", toRelease)},
		{Name: "merge into main", Connection: "gh", Method: "pulls.merge", Params: with("pull_number", toMain)},
		{Name: "push to a feature branch", Connection: "gh", Method: "git.updateRef", Params: with("ref", "heads/feature", "sha", "f00d")},
		{Name: "push to main", Connection: "gh", Method: "git.updateRef", Params: with("ref", "heads/main", "sha", "bad")},
		{Name: "draft release", Connection: "gh", Method: "repos.createRelease", Params: with("tag_name", "v0.9", "draft", true)},
		{Name: "publish release", Connection: "gh", Method: "repos.createRelease", Params: with("tag_name", "v1.0")},
		{Name: "branch protection", Connection: "gh", Method: "repos.updateBranchProtection", Params: protection},
		{Name: "actions secret", Connection: "gh", Method: "actions.createOrUpdateRepoSecret",
			Params: with("secret_name", "DEPLOY_KEY", "encrypted_value", "c2VjcmV0", "key_id", "568250167242549743")},
		// Running the repository's workflows, which hold its deploy secrets.
		{Name: "dispatch a workflow", Connection: "gh", Method: "actions.createWorkflowDispatch",
			Params: with("workflow_id", "deploy.yml", "ref", "feature", "inputs", map[string]any{"env": "production"})},
		{Name: "repository dispatch", Connection: "gh", Method: "repos.createDispatchEvent", Params: with("event_type", "deploy")},
		{Name: "re-run a workflow", Connection: "gh", Method: "actions.reRunWorkflow", Params: with("run_id", 42)},
		{Name: "re-run failed jobs", Connection: "gh", Method: "actions.reRunWorkflowFailedJobs", Params: with("run_id", 42)},
		{Name: "re-run a job", Connection: "gh", Method: "actions.reRunJobForWorkflowRun", Params: with("job_id", 7)},
		{Name: "enable a workflow", Connection: "gh", Method: "actions.enableWorkflow", Params: with("workflow_id", "deploy.yml")},
		{Name: "workflow file on a feature branch", Connection: "gh", Method: "repos.createOrUpdateFileContents",
			Params: with("path", ".github/workflows/deploy.yml", "branch", "feature", "message", "m", "content", "b246IHB1c2g=")},
		{Name: "merge into refs/heads/main", Connection: "gh", Method: "repos.merge", Params: with("base", "refs/heads/main", "head", "feature")},
		{Name: "undeclared query on a write", Connection: "gh", Route: "POST /repos/{owner}/{repo}/issues?labels=bug", Params: with("title", "Q")},
	})

	t.Run("granted calls go through", func(t *testing.T) {
		for name, status := range map[string]int{"whoami on a read grant": 200, "get repo": 200, "list issues": 200,
			"create issue": 201, "get pull into release": 200, "merge into release": 200,
			"push to a feature branch": 200, "draft release": 201} {
			if o := out[name]; !o.OK || o.Status != status {
				t.Errorf("%s: %+v, want %d", name, o, status)
			}
		}
		var all []map[string]any
		json.Unmarshal(out["all issues, page by page"].Data, &all)
		if len(all) != 3 {
			t.Errorf("paginate: %d issues, want 3: %+v", len(all), out["all issues, page by page"])
		}
		if got := out["get repo"].field(t, "default_branch"); got != "main" {
			t.Errorf("default_branch = %v", got)
		}
		if got := out["merge into release"].field(t, "merged"); got != true {
			t.Errorf("merge into release: %s", out["merge into release"].Data)
		}
		if gh.Ref(app, "heads/feature") != "f00d" || !gh.Merged(app, toRelease) {
			t.Error("the allowed writes did not reach GitHub")
		}
	})
	t.Run("refusals are Octokit RequestErrors with the contract's codes", func(t *testing.T) {
		for name, code := range map[string]string{"create issue on a read grant": aos.EReadOnly,
			"repo outside the scope": aos.EOutOfScope, "undeclared operation": aos.EUnknownOperation} {
			o := out[name]
			if o.OK || o.Status != 403 || o.Error != "HttpError" || o.field(t, "error", "code") != code {
				t.Errorf("%s: %+v, want 403 %s", name, o, code)
			}
		}
		if o := out["undeclared query on a write"]; o.OK || o.Status != 400 || o.field(t, "error", "code") != aos.EBadRequest {
			t.Errorf("undeclared query on a write: %+v, want 400 %s", o, aos.EBadRequest)
		}
	})
	held := map[string]string{"merge into main": "production", "push to main": "production",
		"publish release": "public-claim", "branch protection": "production", "actions secret": "production",
		"dispatch a workflow": "production", "repository dispatch": "production", "re-run a workflow": "production",
		"re-run failed jobs": "production", "re-run a job": "production", "enable a workflow": "production",
		"workflow file on a feature branch": "production", "merge into refs/heads/main": "production"}
	t.Run("approval points hold the call", func(t *testing.T) {
		for name, point := range held {
			o := out[name]
			if !o.OK || o.Status != 202 || o.field(t, "approval_point") != point || o.field(t, "status") != "pending" {
				t.Errorf("%s: %+v, want 202 held at %s", name, o, point)
			}
		}
		if gh.Merged(app, toMain) || gh.Ref(app, "heads/main") == "bad" {
			t.Error("a held write reached GitHub")
		}
	})
	t.Run("GitHub saw only the sealed token and nothing refused or held", func(t *testing.T) {
		for _, r := range gh.Requests() {
			if r.Authorization != "Bearer "+sealed || strings.Contains(string(r.Body)+r.Path, token) {
				t.Errorf("%s %s reached GitHub with Authorization %q", r.Method, r.Path, r.Authorization)
			}
			switch {
			case r.Method != "GET" && (strings.Contains(r.Path, "/actions/") || strings.HasSuffix(r.Path, "/dispatches") ||
				strings.Contains(r.Path, "/contents/") || strings.HasSuffix(r.Path, "/merges") || r.Query != ""):
				t.Errorf("GitHub received %s %s?%s", r.Method, r.Path, r.Query)
			case strings.Contains(r.Path, "/secret"), strings.Contains(r.Path, "nonsense"),
				strings.Contains(r.Path, "/protection"), r.Method == "PATCH" && strings.HasSuffix(r.Path, "main"),
				strings.HasSuffix(r.Path, "/releases") && !strings.Contains(string(r.Body), `"draft":true`),
				r.Method == "POST" && strings.HasSuffix(r.Path, "/issues") && strings.Contains(string(r.Body), `"No"`):
				t.Errorf("GitHub received %s %s", r.Method, r.Path)
			}
		}
	})
	t.Run("an approved workflow dispatch runs once", func(t *testing.T) {
		id, _ := out["dispatch a workflow"].field(t, "approval_id").(string)
		a, err := in.Gateway.Approve(context.Background(), in.Boss, id, "deploy window")
		if err != nil {
			t.Fatal(err)
		}
		d := gh.Dispatches(app)
		if a.Status != aos.ApprovalExecuted || len(d) != 1 || d[0].Inputs["env"] != "production" {
			t.Errorf("approval %s is %s; dispatches %+v", id, a.Status, d)
		}
	})
	t.Run("an approved merge into main runs once", func(t *testing.T) {
		id, _ := out["merge into main"].field(t, "approval_id").(string)
		a, err := in.Gateway.Approve(context.Background(), in.Boss, id, "reviewed")
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != aos.ApprovalExecuted || !gh.Merged(app, toMain) {
			t.Errorf("approval %s is %s; merged %v", id, a.Status, gh.Merged(app, toMain))
		}
	})
	in.Verify(t)
}
