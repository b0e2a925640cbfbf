package pii

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cv is an item's category and value, what most tests look at.
type cv struct{ category, value string }

func categorised(items []Item) map[cv]bool {
	m := make(map[cv]bool)
	for _, it := range items {
		m[cv{it.Category, it.Value}] = true
	}
	return m
}

func readPayload(t *testing.T, name string) (string, []byte) {
	t.Helper()
	path := filepath.Join("testdata", "payloads", name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return contentTypeOf(path), b
}

// checkItems fails unless items hold every one of want and, for every value
// in uncategorised, no item with that value has a category.
func checkItems(t *testing.T, items []Item, want []cv, uncategorised []string) {
	t.Helper()
	got := categorised(items)
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing %s %q", w.category, w.value)
		}
	}
	for _, v := range uncategorised {
		for _, it := range items {
			if it.Value == v && it.Category != "" {
				t.Errorf("%q categorised as %s", v, it.Category)
			}
		}
	}
	if t.Failed() {
		for _, it := range items {
			t.Logf("  %-14s %-12s %q", it.Key, it.Category, it.Value)
		}
	}
}

func TestExtract_CRMResponse(t *testing.T) {
	ct, body := readPayload(t, "crm_contacts.json")
	items := Extract(ct, body)
	checkItems(t, items, []cv{
		{CategoryEmail, "Ada.Lovelace@Example.com"},
		{CategoryPhone, "+44 20 7946 0958"},
		{CategoryName, "Ada Lovelace"},
		{CategoryAddress, "12 St James's Square"},
		{CategoryAddress, "SW1Y 4JH"},
		{CategoryRecordID, "8812730045"},
		{CategoryPhone, "(555) 201-7788"},
		{CategoryEmail, "alan.turing@bletchley.example"},
		{CategoryPhone, "020 7946 0321"},
		{CategoryName, "Grace Hopper"},
		{CategoryRecordID, "cus_NffrFeUfNV2Hib"},
		{CategoryName, "Katherine Johnson"},
		{CategoryAddress, "1 NASA Drive"},
	}, []string{"Pro Plan", "Europe/London", "London", "23666", "Analytical Engines Ltd", "customer", "prod_42x"})
	for _, it := range items {
		if it.Value == "51" || it.Value == "52" {
			t.Errorf("short value %q extracted", it.Value)
		}
	}
}

func TestExtract_ContentTypes(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
		want                    []cv
		uncategorised           []string
	}{
		{"json without content type", "", `{"email": "ada@example.com"}`, []cv{{CategoryEmail, "ada@example.com"}}, nil},
		{"json as text/plain", "text/plain", ` [{"phone": "020 7946 0958"}]`, []cv{{CategoryPhone, "020 7946 0958"}}, nil},
		{"vendor json", "application/vnd.api+json", `{"data": {"attributes": {"full_name": "Ada Lovelace"}}}`,
			[]cv{{CategoryName, "Ada Lovelace"}}, nil},
		{"malformed content type", "application/json; charset", `{"email": "ada@example.com"}`,
			[]cv{{CategoryEmail, "ada@example.com"}}, nil},
		{"not json after all", "", "[urgent] call +44 20 7946 0958", []cv{{CategoryPhone, "+44 20 7946 0958"}}, nil},
		{"json then garbage", "application/json", `{"email": "a@example.com"} trailing b@example.com`,
			[]cv{{CategoryEmail, "a@example.com"}, {CategoryEmail, "b@example.com"}}, nil},
		{"nested name", "application/json", `{"name": {"first": "Ada", "last": "Lovelace"}}`,
			[]cv{{CategoryName, "Ada Lovelace"}}, nil},
		{"generic value keys", "application/json",
			`{"properties": {"email": {"value": "ada@example.com"}, "phone": [{"number": "07700 900123"}]}}`,
			[]cv{{CategoryEmail, "ada@example.com"}, {CategoryPhone, "07700 900123"}}, nil},
		{"bare name without contact", "application/json", `{"name": "Pro Plan", "price": 4200}`, nil, []string{"Pro Plan"}},
		{"bare name with contact", "application/json", `{"name": "Ada Lovelace", "email": null}`,
			[]cv{{CategoryName, "Ada Lovelace"}}, nil},
		{"email as key", "application/json", `{"ada@example.com": {"score": 3}}`, []cv{{CategoryEmail, "ada@example.com"}}, nil},
		{"numbers", "application/json", `{"contact_id": 8812730045, "phone": 447700900123, "count": 4111111111111111}`,
			[]cv{{CategoryRecordID, "8812730045"}, {CategoryPhone, "447700900123"}, {CategoryPayment, "4111111111111111"}}, nil},
		{"form with json field", "application/x-www-form-urlencoded",
			"payload=" + strings.ReplaceAll(`{"user":{"email":"ada@example.com"}}`, `"`, "%22") + "&x=%zz",
			[]cv{{CategoryEmail, "ada@example.com"}}, nil},
		{"text", "text/markdown", "Ada (ada@example.com, +44 20 7946 0958) paid with 4111 1111 1111 1111.",
			[]cv{{CategoryEmail, "ada@example.com"}, {CategoryPhone, "+44 20 7946 0958"}, {CategoryPayment, "4111 1111 1111 1111"}}, nil},
		{"staff", "application/json", `{"contact": {"email": "ada@example.com", "hubspot_owner_id": "owner123abc",
			"owner": {"email": "rep@ourco.example", "firstName": "Sam", "lastName": "Seller", "phone": "+44 20 7000 0001"},
			"owner_email": "boss@ourco.example", "createdBy": {"name": "Sam Seller", "email": "sam@ourco.example"},
			"notes": [{"author": "Pat Writer <pat@ourco.example>", "body": "Spoke to ada@example.com"}]}}`,
			[]cv{{CategoryEmail, "ada@example.com"}},
			[]string{"rep@ourco.example", "+44 20 7000 0001", "Sam Seller", "boss@ourco.example", "sam@ourco.example",
				"pat@ourco.example", "owner123abc"}},
		{"deep nesting", "application/json", strings.Repeat("[", 2000) + `"ada@example.com"` + strings.Repeat("]", 2000),
			[]cv{{CategoryEmail, "ada@example.com"}}, nil},
		{"bad multipart", "multipart/form-data; boundary=nope", "--other\r\n\r\nada@example.com", []cv{{CategoryEmail, "ada@example.com"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkItems(t, Extract(tc.contentType, []byte(tc.body)), tc.want, tc.uncategorised)
		})
	}
}

