package github

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
)

// TestTables checks the generated tables as a whole: they parse, every
// operation has a method, a path and an access, names are unique, reads
// raise nothing, and the embedded files stay small.
func TestTables(t *testing.T) {
	total := 0
	err := fs.WalkDir(tableFiles, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			info, _ := d.Info()
			total += int(info.Size())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > 1<<20 {
		t.Errorf("the embedded tables are %d bytes; keep them under 1 MiB", total)
	}
	ops := operations()
	if len(ops) < 800 {
		t.Errorf("only %d operations; the families of internal/gen give over 800", len(ops))
	}
	seen := map[string]bool{}
	for _, op := range ops {
		d, ok := lookup(op.Name)
		switch {
		case !ok:
			t.Errorf("%s cannot be looked up", op.Name)
		case seen[op.Name]:
			t.Errorf("%s is declared twice", op.Name)
		case d.Method() == "" || d.Pattern() == "" || op.Access == "":
			t.Errorf("%s lacks a method, path or access", op.Name)
		case (d.Method() == "GET" || d.Method() == "HEAD") != (op.Access == aos.Read):
			t.Errorf("%s: %s is %s", op.Name, d.Method(), op.Access)
		case op.Access == aos.Read && len(op.Points) > 0:
			t.Errorf("%s reads but raises %v", op.Name, op.Points)
		}
		seen[op.Name] = true
	}
	// Every operation the table marks "(code)" is decided by code, and
	// every one code decides lists its points.
	for _, name := range codeMarked(t) {
		_, branch := branchTargets[name]
		_, files := dotGitHubWrites[name]
		if !branch && !files && name != createRelease && name != updateRelease && name != updateRepo {
			t.Errorf("%s is marked (code) in the table, but no code decides its points", name)
		}
	}
	for name := range branchTargets {
		wantPoints(t, name, aos.PointProduction)
	}
	for name := range dotGitHubWrites {
		wantPoints(t, name, aos.PointProduction)
	}
	wantPoints(t, createRelease, aos.PointPublicClaim)
	wantPoints(t, updateRelease, aos.PointPublicClaim)
	wantPoints(t, updateRepo, aos.PointPublicClaim, aos.PointProduction)
}

// codeMarked returns the operations the embedded tables mark "(code)".
func codeMarked(t *testing.T) []string {
	t.Helper()
	var names []string
	entries, _ := tableFiles.ReadDir(".")
	for _, e := range entries {
		data, _ := tableFiles.ReadFile(e.Name())
		for _, line := range strings.Split(string(data), "\n") {
			if !strings.Contains(line, "# (code)") {
				continue
			}
			name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "- {name: "), ",")
			names = append(names, name)
		}
	}
	if len(names) < 10 {
		t.Errorf("only %d operations are marked (code)", len(names))
	}
	return names
}

func wantPoints(t *testing.T, name string, want ...aos.ApprovalPoint) {
	t.Helper()
	d, ok := lookup(name)
	if !ok {
		t.Errorf("%s is not in the table", name)
		return
	}
	if got := d.Operation().Points; !slices.Equal(got, want) {
		t.Errorf("%s raises %v, want %v", name, got, want)
	}
}

