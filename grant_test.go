package aos_test

import (
	"testing"

	"github.com/aos-dev/aos"
)

func TestGrant_AppliesTo(t *testing.T) {
	temp := &aos.Principal{ID: 7, Kind: aos.Agent, Name: "temp", Department: "ops"}
	// A later agent given the removed temp's name is another principal.
	laterTemp := &aos.Principal{ID: 9, Kind: aos.Agent, Name: "temp", Department: "ops"}
	auditor := &aos.Principal{ID: 7, Kind: aos.Auditor, Name: "temp"}
	tests := []struct {
		name  string
		grant aos.Grant
		p     *aos.Principal
		want  bool
	}{
		{"AgentByID", aos.Grant{Grantee: "agent:temp", GranteeID: 7}, temp, true},
		{"LaterAgentOfTheSameName", aos.Grant{Grantee: "agent:temp", GranteeID: 7}, laterTemp, false},
		{"UnboundAgentGrant", aos.Grant{Grantee: "agent:temp"}, temp, false},
		{"SameIDOtherKind", aos.Grant{Grantee: "agent:temp", GranteeID: 7}, auditor, false},
		{"Company", aos.Grant{}, laterTemp, true},
		{"Department", aos.Grant{Grantee: "department:ops"}, laterTemp, true},
		{"OtherDepartment", aos.Grant{Grantee: "department:sales"}, temp, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.grant.AppliesTo(tt.p); got != tt.want {
				t.Errorf("%+v.AppliesTo(%+v) = %v, want %v", tt.grant, tt.p, got, tt.want)
			}
		})
	}
}