func TestExtract_Payloads(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []cv
	}{
		{"signup.form", []cv{
			{CategoryName, "Mary Somerville"}, {CategoryEmail, "mary@example.com"},
			{CategoryPhone, "+44 7700 900123"}, {CategoryPayment, "4111 1111 1111 1111"},
		}},
		{"upload.multipart", []cv{
			{CategoryName, "Charles Babbage"}, {CategoryEmail, "charles@example.com"},
			{CategoryRecordID, "cust-00A17Z"}, {CategoryPayment, "GB82 WEST 1234 5698 7654 32"},
			{CategoryPhone, "+44 7700 900456"},
		}},
		{"notes.txt", []cv{
			{CategoryPayment, "5555-5555-5555-4444"}, {CategoryPayment, "DE89 3704 0044 0532 0130 00"},
			{CategoryNationalID, "123-45-6789"}, {CategoryNationalID, "AB123456C"},
			{CategoryPhone, "+1 (415) 555-0132"}, {CategoryEmail, "mary.jackson@example.net"},
		}},
		{"ndjson.json", []cv{{CategoryEmail, "one@example.com"}, {CategoryEmail, "two@example.com"}}},
		{"truncated.json", []cv{
			{CategoryEmail, "trunc@example.com"}, {CategoryPhone, "+33 6 12 34 56 78"}, {CategoryName, "Trunc Ated"},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			ct, body := readPayload(t, tc.file)
			items := Extract(ct, body)
			checkItems(t, items, tc.want, nil)
			if tc.file == "notes.txt" {
				for _, it := range items {
					if it.Category == CategoryPhone && it.Value != "+1 (415) 555-0132" {
						t.Errorf("phone %q found inside a detector hit or reference", it.Value)
					}
				}
			}
		})
	}
}

// TestExtract_FieldsGuardDetectors: numbers under id, reference and phone
// keys are not card numbers.
func TestExtract_FieldsGuardDetectors(t *testing.T) {
	visaPhone := withLuhn("491511234567")
	for _, tc := range []struct {
		body        string
		wantPayment bool
	}{
		{`{"note": "4111111111111111"}`, true},
		{`{"id": "4111111111111111"}`, false},
		{`{"order_number": "4111111111111111"}`, false},
		{`{"tracking": {"reference": 4111111111111111}}`, false},
		{`{"phone": "` + visaPhone + `"}`, false},
	} {
		gotPayment := false
		for _, it := range Extract("application/json", []byte(tc.body)) {
			gotPayment = gotPayment || it.Category == CategoryPayment
		}
		if gotPayment != tc.wantPayment {
			t.Errorf("%s: payment found = %v, want %v", tc.body, gotPayment, tc.wantPayment)
		}
	}
}

func TestExtract_Limits(t *testing.T) {
	t.Run("items", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("[")
		for i := range MaxItems + 10 {
			fmt.Fprintf(&b, "%q,", fmt.Sprintf("u%d@example.com", i))
		}
		b.WriteString(`"last"]`)
		if b.Len() > MaxBytes {
			t.Fatalf("payload of %d bytes is over MaxBytes", b.Len())
		}
		if n := len(Extract("application/json", []byte(b.String()))); n != MaxItems {
			t.Errorf("got %d items, want %d", n, MaxItems)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		body := strings.Repeat(" ", MaxBytes) + "ada@example.com"
		for _, it := range Extract("text/plain", []byte(body)) {
			if it.Category == CategoryEmail {
				t.Errorf("found %q beyond MaxBytes", it.Value)
			}
		}
	})
}
