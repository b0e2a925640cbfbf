package pii

import (
	"iter"
	"slices"
	"testing"
)

// found returns what a finder yields in s.
func found(find func(string) iter.Seq[span], s string) []string {
	var out []string
	for sp := range find(s) {
		out = append(out, s[sp.start:sp.end])
	}
	return out
}

// withLuhn completes digits with the Luhn check digit.
func withLuhn(digits string) string {
	for d := '0'; d <= '9'; d++ {
		if s := digits + string(d); luhn(s) {
			return s
		}
	}
	panic("unreachable")
}

type finderCase struct {
	name string
	text string
	want []string // nil: nothing found
}

func runFinder(t *testing.T, find func(string) iter.Seq[span], cases []finderCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := found(find, tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("in %q: found %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func one(s string) []string { return []string{s} }

func TestFindCards(t *testing.T) {
	// A German mobile number whose 13 digits are a valid Visa number.
	phoneDigits := withLuhn("491511234567")
	if !validCard(phoneDigits) {
		t.Fatalf("trap %s is not card-like", phoneDigits)
	}
	d19 := withLuhn("400012345678901234")
	v19 := d19[:4] + " " + d19[4:8] + " " + d19[8:12] + " " + d19[12:16] + " " + d19[16:]
	runFinder(t, findCards, []finderCase{
		{"visa spaced", "card 4111 1111 1111 1111 exp 12/27", one("4111 1111 1111 1111")},
		{"visa dashed", "4111-1111-1111-1111", one("4111-1111-1111-1111")},
		{"visa contiguous", `{"pan":"4111111111111111"}`, one("4111111111111111")},
		{"visa 13", "4222222222222", one("4222222222222")},
		{"visa 19 grouped", v19, one(v19)},
		{"mastercard", "5555 5555 5555 4444", one("5555 5555 5555 4444")},
		{"mastercard 2-series", "2223003122003222", one("2223003122003222")},
		{"amex grouped", "Amex 3782 822463 10005.", one("3782 822463 10005")},
		{"amex contiguous", "378282246310005", one("378282246310005")},
		{"discover", "6011111111111117", one("6011111111111117")},
		{"jcb", "3530111333300000", one("3530111333300000")},
		{"diners 14", "30569309025904", one("30569309025904")},
		{"unionpay", "6200000000000005", one("6200000000000005")},
		{"card then cvv", "4111 1111 1111 1111 123", one("4111 1111 1111 1111")},
		{"two cards", "4111111111111111, 5555555555554444", []string{"4111111111111111", "5555555555554444"}},
		{"in parentheses", "(4111111111111111)", one("4111111111111111")},

		{"luhn invalid", "4111 1111 1111 1112", nil},
		{"unknown issuer", withLuhn("900000000000000"), nil},
		{"visa wrong length", withLuhn("41111111111111"), nil},
		{"amex wrong length", withLuhn("3782822463100051"), nil},
		{"mixed separators", "4111-1111 1111-1111", nil},
		{"bad grouping", "41111 1111 1111 111", nil},
		{"five groups of four", "4111 1111 1111 1111 1111", nil},
		{"tail of grouped number", "1234 4111 1111 1111 1111", nil},
		{"unix epoch", "1700000000", nil},
		{"epoch millis", "1700000000000", nil},
		{"epoch micros", "1700000000123456", nil},
		{"epoch nanos", "1700000000123456789", nil},
		{"compact timestamp", "20240115103000123", nil},
		{"uuid", "550e8400-e29b-41d4-a716-446655440000", nil},
		{"numeric uuid", "41111111-1111-1111-1111-111111111111", nil},
		{"order number", "Order #4111111111111111 shipped", nil},
		{"glued to a word", "ref4111111111111111", nil},
		{"decimal", "4111111111111111.50", nil},
		{"negative", "-4111111111111111", nil},
		{"longer number", "41111111111111110000", nil},
		{"luhn-valid phone", "call +" + phoneDigits, nil},
		{"luhn-valid phone grouped", "call +49 " + phoneDigits[2:6] + " " + phoneDigits[6:], nil},
		{"version", "v4.1.1.1-1111", nil},
	})
}

func TestFindIBANs(t *testing.T) {
	runFinder(t, findIBANs, []finderCase{
		{"GB spaced", "pay to GB82 WEST 1234 5698 7654 32 today", one("GB82 WEST 1234 5698 7654 32")},
		{"GB compact", "GB82WEST12345698765432", one("GB82WEST12345698765432")},
		{"DE spaced", "IBAN: DE89 3704 0044 0532 0130 00.", one("DE89 3704 0044 0532 0130 00")},
		{"DE compact", "DE89370400440532013000", one("DE89370400440532013000")},
		{"FR", "FR1420041010050500013M02606", one("FR1420041010050500013M02606")},
		{"NL", "NL91ABNA0417164300", one("NL91ABNA0417164300")},
		{"BE", "BE68539007547034", one("BE68539007547034")},
		{"NO shortest", "NO9386011117947", one("NO9386011117947")},
		{"ES", "ES9121000418450200051332", one("ES9121000418450200051332")},
		{"IT", "IT60X0542811101000000123456", one("IT60X0542811101000000123456")},
		{"CH", "CH9300762011623852957", one("CH9300762011623852957")},
		{"AT", "AT611904300234573201", one("AT611904300234573201")},
		{"PL", "PL61109010140000071219812874", one("PL61109010140000071219812874")},
		{"MT longest", "MT84MALT011000012345MTLCAST001S", one("MT84MALT011000012345MTLCAST001S")},
		{"lower case", "gb82west12345698765432", one("gb82west12345698765432")},

		{"check digits wrong", "GB82 WEST 1234 5698 7654 33", nil},
		{"too short", "DE8937040044053201300", nil},
		{"too long", "DE893704004405320130001", nil},
		{"unknown country", "XX82WEST12345698765432", nil},
		{"glued before", "XGB82WEST12345698765432", nil},
		{"GB bank code digits", "GB82 1234 1234 5698 7654 32", nil},
		{"DE letters in account", "DE89370400440532013A00", nil},
		{"irregular spacing", "GB82 WEST12 3456 9876 5432", nil},
		{"part number", "AB12CD34EF56GH78", nil},
	})
}

func TestFindNationalIDs(t *testing.T) {
	runFinder(t, findNationalIDs, []finderCase{
		{"ssn", "SSN 123-45-6789.", one("123-45-6789")},
		{"ssn in parentheses", "(536-22-1234)", one("536-22-1234")},
		{"nino compact", "NI number AB123456C", one("AB123456C")},
		{"nino spaced", "JG 10 37 59 A", one("JG 10 37 59 A")},

		{"ssn area 000", "000-12-3456", nil},
		{"ssn area 666", "666-12-3456", nil},
		{"ssn area 9xx", "900-12-3456", nil},
		{"ssn group 00", "123-00-4567", nil},
		{"ssn serial 0000", "123-45-0000", nil},
		{"ssn bare digits", "123456789", nil},
		{"ssn in a longer number", "1123-45-6789", nil},
		{"ssn continued", "123-45-6789-1", nil},
		{"date", "2024-01-15", nil},
		{"us phone", "555-123-4567", nil},
		{"nino first letter Q", "QQ123456C", nil},
		{"nino second letter O", "AO123456C", nil},
		{"nino prefix GB", "GB123456A", nil},
		{"nino prefix BG", "BG123456A", nil},
		{"nino prefix NK", "NK123456A", nil},
		{"nino prefix TN", "TN123456A", nil},
		{"nino prefix ZZ", "ZZ123456A", nil},
		{"nino suffix E", "AB123456E", nil},
		{"nino lower case", "ab123456c", nil},
		{"nino in a word", "XAB123456C", nil},
		{"nino continued", "AB123456CD", nil},
	})
}

func TestValidNationalID(t *testing.T) {
	for _, tc := range []struct {
		compact string
		want    bool
	}{
		{"123456789", true},
		{"AB123456C", true},
		{"666123456", false},
		{"12345678", false},
		{"", false},
	} {
		if got := validNationalID(tc.compact); got != tc.want {
			t.Errorf("validNationalID(%q) = %v, want %v", tc.compact, got, tc.want)
		}
	}
}
