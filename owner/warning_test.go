package owner

import (
	"testing"

	"github.com/aos-dev/aos"
)

func TestBreadthWarning(t *testing.T) {
	secretKey := &aos.CredentialInfo{Kind: "secret key", AccountWide: true, CanWrite: true, Resources: []string{"*"}}
	read := func(scope string) *aos.Grant { return &aos.Grant{Scope: scope, Access: aos.Read} }
	write := func(scope string) *aos.Grant { return &aos.Grant{Scope: scope, Access: aos.Write} }
	tests := []struct {
		name   string
		info   *aos.CredentialInfo
		grants []*aos.Grant
		want   string
	}{
		{"secret key, write grant on refunds", secretKey, []*aos.Grant{write("refunds")},
			"the credential is a secret key that reaches the whole account; the grant covers refunds only"},
		{"secret key, read grant on refunds", secretKey, []*aos.Grant{read("refunds")},
			"the credential is a secret key that reaches the whole account and can write; the grant covers refunds only, read-only"},
		{"secret key, account-wide read grant", secretKey, []*aos.Grant{read("*")},
			"the credential is a secret key that can write; the grant covers the whole account, read-only"},
		{"covered", secretKey, []*aos.Grant{write("*")}, ""},
		{"no inspection", nil, []*aos.Grant{read("refunds")}, ""},
		{"resources beyond, several grants, no kind",
			&aos.CredentialInfo{Resources: []string{"a", "b", "c", "d", "e", "f"}}, []*aos.Grant{read("x"), write("y"), read("x")},
			"the credential also reaches a, b, c and 3 more; the grants cover x and y only"},
		{"an article before a vowel", &aos.CredentialInfo{Kind: "installation token", CanWrite: true}, []*aos.Grant{read("repo/a")},
			"the credential is an installation token that can write; the grant covers repo/a only, read-only"},
		{"no grants", &aos.CredentialInfo{Kind: "token", CanWrite: true}, nil,
			"the credential is a token that can write; no active grant uses it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := breadthWarning(tt.info, tt.info.Excess(tt.grants, nil), tt.grants)
			if got != tt.want {
				t.Errorf("breadthWarning =\n  %q\nwant\n  %q", got, tt.want)
			}
		})
	}
}

func TestListOf(t *testing.T) {
	tests := []struct {
		items []string
		want  string
	}{
		{nil, ""},
		{[]string{"a"}, "a"},
		{[]string{"a", "b"}, "a and b"},
		{[]string{"a", "b", "c"}, "a, b and c"},
		{[]string{"a", "b", "c", "d"}, "a, b, c and 1 more"},
	}
	for _, tt := range tests {
		if got := listOf(tt.items); got != tt.want {
			t.Errorf("listOf(%q) = %q, want %q", tt.items, got, tt.want)
		}
	}
}
