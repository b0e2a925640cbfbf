package pii

import (
	"slices"
	"testing"

	"github.com/aos-dev/aos"
)

// TestExtract_Invisible hides customer data behind characters that render
// as nothing: what a reader sees is what is found, in any payload.
func TestExtract_Invisible(t *testing.T) {
	learnt := Learn(testMAC, Extract("application/json", []byte(
		`{"email": "grace.hopper@customer.example", "first_name": "Grace", "last_name": "Hopper"}`)))
	for _, c := range []struct {
		name, contentType, body string
		email                   string // the email found, if any
		sensitive               bool
	}{
		{"zero-width space in an email, text", "text/plain", "write to grace\u200b.hopper@customer\u200c.example", "grace.hopper@customer.example", false},
		{"soft hyphen in an email, JSON", "application/json", `{"text": "grace.hop\u00adper@customer.example"}`, "grace.hopper@customer.example", false},
		{"word joiner in a name, form", "application/x-www-form-urlencoded", "text=ask+Gra%E2%81%A0ce+Hopper", "", false},
		{"zero-width joiner in a card number", "text/plain", "card 4\u200d2\u200d4\u200d2 4242 42\u200d42 4242", "", true},
		{"email spelled in tag characters", "text/plain", "all good" + toTags("grace.hopper@customer.example"), "grace.hopper@customer.example", false},
		{"byte-order mark before an email", "text/plain", "\ufeffgrace.hopper@customer.example", "grace.hopper@customer.example", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			items := Extract(c.contentType, []byte(c.body))
			if emails := values(items, CategoryEmail); c.email != "" && !slices.Contains(emails, c.email) {
				t.Errorf("emails = %q, want %q", emails, c.email)
			}
			if got := len(Scan(items).Sensitive) > 0; got != c.sensitive {
				t.Errorf("sensitive = %v, want %v", got, c.sensitive)
			}
			if c.sensitive {
				return
			}
			cands := Candidates(testMAC, items)
			if !slices.ContainsFunc(learnt, func(fp aos.Fingerprint) bool {
				return slices.ContainsFunc(cands, func(m []byte) bool { return string(m) == string(fp.MAC) })
			}) {
				t.Error("nothing learnt is found")
			}
		})
	}
}

// toTags spells ASCII s in Unicode tag characters, invisible when shown.
func toTags(s string) string {
	var out []rune
	for _, r := range s {
		out = append(out, 0xE0000+r)
	}
	return string(out)
}
