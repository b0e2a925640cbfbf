package aos

import (
	"slices"
	"strings"
	"testing"
)

// prefixCovers is a connector-like Covers: a scope covers itself and
// everything under it ("repo/a" covers "repo/a/issues").
func prefixCovers(scope, resource string) bool {
	return strings.HasPrefix(resource, scope+"/")
}

func TestCredentialInfo_Excess(t *testing.T) {
	read := func(scope string) *Grant { return &Grant{Scope: scope, Access: Read} }
	write := func(scope string) *Grant { return &Grant{Scope: scope, Access: Write} }
	tests := []struct {
		name    string
		info    *CredentialInfo
		grants  []*Grant
		covers  func(scope, resource string) bool
		want    CredentialExcess
		broader bool
	}{
		{name: "nil info reaches nothing", grants: []*Grant{read("refunds")}},
		{name: "narrow read-only key within a read grant",
			info: &CredentialInfo{Kind: "restricted key", Resources: []string{"refunds"}}, grants: []*Grant{read("refunds")}},
		{name: "account-wide key, narrow grant",
			info:   &CredentialInfo{AccountWide: true},
			grants: []*Grant{write("refunds")}, want: CredentialExcess{AccountWide: true}, broader: true},
		{name: "account-wide key, account-wide grant",
			info: &CredentialInfo{AccountWide: true, CanWrite: true}, grants: []*Grant{write("*")}},
		{name: "account-wide writing key, read grants",
			info:   &CredentialInfo{AccountWide: true, CanWrite: true},
			grants: []*Grant{read("refunds"), read("charges")}, want: CredentialExcess{AccountWide: true, Write: true}, broader: true},
		{name: "writing key, one write grant among reads",
			info: &CredentialInfo{CanWrite: true}, grants: []*Grant{read("refunds"), write("charges")}},
		{name: "writing key, account-wide read grant",
			info:   &CredentialInfo{AccountWide: true, CanWrite: true},
			grants: []*Grant{read("*")}, want: CredentialExcess{Write: true}, broader: true},
		{name: "resource * is account-wide",
			info:   &CredentialInfo{Resources: []string{"*"}},
			grants: []*Grant{read("refunds")}, want: CredentialExcess{AccountWide: true}, broader: true},
		{name: "resource * under an account-wide grant",
			info: &CredentialInfo{AccountWide: true, Resources: []string{"*"}}, grants: []*Grant{read("*")}},
		{name: "resources covered exactly and by covers",
			info:   &CredentialInfo{Resources: []string{"repo/a", "repo/a/issues"}},
			grants: []*Grant{read("repo/a")}, covers: prefixCovers},
		{name: "resources beyond the grants, in inspection order",
			info:   &CredentialInfo{Resources: []string{"repo/c", "repo/a/issues", "repo/b"}},
			grants: []*Grant{read("repo/a")}, covers: prefixCovers,
			want: CredentialExcess{Resources: []string{"repo/c", "repo/b"}}, broader: true},
		{name: "nil covers matches exact scopes only",
			info:   &CredentialInfo{Resources: []string{"repo/a", "repo/a/issues"}},
			grants: []*Grant{read("repo/a")},
			want:   CredentialExcess{Resources: []string{"repo/a/issues"}}, broader: true},
		{name: "account-wide grant covers any resource",
			info: &CredentialInfo{Resources: []string{"repo/z"}}, grants: []*Grant{read("*")}, covers: prefixCovers},
		{name: "no grants: anything reached is excess",
			info: &CredentialInfo{AccountWide: true, CanWrite: true, Resources: []string{"x"}},
			want: CredentialExcess{AccountWide: true, Write: true, Resources: []string{"x"}}, broader: true},
		{name: "no grants, credential reaching nothing",
			info: &CredentialInfo{Kind: "login"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.info.Excess(tt.grants, tt.covers)
			if got.AccountWide != tt.want.AccountWide || got.Write != tt.want.Write || !slices.Equal(got.Resources, tt.want.Resources) {
				t.Errorf("Excess = %+v, want %+v", got, tt.want)
			}
			if got.Broader() != tt.broader {
				t.Errorf("Broader() = %v, want %v", got.Broader(), tt.broader)
			}
		})
	}
}
