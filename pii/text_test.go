package pii

import "testing"

func TestFindEmails(t *testing.T) {
	runFinder(t, findEmails, []finderCase{
		{"in prose", "Hi team, please follow up with ada@example.com about the renewal.", one("ada@example.com")},
		{"end of sentence", "Write to ada@example.com.", one("ada@example.com")},
		{"angle brackets", "Ada Lovelace <ada@example.com>", one("ada@example.com")},
		{"mailto", "mailto:ada@example.com?subject=hi", one("ada@example.com")},
		{"quoted", "'ada@example.com'", one("ada@example.com")},
		{"plus tag and subdomain", "ada.l+crm@mail.example.co.uk", one("ada.l+crm@mail.example.co.uk")},
		{"apostrophe", "o'brien@example.ie", one("o'brien@example.ie")},
		{"two", "a1@example.com,b2@example.org", []string{"a1@example.com", "b2@example.org"}},
		{"upper case", "ADA@EXAMPLE.COM", one("ADA@EXAMPLE.COM")},

		{"retina image", "icon@2x.png", nil},
		{"no dot in domain", "root@localhost", nil},
		{"package version", "lodash@4.17.21", nil},
		{"scoped package", "@types/node", nil},
		{"double dot", "a..b@example.com", nil},
		{"dash label", "ada@-example.com", nil},
		{"one-letter tld", "ada@example.c", nil},
		{"local part too long", repeat('a', 65) + "@example.com", nil},
		{"handle", "@ada on slack", nil},
		{"two ats", "a@b@example.com", nil},
		{"non-ascii before", "josé@example.com", nil},
	})
}

func repeat(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

func TestValidEmail(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{
		{"ada@example.com", true},
		{"Ada <ada@example.com>", false},
		{"ada@example.com ", false},
		{"", false},
		{"@", false},
	} {
		if got := validEmail(tc.v); got != tc.want {
			t.Errorf("validEmail(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestFindPhones(t *testing.T) {
	runFinder(t, findPhones, []finderCase{
		{"international spaced", "call +44 20 7946 0958 today", one("+44 20 7946 0958")},
		{"international compact", "+447700900123", one("+447700900123")},
		{"international with area in parentheses", "+1 (415) 555-0132", one("+1 (415) 555-0132")},
		{"international with trunk zero", "+44 (0)20 7946 0958", one("+44 (0)20 7946 0958")},
		{"after a label", "Tel:+44 20 7946 0958", one("+44 20 7946 0958")},
		{"area code in parentheses", "(555) 201-7788", one("(555) 201-7788")},
		{"nanp dashes", "555-201-7788", one("555-201-7788")},
		{"nanp dots", "555.201.7788", one("555.201.7788")},
		{"nanp with 1", "1-800-555-0199", one("1-800-555-0199")},
		{"uk landline", "020 7946 0958", one("020 7946 0958")},
		{"uk mobile", "07700 900123", one("07700 900123")},
		{"french pairs", "06 12 34 56 78", one("06 12 34 56 78")},
		{"french dots", "06.12.34.56.78", one("06.12.34.56.78")},
		{"double zero", "0044 20 7946 0958", one("0044 20 7946 0958")},
		{"in parentheses", "(call 555-201-7788)", one("555-201-7788")},

		{"iso date", "2024-01-15", nil},
		{"european date", "01.02.2024", nil},
		{"date and time", "2024-01-15 10:30:00", nil},
		{"unix epoch", "1700000000", nil},
		{"bare ten digits", "5552017788", nil},
		{"bare national", "07700900123", nil},
		{"ip address", "192.168.100.200", nil},
		{"version", "v1.22.333.4444", nil},
		{"grouped number", "1234 5678 9012", nil},
		{"figures", "Order 2023 1500 2000", nil},
		{"time", "12:30:45", nil},
		{"decimal", "3.14159265", nil},
		{"uuid", "550e8400-e29b-41d4-a716-446655440000", nil},
		{"reference", "#555-201-7788", nil},
		{"isbn", "ISBN 978-3-16-148410-0", nil},
		{"nanp bad area code", "155-201-7788", nil},
		{"tail of a longer number", "2024 0115 555 201 7788", nil},
		{"short international", "+44 1234", nil},
		{"too long", "+44 20 7946 0958 1234 5678", nil},
		{"glued to a word", "x555-201-7788", nil},
		{"trunk with one-digit group", "0 1234 5678", nil},
	})
}
