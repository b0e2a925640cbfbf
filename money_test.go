package aos_test

import (
	"math"
	"testing"

	"github.com/aos-dev/aos"
)

func TestFormatMoney(t *testing.T) {
	for _, tc := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{150000, "USD", "$1,500.00 USD"},
		{150000, "usd", "$1,500.00 USD"},
		{5, "USD", "$0.05 USD"},
		{0, "USD", "$0.00 USD"},
		{500, "JPY", "¥500 JPY"},
		{1234567, "JPY", "¥1,234,567 JPY"},
		{1500, "KWD", "1.500 KWD"},
		{7, "KWD", "0.007 KWD"},
		{-250, "EUR", "-€2.50 EUR"},
		{123456789, "CHF", "1,234,567.89 CHF"},
		{1250, "", "12.50 (no currency)"},
		{math.MinInt64, "USD", "-$92,233,720,368,547,758.08 USD"},
		{math.MaxInt64, "JPY", "¥9,223,372,036,854,775,807 JPY"},
	} {
		if got := aos.FormatMoney(tc.minor, tc.currency); got != tc.want {
			t.Errorf("FormatMoney(%d, %q) = %q, want %q", tc.minor, tc.currency, got, tc.want)
		}
	}
}

func TestMinorUnits(t *testing.T) {
	for cur, want := range map[string]int{"USD": 2, "jpy": 0, "KWD": 3, "EUR": 2, "": 2} {
		if got := aos.MinorUnits(cur); got != want {
			t.Errorf("MinorUnits(%q) = %d, want %d", cur, got, want)
		}
	}
}

func TestFormatFactsAmount(t *testing.T) {
	for _, tc := range []struct {
		f    aos.Facts
		want string
	}{
		{aos.Facts{}, ""},
		{aos.Facts{AmountUnknown: true, Currency: "USD"}, "amount could not be read"},
		{aos.Facts{Amount: 5000, Currency: "USD"}, "$50.00 USD"},
	} {
		if got := aos.FormatFactsAmount(tc.f); got != tc.want {
			t.Errorf("FormatFactsAmount(%+v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}
