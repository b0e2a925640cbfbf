package github

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/github/githubtest"
	"github.com/aos-dev/aos/vault"
)

func TestConnector_Inspect(t *testing.T) {
	tests := []struct {
		name, token, scopes string
		kind                string
		want                []string // scopes
		resources           []string
		accountWide, write  bool
	}{
		{"classic", "ghp_classic000000000000000000000000000", "repo, read:org", "classic token",
			[]string{"read:org", "repo"}, nil, true, true},
		{"classic read-only", "ghp_classic000000000000000000000000000", "read:org, user:email", "classic token",
			[]string{"read:org", "user:email"}, nil, true, false},
		{"fine-grained", "github_pat_11AAAA_bbbb", "", "fine-grained token",
			nil, []string{"repo:acme/app"}, false, true},
		{"installation", "ghs_install0000000000000000000000000", "", "GitHub App installation token",
			nil, []string{"repo:acme/app"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := githubtest.Start(t, tt.token)
			f.Scopes = tt.scopes
			f.AddRepo("acme", "app", "main", true)
			c := &aos.Connection{Name: "gh", BaseURL: f.URL}
			New().Configure(c)
			info, err := New().Inspect(context.Background(), c, vault.NewSecret([]byte(tt.token)))
			if err != nil {
				t.Fatal(err)
			}
			if info.Kind != tt.kind || !slices.Equal(info.Scopes, tt.want) || !slices.Equal(info.Resources, tt.resources) ||
				info.AccountWide != tt.accountWide || info.CanWrite != tt.write {
				t.Errorf("got %+v", info)
			}
		})
	}
	t.Run("a wrong token", func(t *testing.T) {
		f := githubtest.Start(t, "ghp_right0000000000000000000000000000")
		c := &aos.Connection{Name: "gh", BaseURL: f.URL}
		New().Configure(c)
		_, err := New().Inspect(context.Background(), c, vault.NewSecret([]byte("ghp_wrong0000000000000000000000000000")))
		if aos.ErrorCode(err) != aos.EUpstream || strings.Contains(err.Error(), "ghp_wrong") {
			t.Errorf("got %v", err)
		}
	})
}

func TestConnector_CheckCredential(t *testing.T) {
	tests := []struct {
		token string
		ok    bool
	}{
		{"ghp_abc", true},
		{"github_pat_11AAA_bbb\n", true},
		{"0123456789abcdef0123456789abcdef01234567", true}, // an old GitHub Enterprise token
		{"", false},
		{"Bearer ghp_abc", false},
		{"ghp_a\tb", false},
		{"ghr_refresh", false},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			err := New().CheckCredential(&aos.Connection{}, vault.NewSecret([]byte(tt.token)))
			if (err == nil) != tt.ok {
				t.Errorf("got %v", err)
			}
			if err != nil && tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Errorf("the error repeats the token: %v", err)
			}
		})
	}
}
