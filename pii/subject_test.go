package pii

import (
	"bytes"
	"testing"

	"github.com/aos-dev/aos"
)

// TestSubject_MatchesLearnt checks that a subject asked about, written as a
// person would type it, gives the MAC Learn gave the value found in a CRM
// answer, and that what Learn never remembers gives nothing.
func TestSubject_MatchesLearnt(t *testing.T) {
	crm := []byte(`{"results":[{"id":"cont_8f2k1x","properties":{"firstname":"Ada","lastname":"Lovelace",` +
		`"email":"Ada.Lovelace@Example.com","phone":"(415) 555-0100"}}]}`)
	learnt := make(map[string]bool)
	for _, fp := range Learn(testMAC, Extract("application/json", crm)) {
		learnt[string(fp.MAC)] = true
	}
	for _, c := range []struct {
		name, subject string
		want          bool
	}{
		{"email in another case", " ada.lovelace@EXAMPLE.com ", true},
		{"email with a zero-width space", "ada.love\u200blace@example.com", true},
		{"phone with country code", "+1 415 555 0100", true},
		{"phone as digits", "4155550100", true},
		{"record id", "cont_8f2k1x", true},
		{"full name", "ada lovelace", true},
		{"unknown email", "grace@example.org", false},
		{"unknown phone", "+44 20 7946 0000", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			macs := Subject(testMAC, c.subject)
			if len(macs) == 0 {
				t.Fatalf("Subject(%q) gave no MAC", c.subject)
			}
			got := false
			for _, m := range macs {
				got = got || learnt[string(m)]
			}
			if got != c.want {
				t.Errorf("Subject(%q) matches what was learnt: %v, want %v", c.subject, got, c.want)
			}
		})
	}
	for _, s := range []string{"", "42", "ada", "Europe/London"} {
		t.Run("never learnt "+s, func(t *testing.T) {
			if macs := Subject(testMAC, s); len(macs) != 0 {
				t.Errorf("Subject(%q) = %d MACs, want none", s, len(macs))
			}
		})
	}
}

// TestAssess_MatchMACs checks that a match names the fingerprints of what
// crossed, each once, so that a flow can be followed by subject, and the
// resources they were read from.
func TestAssess_MatchMACs(t *testing.T) {
	a, b := testMAC(Purpose, []byte("a@example.com")), testMAC(Purpose, []byte("b@example.com"))
	found := []aos.Fingerprint{{MAC: b, Connection: "crm", Category: CategoryEmail, Resource: "/v1/leads"},
		{MAC: a, Connection: "crm", Category: CategoryEmail, Resource: "/v1/contacts"}}
	got := Assess(testMAC, Extract("text/plain", []byte("a@example.com b@example.com")), found, "mail")
	if len(got.Matches) != 1 || len(got.Matches[0].MACs) != 2 {
		t.Fatalf("matches = %+v, want one from crm with two MACs", got.Matches)
	}
	m := got.Matches[0].MACs
	if bytes.Compare(m[0], m[1]) >= 0 {
		t.Errorf("MACs not sorted")
	}
	if r := got.Matches[0].Resources; len(r) != 2 || r[0] != "/v1/contacts" || r[1] != "/v1/leads" {
		t.Errorf("resources = %v, want [/v1/contacts /v1/leads]", r)
	}
}