// TestTables_Points spot-checks the approval points of the table.
func TestTables_Points(t *testing.T) {
	tests := []struct {
		op   string
		want []aos.ApprovalPoint
	}{
		{"pulls.merge", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.update-branch-protection", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.delete-branch-protection", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.set-admin-branch-protection", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.create-repo-ruleset", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.update-org-ruleset", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.create-or-update-repo-secret", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.create-or-update-org-secret", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.create-or-update-environment-secret", []aos.ApprovalPoint{aos.PointProduction}},
		{"dependabot.create-or-update-repo-secret", []aos.ApprovalPoint{aos.PointProduction}},
		{"codespaces.create-or-update-repo-secret", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.create-webhook", []aos.ApprovalPoint{aos.PointProduction}},
		{"orgs.update-webhook", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.add-collaborator", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.remove-collaborator", []aos.ApprovalPoint{aos.PointProduction}},
		{"orgs.set-membership-for-user", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.create-deploy-key", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.create-or-update-environment", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.create-deployment", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.create-deployment-status", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.delete", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.create-workflow-dispatch", []aos.ApprovalPoint{aos.PointProduction}},
		{"repos.create-dispatch-event", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.re-run-workflow", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.re-run-workflow-failed-jobs", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.re-run-job-for-workflow-run", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.approve-workflow-run", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.review-pending-deployments-for-run", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.enable-workflow", []aos.ApprovalPoint{aos.PointProduction}},
		{"checks.rerequest-suite", []aos.ApprovalPoint{aos.PointProduction}},
		{"checks.rerequest-run", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.create-self-hosted-runner-group-for-org", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.create-registration-token-for-repo", []aos.ApprovalPoint{aos.PointProduction}},
		{"git.create-tree", []aos.ApprovalPoint{aos.PointProduction}},
		{"actions.cancel-workflow-run", nil},
		{"actions.disable-workflow", nil},
		{"repos.create-release", []aos.ApprovalPoint{aos.PointPublicClaim}},
		{"repos.create-pages-site", []aos.ApprovalPoint{aos.PointPublicClaim}},
		{"repos.request-pages-build", []aos.ApprovalPoint{aos.PointPublicClaim}},
		{"issues.create", nil},
		{"issues.create-comment", nil},
		{"pulls.create", nil},
		{"git.create-blob", nil},
		{"actions.create-repo-variable", nil},
		{"repos.generate-release-notes", nil},
		{"repos.get", nil},
		{"actions.get-repo-secret", nil},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			d, ok := lookup(tt.op)
			if !ok {
				t.Fatalf("%s is not in the table", tt.op)
			}
			if got := d.Operation().Points; !slices.Equal(got, tt.want) {
				t.Errorf("points = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		method, path string
		op           string // "" for unknown
		params       map[string]string
	}{
		{"GET", "/repos/acme/app", "repos.get", map[string]string{"owner": "acme", "repo": "app"}},
		{"get", "/repos/acme/app", "repos.get", nil},
		{"PUT", "/repos/acme/app/pulls/7/merge", "pulls.merge", map[string]string{"pull_number": "7"}},
		{"PATCH", "/repos/acme/app/git/refs/heads%2Fmain", "git.update-ref", map[string]string{"ref": "heads/main"}},
		{"PATCH", "/repos/acme/app/git/refs/heads/feature/x", "git.update-ref", map[string]string{"ref": "heads/feature/x"}},
		{"GET", "/repos/acme/app/contents/docs%2Fa%20b.md", "repos.get-content", map[string]string{"path": "docs/a b.md"}},
		{"GET", "/repos/acme/app/contents/", "repos.get-content-root-slash", nil},
		{"PUT", "/repos/acme/app/branches/release%2Fv1/protection", "repos.update-branch-protection", map[string]string{"branch": "release/v1"}},
		{"GET", "/repos/acme/app/branches/feature/x", "repos.get-branch", map[string]string{"branch": "feature/x"}},
		{"GET", "/repos/acme/app/issues/comments/5", "issues.get-comment", nil},
		{"GET", "/repos/acme/app/issues/5/comments", "issues.list-comments", nil},
		{"GET", "/repos/acme/app/issues/comments/comments", "", nil}, // two operations, neither more specific
		{"GET", "/repos/acme/app/pulls/comments", "pulls.list-review-comments-for-repo", nil},
		{"GET", "/repos/acme/app/nonsense", "", nil},
		{"DELETE", "/user", "", nil},
		{"TRACE", "/repos/acme/app", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			p, err := parsePath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			d, params, err := match(normalize(tt.method), p)
			if tt.op == "" {
				if aos.ErrorCode(err) != aos.EUnknownOperation {
					t.Fatalf("got %v, %v; want unknown_operation", d, err)
				}
				return
			}
			if err != nil || d.Name() != tt.op {
				t.Fatalf("got %v, %v; want %s", d, err, tt.op)
			}
			for k, v := range tt.params {
				if params[k] != v {
					t.Errorf("param %s = %q, want %q", k, params[k], v)
				}
			}
		})
	}
}

func normalize(m string) string { s, _ := normalizeMethod(m); return s }
