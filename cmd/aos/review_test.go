package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/secinfra"
)

// TestReview_CLI runs the access review through the real server and CLI:
// with a window shorter than the time since the grant was used (1ns), the
// grant and the connection are unused; the Markdown sign-off names them;
// the owner keeps the connection by decision and applies the revocation of
// the grant, which the agent then finds refused; the evidence verifies.
func TestReview_CLI(t *testing.T) {
	up := newUpstream(t)
	in := startInstance(t, "")
	agent := strings.TrimSpace(in.must(t, "", "agent", "add", "worker"))
	in.must(t, "key", "connect", "http", "crm", "--base-url", up.URL, "--scope", "/v1", "--to", "company", "--write")
	var grants []aos.Grant
	json.Unmarshal([]byte(in.must(t, "", "grants", "--json")), &grants)
	if len(grants) != 1 {
		t.Fatalf("grants %+v", grants)
	}
	g := grants[0].ID
	if status, body := call(t, "GET", in.url+"/v1/proxy/crm/v1/contacts", agent, ""); status != 200 {
		t.Fatalf("GET: %d %s", status, body)
	}

	// With the default window nothing is old enough to judge.
	var rep secinfra.ReviewReport
	if err := json.Unmarshal([]byte(in.must(t, "", "review", "--json")), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 0 || rep.Window != secinfra.DefaultReviewWindow.String() {
		t.Fatalf("default review: %+v", rep)
	}
	json.Unmarshal([]byte(in.must(t, "", "review", "--json", "--window", "1ns")), &rep)
	ids := map[string]bool{}
	for _, f := range rep.Findings {
		ids[f.ID] = true
	}
	if !ids["grant-unused/"+g] || !ids["connection-unused/crm"] {
		t.Fatalf("findings %v", ids)
	}
	md := in.must(t, "", "review", "--markdown", "--window", "1ns")
	for _, want := range []string{"# Access review", "### `grant-unused/" + g + "`", "aos review --apply grant-unused/" + g, "## Sign-off"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if text := in.must(t, "", "review", "--window", "1ns"); !strings.Contains(text, "grant-unused/"+g) {
		t.Errorf("text output:\n%s", text)
	}

	in.must(t, "", "review", "--window", "1ns", "--dismiss", "connection-unused/crm", "--reason", "kept for the quarterly export")
	json.Unmarshal([]byte(in.must(t, "", "review", "--json", "--window", "1ns")), &rep)
	for _, f := range rep.Findings {
		if f.ID == "connection-unused/crm" {
			t.Fatal("a dismissed finding is shown")
		}
	}
	if len(rep.Dismissed) != 1 || rep.Dismissed[0].Reason != "kept for the quarterly export" {
		t.Fatalf("dismissed %+v", rep.Dismissed)
	}

	if out := in.must(t, "", "review", "--window", "1ns", "--apply", "grant-unused/"+g); !strings.Contains(out, "revoked grant "+g) {
		t.Fatalf("apply: %s", out)
	}
	if status, _ := call(t, "GET", in.url+"/v1/proxy/crm/v1/contacts", agent, ""); status != 403 {
		t.Fatalf("GET after the revocation: %d", status)
	}
	if code, _, errs := in.aos(t, "", "review", "--apply", "rotation-overdue/crm"); code != 1 || !strings.Contains(errs, "not_found") {
		t.Fatalf("apply of a finding that is not there: %d %s", code, errs)
	}
	for _, args := range [][]string{
		{"review", "--apply"},
		{"review", "--dismiss", "x"},
		{"review", "--json", "--markdown"},
		{"review", "--reason", "x"},
		{"review", "--window", "soon"},
		{"review", "stray"},
	} {
		if code, _, _ := in.aos(t, "", args...); code != 2 {
			t.Errorf("aos %s: exit %d, want 2", strings.Join(args, " "), code)
		}
	}
	if code, _, _ := in.aos(t, "", "serve", "--review-every", "-1h"); code != 2 {
		t.Errorf("serve --review-every -1h: exit %d, want 2", code)
	}
	in.stop()
	if code, out, errs := in.aos(t, "", "evidence", "verify"); code != 0 {
		t.Fatalf("verify: %d\n%s%s", code, out, errs)
	}
}
