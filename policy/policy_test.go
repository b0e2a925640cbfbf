package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/policy"
)

// prefixCovers is a whole-segment path prefix matcher, as the http connector's.
func prefixCovers(scope, resource string) bool {
	return scope == "*" || resource == scope || strings.HasPrefix(resource, scope+"/")
}

func TestDecide(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	researcher := &aos.Principal{ID: 1, Kind: aos.Agent, Name: "researcher", Department: "growth"}
	writer := &aos.Principal{ID: 2, Kind: aos.Agent, Name: "writer", Department: "content"}
	// A writer added after the first one was removed: another principal.
	laterWriter := &aos.Principal{ID: 3, Kind: aos.Agent, Name: "writer", Department: "content"}
	conn := &aos.Connection{ID: 1, Name: "crm", Type: "http"}
	read := aos.Operation{Name: "GET", Access: aos.Read}
	write := aos.Operation{Name: "POST", Access: aos.Write}
	// g makes a grant; one to an agent is bound to the first agent of the name.
	g := func(id, scope string, access aos.Access, grantee string) *aos.Grant {
		ids := map[string]int64{"agent:researcher": researcher.ID, "agent:writer": writer.ID}
		return &aos.Grant{ID: id, ConnectionID: 1, Scope: scope, Access: access, Grantee: grantee, GranteeID: ids[grantee]}
	}
	expired := g("g-exp", "/v1/contacts", aos.Write, "")
	expired.ExpiresAt = &past
	notYet := g("g-fut", "/v1/contacts", aos.Read, "")
	notYet.ExpiresAt = &future
	revoked := g("g-rev", "/v1/contacts", aos.Write, "")
	revoked.RevokedAt = &past
	otherConn := g("g-other", "*", aos.Write, "")
	otherConn.ConnectionID = 2

	tests := []struct {
		name     string
		who      *aos.Principal
		conn     *aos.Connection
		grants   []*aos.Grant
		op       aos.Operation
		resource string
		verdict  aos.Verdict
		code     string
		grant    string
	}{
		{"no grants", researcher, conn, nil, read, "/v1/contacts", aos.Deny, aos.ENotGranted, ""},
		{"read grant allows read", researcher, conn, []*aos.Grant{g("g1", "/v1/contacts", aos.Read, "")}, read, "/v1/contacts/42", aos.Allow, "", "g1"},
		{"read grant refuses write", researcher, conn, []*aos.Grant{g("g1", "/v1/contacts", aos.Read, "")}, write, "/v1/contacts", aos.Deny, aos.EReadOnly, ""},
		{"write implies read", researcher, conn, []*aos.Grant{g("g1", "/v1/contacts", aos.Write, "")}, read, "/v1/contacts", aos.Allow, "", "g1"},
		{"outside scope", researcher, conn, []*aos.Grant{g("g1", "/v1/contacts", aos.Write, "")}, read, "/v1/contactsX", aos.Deny, aos.EOutOfScope, ""},
		{"parent of scope", researcher, conn, []*aos.Grant{g("g1", "/v1/contacts", aos.Write, "")}, read, "/v1", aos.Deny, aos.EOutOfScope, ""},
		{"account wide", researcher, conn, []*aos.Grant{g("g1", "*", aos.Read, "")}, read, "/anything", aos.Allow, "", "g1"},
		{"other agent's grant", researcher, conn, []*aos.Grant{g("g1", "/v1", aos.Write, "agent:writer")}, read, "/v1/x", aos.Deny, aos.ENotGranted, ""},
		{"own agent grant", writer, conn, []*aos.Grant{g("g1", "/v1", aos.Write, "agent:writer")}, write, "/v1/x", aos.Allow, "", "g1"},
		{"removed agent's grant to a later agent of its name", laterWriter, conn, []*aos.Grant{g("g1", "/v1", aos.Write, "agent:writer")}, write, "/v1/x", aos.Deny, aos.ENotGranted, ""},
		{"department grant", researcher, conn, []*aos.Grant{g("g1", "/v1", aos.Read, "department:growth")}, read, "/v1/x", aos.Allow, "", "g1"},
		{"other department", writer, conn, []*aos.Grant{g("g1", "/v1", aos.Read, "department:growth")}, read, "/v1/x", aos.Deny, aos.ENotGranted, ""},
		{"expired", researcher, conn, []*aos.Grant{expired}, read, "/v1/contacts", aos.Deny, aos.ENotGranted, ""},
		{"not yet expired", researcher, conn, []*aos.Grant{notYet}, read, "/v1/contacts", aos.Allow, "", "g-fut"},
		{"revoked but another grant remains", researcher, conn, []*aos.Grant{revoked, g("g2", "/v1/notes", aos.Read, "")}, read, "/v1/contacts", aos.Deny, aos.ENotGranted, ""},
		{"expired but another grant remains", researcher, conn, []*aos.Grant{expired, g("g2", "/v1/notes", aos.Read, "")}, read, "/v1/contacts/1", aos.Deny, aos.ENotGranted, ""},
		{"revoked", researcher, conn, []*aos.Grant{revoked}, read, "/v1/contacts", aos.Deny, aos.ENotGranted, ""},
		{"grant on another connection", researcher, conn, []*aos.Grant{otherConn}, read, "/v1/contacts", aos.Deny, aos.ENotGranted, ""},
		{"owner cannot call", &aos.Principal{Kind: aos.Owner}, conn, []*aos.Grant{g("g1", "*", aos.Write, "")}, read, "/x", aos.Deny, aos.ENotGranted, ""},
		{"disconnected", researcher, &aos.Connection{ID: 1, Name: "crm", DisconnectedAt: &past}, []*aos.Grant{g("g1", "*", aos.Write, "")}, read, "/x", aos.Deny, aos.EUnknownConnection, ""},
		{"operation without access", researcher, conn, []*aos.Grant{g("g1", "*", aos.Write, "")}, aos.Operation{Name: "X"}, "/x", aos.Deny, aos.EUnknownOperation, ""},
		{"narrowest grantee wins", researcher, conn, []*aos.Grant{g("company", "*", aos.Write, ""), g("dept", "/v1", aos.Write, "department:growth"), g("mine", "/v1", aos.Write, "agent:researcher")}, write, "/v1/x", aos.Allow, "", "mine"},
		{"narrowest scope wins", researcher, conn, []*aos.Grant{g("wide", "/v1", aos.Write, ""), g("narrow", "/v1/x", aos.Write, "")}, write, "/v1/x/1", aos.Allow, "", "narrow"},
		{"write grant beats read for write", researcher, conn, []*aos.Grant{g("r", "/v1/x", aos.Read, ""), g("w", "/v1", aos.Write, "")}, write, "/v1/x/1", aos.Allow, "", "w"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := policy.Decide(policy.Input{
				Principal: tt.who, Connection: tt.conn, Grants: tt.grants, Operation: tt.op,
				Resource: tt.resource, Covers: prefixCovers, Now: now,
			})
			if d.Verdict != tt.verdict || d.Code != tt.code || d.GrantAttr() != tt.grant {
				t.Fatalf("Decide = %+v, want verdict %s code %q grant %q", d, tt.verdict, tt.code, tt.grant)
			}
			if d.Verdict == aos.Deny && d.Reason == "" {
				t.Fatal("denial without a reason")
			}
		})
	}
}

