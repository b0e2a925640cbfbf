package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	if err := run("testdata/spec.json", dir); err != nil {
		t.Fatal(err)
	}
	one, err := os.ReadFile(filepath.Join(dir, "operations.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	two, err := os.ReadFile(filepath.Join(dir, "operations-2.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`{name: repos.get, method: GET, path: "/repos/{owner}/{repo}", access: read}`,
		`{name: repos.update, method: PATCH, path: "/repos/{owner}/{repo}", access: write, points: [public-claim, production]}  # (code)`,
		`{name: pulls.merge, method: PUT, path: "/repos/{owner}/{repo}/pulls/{pull_number}/merge", access: write, points: [production]}  # (code)`,
		// A multi-segment parameter becomes a rest parameter only when last.
		`path: "/repos/{owner}/{repo}/git/refs/{ref...}"`,
		`path: "/repos/{owner}/{repo}/branches/{branch}/protection", access: write, points: [production]}`,
		`{name: repos.create-pages-site, method: POST, path: "/repos/{owner}/{repo}/pages", access: write, points: [public-claim]}`,
		`{name: repos.create-webhook, method: POST, path: "/repos/{owner}/{repo}/hooks", access: write, points: [production]}`,
		`Left out, since a parameter is not a whole segment (another operation covers the path): repos.compare-commits.`,
		// Running workflows is production.
		`{name: actions.create-workflow-dispatch, method: POST, path: "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", access: write, points: [production]}`,
		`{name: actions.re-run-workflow, method: POST, path: "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun", access: write, points: [production]}`,
		`{name: repos.create-dispatch-event, method: POST, path: "/repos/{owner}/{repo}/dispatches", access: write, points: [production]}`,
	} {
		if !strings.Contains(string(one), want) {
			t.Errorf("operations.yaml lacks %s\n%s", want, one)
		}
	}
	if strings.Contains(string(one), "gists.") {
		t.Error("a family outside the list is in the table")
	}
	// The overlapping pair is split over the two tables.
	if strings.Contains(string(one), "issues.list-comments") == strings.Contains(string(two), "issues.list-comments") ||
		!strings.Contains(string(one)+string(two), "issues.get-comment") {
		t.Errorf("the overlapping operations are not split:\n%s\n%s", one, two)
	}
	// The query parameters of writes, from the operation and its path
	// item; reads are not listed.
	wq, err := os.ReadFile(filepath.Join(dir, "writequery.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"actions.delete-actions-cache-by-key": {"key", "ref"},`,
		`"actions.re-run-workflow":             {"x"},`,
	} {
		if !strings.Contains(string(wq), want) {
			t.Errorf("writequery.go lacks %s\n%s", want, wq)
		}
	}
	if strings.Contains(string(wq), "get-actions-cache-list") || strings.Contains(string(wq), "create-workflow-dispatch") {
		t.Errorf("writequery.go lists a read or a write without query parameters:\n%s", wq)
	}
	// Generating again gives the same bytes.
	again := t.TempDir()
	if err := run("testdata/spec.json", again); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(again, "operations.yaml")); string(b) != string(one) {
		t.Error("the output is not deterministic")
	}
}
