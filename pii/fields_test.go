package pii

import (
	"slices"
	"testing"
)

func TestKeyWords(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want []string
	}{
		{"first_name", []string{"first", "name"}},
		{"firstName", []string{"first", "name"}},
		{"FirstName", []string{"first", "name"}},
		{"first-name", []string{"first", "name"}},
		{"HSObjectID", []string{"hs", "object", "id"}},
		{"userID", []string{"user", "id"}},
		{"address_line_1", []string{"address", "line", "1"}},
		{"line1", []string{"line1"}},
		{"", nil},
		{"__", nil},
	} {
		if got := keyWords(tc.key); !slices.Equal(got, tc.want) {
			t.Errorf("keyWords(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestClassifyKey(t *testing.T) {
	for _, tc := range []struct {
		key, outer string
		want       field
	}{
		{"email", "", fieldEmail},
		{"Email", "", fieldEmail},
		{"work_email", "", fieldEmail},
		{"emailAddress", "", fieldEmail},
		{"phone", "", fieldPhone},
		{"mobilephone", "", fieldPhone},
		{"phone_number", "", fieldPhone},
		{"number", "phone", fieldPhone},
		{"value", "email", fieldEmail},
		{"firstname", "", fieldFirstName},
		{"given_name", "", fieldFirstName},
		{"LastName", "", fieldLastName},
		{"surname", "", fieldLastName},
		{"first", "name", fieldFirstName},
		{"last", "name", fieldLastName},
		{"first", "", fieldOther},
		{"full_name", "", fieldFullName},
		{"name", "", fieldBareName},
		{"company_name", "", fieldOther},
		{"username", "", fieldOther},
		{"address", "", fieldStreet},
		{"line1", "address", fieldStreet},
		{"billing_address", "", fieldStreet},
		{"ip_address", "", fieldOther},
		{"postal_code", "", fieldPostalCode},
		{"zip", "", fieldPostalCode},
		{"city", "", fieldOther},
		{"country", "", fieldOther},
		{"ssn", "", fieldNationalID},
		{"id", "", fieldID},
		{"contact_id", "", fieldID},
		{"contactId", "", fieldID},
		{"contact_ids", "", fieldID},
		{"uuid", "", fieldID},
		{"paid", "", fieldOther},
		{"android", "", fieldOther},
		{"order_number", "", fieldReference},
		{"invoiceNo", "", fieldReference},
		{"sku", "", fieldReference},
		{"account_number", "", fieldOther},
	} {
		if got := classifyKey(tc.key, tc.outer); got != tc.want {
			t.Errorf("classifyKey(%q, %q) = %d, want %d", tc.key, tc.outer, got, tc.want)
		}
	}
}

func TestValueRules(t *testing.T) {
	for _, tc := range []struct {
		rule string
		fn   func(string) bool
		v    string
		want bool
	}{
		{"name", personName, "Ada Lovelace", true},
		{"name", personName, "Mary O'Brien-Smith", true},
		{"name", personName, "J. R. R. Tolkien", true},
		{"name", personName, "Ada", false},
		{"name", personName, "Q3 renewal", false},
		{"name", personName, "ada@example.com", false},
		{"name", personName, "one two three four five six", false},
		{"name", personName, "Test User", false},
		{"name", personName, "JOHN DOE", false},
		{"name", personName, "Unknown Customer", false},
		{"name", personName, "John Lovelace", true},

		{"street", streetLine, "10 Downing Street", true},
		{"street", streetLine, "Flat 3, 12 High St", true},
		{"street", streetLine, "Main Street", false},
		{"street", streetLine, "10.0.0.1", false},

		{"postal code", postalCode, "SW1A 1AA", true},
		{"postal code", postalCode, "K1A 0B1", true},
		{"postal code", postalCode, "1012 AB", true},
		{"postal code", postalCode, "94103", false},
		{"postal code", postalCode, "London", false},

		{"id", distinctiveID, "cus_NffrFeUfNV2Hib", true},
		{"id", distinctiveID, "550e8400-e29b-41d4-a716-446655440000", true},
		{"id", distinctiveID, "8812730045", true},
		{"id", distinctiveID, "ab12cd", true},
		{"id", distinctiveID, "42", false},
		{"id", distinctiveID, "123456789", false},
		{"id", distinctiveID, "1111111111", false},
		{"id", distinctiveID, "00000000-0000-0000-0000-000000000000", false},
		{"id", distinctiveID, "active", false},
		{"id", distinctiveID, "Europe/London", false},
		{"id", distinctiveID, "2024-01-15", false},
		{"id", distinctiveID, "1.22.333", false},
		{"id", distinctiveID, "ab1 2cd", false},
	} {
		if got := tc.fn(tc.v); got != tc.want {
			t.Errorf("%s rule on %q = %v, want %v", tc.rule, tc.v, got, tc.want)
		}
	}
}