func TestDecide_CompoundResource(t *testing.T) {
	agent := &aos.Principal{Kind: aos.Agent, Name: "a"}
	conn := &aos.Connection{ID: 1, Name: "db"}
	g := func(id, scope string, access aos.Access) *aos.Grant {
		return &aos.Grant{ID: id, ConnectionID: 1, Scope: scope, Access: access}
	}
	split := func(r string) []string { return strings.Split(r, ",") }
	exact := func(scope, item string) bool { return scope == "*" || scope == item }
	tests := []struct {
		name    string
		grants  []*aos.Grant
		access  aos.Access
		verdict aos.Verdict
		code    string
		grant   string
	}{
		{"one grant per item", []*aos.Grant{g("g1", "orders", aos.Read), g("g2", "customers", aos.Read)}, aos.Read, aos.Allow, "", "g2,g1"},
		{"one grant covers both", []*aos.Grant{g("g1", "*", aos.Read)}, aos.Read, aos.Allow, "", "g1"},
		{"an item uncovered", []*aos.Grant{g("g1", "orders", aos.Read)}, aos.Read, aos.Deny, aos.EOutOfScope, ""},
		{"one item read-only", []*aos.Grant{g("g1", "orders", aos.Write), g("g2", "customers", aos.Read)}, aos.Write, aos.Deny, aos.EReadOnly, ""},
		{"write on both", []*aos.Grant{g("g1", "orders", aos.Write), g("g2", "customers", aos.Write)}, aos.Write, aos.Allow, "", "g2,g1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := policy.Decide(policy.Input{Principal: agent, Connection: conn, Grants: tt.grants,
				Operation: aos.Operation{Name: "q", Access: tt.access}, Resource: "customers,orders",
				Covers: exact, Items: split, Now: time.Now(), Caps: aos.DefaultCaps})
			if d.Verdict != tt.verdict || d.Code != tt.code || d.GrantAttr() != tt.grant {
				t.Fatalf("Decide = %+v, want %s %q %q", d, tt.verdict, tt.code, tt.grant)
			}
		})
	}
}
