package aos_test

import (
	"testing"

	"github.com/aos-dev/aos"
)

func TestToUSD(t *testing.T) {
	rates := map[string]string{"EUR": "1.1", "KWD": "3.25", "BAD": "x", "NEG": "-1"}
	for _, tt := range []struct {
		amount int64
		cur    string
		want   int64
		ok     bool
	}{
		{1234, "usd", 1234, true}, {100, "EUR", 110, true}, {1, "EUR", 2, true}, // rounds up
		{1000, "KWD", 325, true}, {1, "GBP", 0, false}, {1, "BAD", 0, false}, {1, "NEG", 0, false},
	} {
		got, ok := aos.ToUSD(tt.amount, tt.cur, rates)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ToUSD(%d, %s) = %d, %v; want %d, %v", tt.amount, tt.cur, got, ok, tt.want, tt.ok)
		}
	}
	if s := aos.FormatUSD(1234567_89); s != "$1,234,567.89 USD" {
		t.Errorf("FormatUSD = %s", s)
	}
}

func TestCaps_Normalize(t *testing.T) {
	c, err := aos.Caps{PerMove: 1, PerWeek: 2, Rates: map[string]string{"eur": "1.08"}}.Normalize()
	if err != nil || c.Rates["EUR"] != "1.08" || len(c.Rates) != 1 {
		t.Fatalf("Normalize = %+v, %v", c, err)
	}
	if c, err := (aos.Caps{Rates: map[string]string{}}).Normalize(); err != nil || c.Rates != nil {
		t.Fatalf("an empty rate table is stored as none: %+v, %v", c, err)
	}
	for _, bad := range []aos.Caps{
		{PerMove: -1}, {PerWeek: -1}, {RecipientLimit: -1},
		{Rates: map[string]string{"USD": "1"}}, {Rates: map[string]string{"EURO": "1"}},
		{Rates: map[string]string{"EUR": "0"}}, {Rates: map[string]string{"EUR": "x"}},
	} {
		if _, err := bad.Normalize(); aos.ErrorCode(err) != aos.EBadRequest {
			t.Errorf("Normalize(%+v) = %v, want bad_request", bad, err)
		}
	}
}
