package github

import (
	"testing"

	"github.com/aos-dev/aos"
)

func TestCheckScope(t *testing.T) {
	tests := []struct {
		in, want string // want "" for an error
	}{
		{"*", "*"},
		{"repo:Acme/App", "repo:acme/app"},
		{"repo:acme/my.repo-1_x", "repo:acme/my.repo-1_x"},
		{"org:Acme", "org:acme"},
		{"", ""},
		{"acme/app", ""},
		{"repo:acme", ""},
		{"repo:acme/app/x", ""},
		{"repo:acme/..", ""},
		{"repo:acme/*", ""},
		{"org:", ""},
		{"org:acme/app", ""},
		{"repo: acme/app", ""},
		{"**", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := CheckScope(tt.in)
			if tt.want == "" {
				if aos.ErrorCode(err) != aos.EBadRequest {
					t.Errorf("CheckScope(%q) = %q, %v; want bad_request", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("CheckScope(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		scope, resource string
		want            bool
	}{
		{"repo:acme/app", "repo:acme/app", true},
		{"repo:ACME/App", "repo:acme/app", true},
		{"repo:acme/app", "repo:acme/other", false},
		{"repo:acme/app", "repo:acme/app2", false},
		{"repo:acme/app", "org:acme", false},
		{"repo:acme/app", "self", true},
		{"repo:acme/app", "account", false},
		{"org:acme", "repo:acme/app", true},
		{"org:acme", "repo:acmeco/app", false},
		{"org:acme", "org:acme", true},
		{"org:acme", "org:other", false},
		{"org:acme", "account", false},
		{"*", "repo:x/y", true},
		{"*", "account", true},
		{"*", "self", true},
		{"bogus", "self", false},
		{"repo:acme/app", "repo:acme/app/x", false},
		{"*", "something-else", false},
	}
	for _, tt := range tests {
		t.Run(tt.scope+" "+tt.resource, func(t *testing.T) {
			if got := Covers(tt.scope, tt.resource); got != tt.want {
				t.Errorf("Covers(%q, %q) = %v", tt.scope, tt.resource, got)
			}
		})
	}
}

func TestResourceOf(t *testing.T) {
	tests := []struct {
		method, path, want string
	}{
		{"GET", "/repos/Acme/App/issues", "repo:acme/app"},
		{"POST", "/repos/acme/tmpl/generate", "repo:acme/tmpl"},
		{"GET", "/orgs/Acme/repos", "org:acme"},
		{"PUT", "/organizations/acme/actions/cache/retention-limit", "org:acme"},
		{"GET", "/user", "self"},
		{"GET", "/rate_limit", "self"},
		{"PATCH", "/user", "account"},
		{"GET", "/user/repos", "account"},
		{"GET", "/search/issues", "account"},
		{"PUT", "/user/starred/acme/app", "account"},
		{"GET", "/users/octocat/repos", "account"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			p, err := parsePath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			d, _, err := match(tt.method, p)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := resourceOf(d, p); err != nil || got != tt.want {
				t.Errorf("resource = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
