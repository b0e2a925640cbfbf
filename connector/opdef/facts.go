package opdef

import (
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
)

// Facts reads the operation's facts from a request: its Content-Type (""
// when it has none), its query and its body, exactly as they go
// upstream. It never fails and never fails open: what cannot be read
// holds the call or counts against it, as the package documentation
// describes. Only the facts the operation declares are set; the PII
// fields of aos.Facts are left to the gateway's scan.
func (d *Def) Facts(contentType string, query url.Values, body []byte) aos.Facts {
	fs := &d.facts
	var ptrs []*source
	for _, s := range []*source{&fs.amount, &fs.currency, &fs.recipients, &fs.public,
		&fs.production, &fs.export, &fs.share, &fs.trainingOp} {
		if s.kind == jsonPtr {
			ptrs = append(ptrs, s)
		}
	}
	in := newInput(contentType, query, body, ptrs)
	var f aos.Facts
	if fs.amount.kind != noSource {
		f.Amount, f.Currency, f.AmountUnknown = fs.money(in)
	}
	if fs.recipients.kind != noSource {
		f.Recipients = recipients(in.read(&fs.recipients, true))
	}
	f.Public = flag(in, &fs.public)
	f.Production = flag(in, &fs.production)
	f.Export = flag(in, &fs.export)
	f.Share = flag(in, &fs.share)
	f.TrainingOptIn = flag(in, &fs.trainingOp)
	return f
}

// money reads the amount and currency. unknown is set, and amount is 0,
// unless both were read and the amount is a whole, non-negative number of
// minor units that fits an int64. The currency is returned whenever it
// was read.
func (f *factSpec) money(in *input) (amount int64, currency string, unknown bool) {
	cur := in.read(&f.currency, false)
	currencyOK := cur.status == present && cur.kind == vString && isCurrency(cur.text)
	if currencyOK {
		currency = strings.ToUpper(cur.text)
	}
	amt := in.read(&f.amount, false)
	if !currencyOK || amt.status != present || amt.kind != vString && amt.kind != vNumber {
		return 0, currency, true
	}
	n, ok := parseAmount(amt.text, f.major, exponent(currency))
	if !ok {
		return 0, currency, true
	}
	return n, currency, false
}

// parseAmount parses an amount written as digits ("1250"), or, when
// major, as a decimal ("12.50") in major units of a currency whose minor
// unit is 10^-exp of them. Signs, exponents, white space, fractions of a
// minor unit and values beyond int64 are refused.
func parseAmount(s string, major bool, exp int) (int64, bool) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if !allDigits(whole) || hasFrac && (!major || !allDigits(frac)) {
		return 0, false
	}
	if major {
		if len(frac) > exp {
			if strings.Trim(frac[exp:], "0") != "" {
				return 0, false // a fraction of a minor unit
			}
			frac = frac[:exp]
		}
		whole += frac + strings.Repeat("0", exp-len(frac))
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	return n, err == nil
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// tooMany is the count of recipients that cannot be read: more than any
// limit, so that the call is held.
const tooMany = math.MaxInt

// recipients counts recipients: an array's elements, the non-empty
// comma-separated items of each string, or a whole number.
func recipients(v value) int {
	switch {
	case v.status == absent:
		return 0
	case v.status == unreadable:
		return tooMany
	}
	switch v.kind {
	case vArray:
		return v.n
	case vNumber:
		if n, ok := parseCount(v.text); ok {
			return n
		}
	case vString:
		n := 0
		for _, s := range v.all {
			for item := range strings.SplitSeq(s, ",") {
				if strings.TrimSpace(item) != "" {
					n++
				}
			}
		}
		return n
	}
	return tooMany
}

// parseCount parses a whole number of recipients.
func parseCount(s string) (int, bool) {
	if !allDigits(s) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// flag reads a flag: true when declared true, or when its value is true
// or cannot be read; false when undeclared, absent or false.
func flag(in *input, s *source) bool {
	if s.kind == noSource {
		return false
	}
	v := in.read(s, false)
	switch {
	case v.status == absent:
		return false
	case v.status == unreadable:
		return true
	case v.kind == vBool:
		return v.b
	case v.kind == vString && strings.EqualFold(v.text, "false"):
		return false
	}
	return true // "true", or a value that is no boolean
}
