package pii

import "testing"

func TestNormalize_Equivalences(t *testing.T) {
	for _, tc := range []struct {
		category string
		same     []string
	}{
		{CategoryEmail, []string{"ada@example.com", " Ada@Example.COM ", "ADA@EXAMPLE.COM\n"}},
		{CategoryPhone, []string{"+442079460958", "+44 20 7946 0958", "+44 (20) 7946-0958", "+44.20.7946.0958",
			"0044 20 7946 0958", "+44 (0)20 7946 0958", "+44 20 7946 0958 ext. 12"}},
		{CategoryName, []string{"ada lovelace", "Ada Lovelace", "  ADA   LOVELACE ", "Ada\tLovelace", "Ada Lovelace."}},
		{CategoryName, []string{"élodie durand", "ÉLODIE DURAND", "Élodie Durand"}},
		{CategoryName, []string{"katherine johnson", "\u212Aatherine Johnson", "KATHERINE JOHNSON"}},
		{CategoryAddress, []string{"12 st james's square", "12 St James's Square,", "12  ST JAMES'S  SQUARE"}},
		{CategoryAddress, []string{"sw1y 4jh", "SW1Y 4JH", " sw1y  4JH "}},
		{CategoryPayment, []string{"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111"}},
		{CategoryPayment, []string{"GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32", "gb82 west 1234 5698 7654 32"}},
		{CategoryNationalID, []string{"123456789", "123-45-6789"}},
		{CategoryNationalID, []string{"AB123456C", "AB 12 34 56 C", "ab 12 34 56 c", "AB123456C\n", "\r\nAB123456C"}},
		{CategoryPayment, []string{"4111111111111111", "4111111111111111\r\n"}},
		{CategoryRecordID, []string{"cus_NffrFeUfNV2Hib", " cus_NffrFeUfNV2Hib "}},
	} {
		want := normalize(tc.category, tc.same[0])
		for _, v := range tc.same[1:] {
			if got := normalize(tc.category, v); got != want {
				t.Errorf("normalize(%s, %q) = %q, want %q as for %q", tc.category, v, got, want, tc.same[0])
			}
		}
	}
}

func TestNormalize_Differences(t *testing.T) {
	for _, tc := range []struct {
		category string
		a, b     string
	}{
		// Country codes are not guessed: a national number is not its
		// international form.
		{CategoryPhone, "020 7946 0958", "+44 20 7946 0958"},
		{CategoryName, "Lovelace Ada", "Ada Lovelace"},
		// Ids are kept as they are.
		{CategoryRecordID, "cus_NffrFeUfNV2Hib", "CUS_NFFRFEUFNV2HIB"},
		// Only simple folding: ß is not ss.
		{CategoryName, "Anna Straße", "Anna Strasse"},
	} {
		if normalize(tc.category, tc.a) == normalize(tc.category, tc.b) {
			t.Errorf("normalize(%s) makes %q and %q equal", tc.category, tc.a, tc.b)
		}
	}
}

func TestNormPhone(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"+44 20 7946 0958", "+442079460958", true},
		{"(555) 201-7788", "5552017788", true},
		{"0049 1511 2345678", "+4915112345678", true},
		{"555-201-7788 x123", "5552017788", true},
		{"12345", "", false},
		{"call me", "", false},
		{"+44+20 7946 0958", "", false},
		{"1234567890123456", "", false},
		{"", "", false},
	} {
		got, ok := normPhone(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("normPhone(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPhoneVariants(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"5552017788", []string{"+15552017788"}},
		{"+15552017788", []string{"5552017788"}},
		{"15552017788", []string{"+15552017788", "5552017788"}},
		{"+442079460958", nil},
		{"02079460958", nil},
	} {
		got := phoneVariants(tc.in)
		if len(got) != len(tc.want) {
			t.Errorf("phoneVariants(%q) = %q, want %q", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("phoneVariants(%q) = %q, want %q", tc.in, got, tc.want)
			}
		}
	}
}
