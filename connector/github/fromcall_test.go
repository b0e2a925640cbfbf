package github

import (
	"encoding/json"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/internal/gatewaytest"
)

func TestConnector_FromCall(t *testing.T) {
	k := New()
	c := testConn()
	tests := []struct {
		name, op, args string
		url, resource  string
		code           string
	}{
		{"merge", "pulls.merge", `{"params":{"owner":"acme","repo":"app","pull_number":7},"body":{"merge_method":"squash"}}`,
			"https://api.github.com/repos/acme/app/pulls/7/merge", "repo:acme/app", ""},
		{"file path with slashes", "repos.get-content", `{"params":{"owner":"acme","repo":"app","path":"docs/a b.md"},"query":{"ref":"dev"}}`,
			"https://api.github.com/repos/acme/app/contents/docs/a%20b.md?ref=dev", "repo:acme/app", ""},
		{"branch with a slash", "repos.get-branch-protection", `{"params":{"owner":"acme","repo":"app","branch":"release/v1"}}`,
			"https://api.github.com/repos/acme/app/branches/release%2Fv1/protection", "repo:acme/app", ""},
		{"list with query", "issues.list-for-repo", `{"params":{"owner":"acme","repo":"app"},"query":{"per_page":50,"state":"open"}}`,
			"https://api.github.com/repos/acme/app/issues?per_page=50&state=open", "repo:acme/app", ""},
		{"no parameters", "users.get-authenticated", ``, "https://api.github.com/user", "self", ""},
		{"unknown operation", "repos.nuke", `{}`, "", "", aos.EUnknownOperation},
		{"missing parameter", "pulls.merge", `{"params":{"owner":"acme","repo":"app"}}`, "", "", aos.EBadRequest},
		{"extra parameter", "repos.get", `{"params":{"owner":"acme","repo":"app","x":"y"}}`, "", "", aos.EBadRequest},
		{"unknown field", "repos.get", `{"params":{"owner":"acme","repo":"app"},"headers":{}}`, "", "", aos.EBadRequest},
		{"climbing parameter", "repos.get-content", `{"params":{"owner":"acme","repo":"app","path":"../../orgs"}}`, "", "", aos.EOutOfScope},
		{"parameter making another path", "issues.list-comments", `{"params":{"owner":"acme","repo":"app","issue_number":"comments"}}`, "", "", aos.EUnknownOperation},
		{"bad owner", "repos.get", `{"params":{"owner":"ac me","repo":"app"}}`, "", "", aos.EBadRequest},
		{"object query", "repos.get", `{"params":{"owner":"acme","repo":"app"},"query":{"a":{}}}`, "", "", aos.EBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call, err := k.FromCall(c, tt.op, json.RawMessage(tt.args))
			if tt.code != "" {
				if aos.ErrorCode(err) != tt.code {
					t.Fatalf("got %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if call.Operation.Name != tt.op || call.Upstream.URL != tt.url || call.Resource != tt.resource {
				t.Errorf("got %s %s %s", call.Operation.Name, call.Upstream.URL, call.Resource)
			}
			if err := connector.Recheck(k, c, gatewaytest.Resealed(t, call)); err != nil {
				t.Errorf("read again: %v", err)
			}
		})
	}
}
