package github

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

func TestCheckWriteQuery(t *testing.T) {
	tests := []struct {
		name, method, path, query string
		code                      string // "" when accepted
	}{
		{"write without a query", "POST", "/repos/acme/app/issues", "", ""},
		{"write with an undeclared parameter", "POST", "/repos/acme/app/issues", "labels=bug", aos.EBadRequest},
		{"write with an empty parameter", "POST", "/repos/acme/app/issues", "x=", aos.EBadRequest},
		{"write with a bare name", "PUT", "/repos/acme/app/pulls/1/merge", "merge_method", aos.EBadRequest},
		{"write with a method override", "POST", "/repos/acme/app/issues/1/comments", "_method=DELETE", aos.EBadRequest},
		{"declared parameters", "DELETE", "/repos/acme/app/actions/caches", "key=k&ref=refs%2Fheads%2Fmain", ""},
		{"declared and undeclared", "DELETE", "/repos/acme/app/actions/caches", "key=k&force=1", aos.EBadRequest},
		{"declared in another case", "DELETE", "/repos/acme/app/actions/caches", "KEY=k", aos.EBadRequest},
		{"read with a filter", "GET", "/repos/acme/app/issues", "labels=bug&per_page=2", ""},
	}
	k, c := New(), testConn()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := k.FromHTTP(c, &connector.HTTPRequest{Method: tt.method, RawPath: tt.path, RawQuery: tt.query,
				Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"title":"t"}`)})
			if aos.ErrorCode(err) != tt.code && !(tt.code == "" && err == nil) {
				t.Fatalf("FromHTTP = %v; want %q", err, tt.code)
			}
			if err != nil && !strings.Contains(aos.ErrorMessage(err), "query parameter") {
				t.Fatalf("message %q does not say which query parameter", aos.ErrorMessage(err))
			}
		})
	}
	t.Run("through POST /v1/call", func(t *testing.T) {
		_, err := k.FromCall(c, "issues.create", json.RawMessage(`{"params":{"owner":"acme","repo":"app"},"query":{"labels":"bug"},"body":{"title":"t"}}`))
		if aos.ErrorCode(err) != aos.EBadRequest {
			t.Fatalf("FromCall = %v; want %s", err, aos.EBadRequest)
		}
	})
	t.Run("Do refuses one added after the decision", func(t *testing.T) {
		f, c := upstream(t)
		call, err := k.FromHTTP(c, &connector.HTTPRequest{Method: "POST", RawPath: "/repos/acme/app/issues",
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"title":"t"}`)})
		if err != nil {
			t.Fatal(err)
		}
		call.Upstream.URL += "?labels=bug"
		if _, err := recheckAndDo(k, c, call); aos.ErrorCode(err) != aos.EBadRequest {
			t.Fatalf("Do = %v; want %s", err, aos.EBadRequest)
		}
		if n := len(f.Requests()); n != 0 {
			t.Fatalf("GitHub received %d requests", n)
		}
	})
}

func TestUnderDotGitHub(t *testing.T) {
	for path, want := range map[string]bool{
		".github/workflows/x.yml": true, ".GITHUB/x": true, "./.github/x": true, "/.github/x": true,
		`.github\workflows\x.yml`: true, "a/../.github/x": true, "a/b/../c": true, "../x": true, "": true, ".": true,
		".github": true, "src/.github/x": false, ".githubx/y": false, "README.md": false,
	} {
		if got := underDotGitHub(path); got != want {
			t.Errorf("underDotGitHub(%q) = %v; want %v", path, got, want)
		}
	}
}
