package aos

import (
	"strconv"
	"strings"
)

// Amounts are kept in a currency's minor unit (cents for USD, yen for JPY,
// fils for KWD), as integers, everywhere: in requests, operation files
// (unless they declare amount_unit: major), facts, caps and the spend
// ledger. People read them in major units with the currency, as
// FormatMoney writes them. This file is the one table of minor units.

// minorUnits is the exponent of currencies whose minor unit is not 1/100
// (ISO 4217).
var minorUnits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "MGA": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3,
}

// MaxMinorUnits is the largest exponent MinorUnits returns.
const MaxMinorUnits = 3

// MinorUnits returns the number of decimals of a currency's minor unit
// (ISO 4217): 0 for yen, 3 for dinars, else 2. The currency is read in any
// case.
func MinorUnits(currency string) int {
	if e, ok := minorUnits[strings.ToUpper(currency)]; ok {
		return e
	}
	return 2
}

// symbols are the signs written before an amount in the few currencies
// whose sign is unambiguous; others show only their code.
var symbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

// FormatMoney formats an amount in a currency's minor unit in major units
// with the currency: "$1,500.00 USD", "¥500 JPY", "1.500 KWD", "-€2.50 EUR".
// An empty currency is written "(no currency)" after the number, read as
// two decimals.
func FormatMoney(minor int64, currency string) string {
	cur := strings.ToUpper(currency)
	exp := MinorUnits(cur)
	neg := minor < 0
	// Work in uint64 so that the most negative int64 formats too.
	u := uint64(minor)
	if neg {
		u = -u
	}
	digits := strconv.FormatUint(u, 10)
	if len(digits) <= exp {
		digits = strings.Repeat("0", exp-len(digits)+1) + digits
	}
	whole, frac := digits[:len(digits)-exp], digits[len(digits)-exp:]
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(symbols[cur])
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(whole[i])
	}
	if exp > 0 {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	b.WriteByte(' ')
	if cur == "" {
		b.WriteString("(no currency)")
	} else {
		b.WriteString(cur)
	}
	return b.String()
}

// FormatFactsAmount says what a call's facts say about money, for people:
// the amount in major units with its currency, "amount could not be read"
// when it could not, and "" when the call moves no money.
func FormatFactsAmount(f Facts) string {
	switch {
	case f.AmountUnknown:
		return "amount could not be read"
	case f.Amount > 0:
		return FormatMoney(f.Amount, f.Currency)
	}
	return ""
}
