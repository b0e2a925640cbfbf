package pii

import (
	"iter"
	"strings"
	"unicode"
)

// A detector finds one kind of sensitive data in text. What it yields has
// been validated (check digits, issuing rules), not just pattern-matched:
// the detectors hold calls wherever the data comes from, so a false
// positive costs the owner an approval.
type detector struct {
	kind     string // reported in Findings.Sensitive
	category string // the fingerprint category of what it finds
	find     func(string) iter.Seq[span]
}

// detectors are the safety net. To recognise another kind of national id,
// add it to nationalIDs, not here.
var detectors = []detector{
	{SensitivePaymentCard, CategoryPayment, findCards},
	{SensitiveIBAN, CategoryPayment, findIBANs},
	{SensitiveNationalID, CategoryNationalID, findNationalIDs},
}

// matchPattern reports whether s holds, from byte i, the pattern pat: 'D'
// is a digit, 'L' an upper-case ASCII letter, any other byte itself.
func matchPattern(s string, i int, pat string) bool {
	if i < 0 || len(s)-i < len(pat) {
		return false
	}
	for k := 0; k < len(pat); k++ {
		c := s[i+k]
		switch pat[k] {
		case 'D':
			if !isDigit(c) {
				return false
			}
		case 'L':
			if c < 'A' || c > 'Z' {
				return false
			}
		default:
			if c != pat[k] {
				return false
			}
		}
	}
	return true
}

// numberStart reports whether a number may start at byte i of s: not inside
// a word, a decimal, a signed number, a path, a reference ("#1234") or an
// amount.
func numberStart(s string, i int) bool {
	return startsAfter(s, i, "+-.,_/@#%")
}

// startsAfter reports whether something may start at byte i of s: not
// inside a word, not after a currency sign, nor after any of the bytes in
// excluded.
func startsAfter(s string, i int, excluded string) bool {
	r := runeBefore(s, i)
	if isWordRune(r) || r >= 0 && unicode.Is(unicode.Sc, r) {
		return false
	}
	return !strings.ContainsRune(excluded, r)
}

// numberEnd reports whether a number may end at byte i of s: not followed
// by a letter or digit, nor by a decimal part or another dashed or dotted
// number.
func numberEnd(s string, i int) bool {
	if r := runeAt(s, i); isWordRune(r) || r == '@' || r == '_' {
		return false
	}
	return !(i+1 < len(s) && strings.IndexByte(".,-/:", s[i]) >= 0 && isDigit(s[i+1]))
}

// findCards yields payment card numbers: 13 to 19 digits, contiguous or in
// the printed groups (4-4-4-4, 4-4-4-4-3, 4-6-5, 4-6-4, with one separator
// throughout, space or dash), that start with a known issuer prefix, have a
// length that issuer uses and pass the Luhn check. Numbers glued to words,
// decimals, signs, "#" or other digits are not cards; nor are four groups
// of four followed by a fifth (a longer grouped number).
func findCards(s string) iter.Seq[span] {
	return func(yield func(span) bool) {
		for i := 0; i < len(s); i++ {
			if !isDigit(s[i]) || !numberStart(s, i) {
				continue
			}
			if end, ok := scanCard(s, i); ok {
				if !yield(span{i, end}) {
					return
				}
				i = end - 1
			}
		}
	}
}

// cardShapes are the printed groupings of card numbers, longest first.
var cardShapes = [][]int{{4, 4, 4, 4, 3}, {4, 4, 4, 4}, {4, 6, 5}, {4, 6, 4}}

func scanCard(s string, i int) (int, bool) {
	run := i
	for digitAt(s, run) {
		run++
	}
	switch n := run - i; {
	case n >= 13 && n <= 19:
		return run, numberEnd(s, run) && validCard(s[i:run])
	case n == 4 && !gluedToNumber(s, i):
		for _, shape := range cardShapes {
			if end, ok := matchGroups(s, i, shape); ok && numberEnd(s, end) && validCard(compact(s[i:end])) {
				return end, true
			}
		}
	}
	return 0, false
}

// matchGroups reports where the digit groups of shape, separated by one
// space or dash throughout, end if they start at byte i of s.
func matchGroups(s string, i int, shape []int) (int, bool) {
	j := i
	var sep byte
	for k, n := range shape {
		if k > 0 {
			if j >= len(s) || s[j] != ' ' && s[j] != '-' || sep != 0 && s[j] != sep {
				return 0, false
			}
			sep = s[j]
			j++
		}
		e := j
		for digitAt(s, e) {
			e++
		}
		if e-j != n {
			return 0, false
		}
		j = e
	}
	if j < len(s) && s[j] == sep {
		e := j + 1
		for digitAt(s, e) {
			e++
		}
		if e-j-1 == 4 {
			return 0, false
		}
	}
	return j, true
}

// validCard reports whether digits is a plausible card number.
func validCard(digits string) bool {
	if len(digits) < 13 || len(digits) > 19 {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return false
		}
	}
	return issuerLength(digits) && luhn(digits)
}

func luhn(digits string) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// issuerLength reports whether a card number starts with an issuer
// identification prefix of a major scheme and has a length that scheme
// issues.
func issuerLength(d string) bool {
	n := len(d)
	p := func(k int) int {
		v := 0
		for i := 0; i < k; i++ {
			v = v*10 + int(d[i]-'0')
		}
		return v
	}
	between := func(k, lo, hi int) bool { v := p(k); return lo <= v && v <= hi }
	switch {
	case d[0] == '4': // Visa
		return n == 13 || n == 16 || n == 19
	case between(2, 51, 55) || between(4, 2221, 2720): // Mastercard
		return n == 16
	case p(2) == 34 || p(2) == 37: // American Express
		return n == 15
	case p(4) == 6011 || p(2) == 65 || between(3, 644, 649): // Discover
		return n >= 16
	case between(4, 3528, 3589): // JCB
		return n >= 16
	case p(2) == 36 || between(3, 300, 305) || p(2) == 38 || p(2) == 39: // Diners Club
		return n >= 14
	case p(2) == 62: // UnionPay
		return n >= 16
	case between(4, 2200, 2204): // Mir
		return n >= 16
	case p(2) == 50 || between(2, 56, 58) || p(2) == 67 || p(3) == 639 || p(4) == 6304: // Maestro
		return true
	}
	return false
}

// ibanLengths are the IBAN lengths of the countries recognised: the SEPA
// countries. To recognise another, add its length (and, if its account
// part is digits only, add it to numericBBAN).
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
	"DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27,
	"HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20,
	"LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24,
	"SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}

// numericBBAN are the countries whose account part is digits only. GB and
// IE have a 4-letter bank code, then 14 digits.
var numericBBAN = map[string]bool{
	"AT": true, "BE": true, "CZ": true, "DE": true, "DK": true, "EE": true, "ES": true,
	"FI": true, "HR": true, "HU": true, "LT": true, "NO": true, "PL": true, "PT": true,
	"SE": true, "SI": true, "SK": true,
}

// findIBANs yields IBANs: a recognised country code, check digits and the
// country's length of letters and digits, either contiguous or in groups of
// four separated by single spaces, passing the mod-97 check.
func findIBANs(s string) iter.Seq[span] {
	return func(yield func(span) bool) {
		for i := 0; i+4 <= len(s); i++ {
			if !isLetter(s[i]) || !isLetter(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) ||
				isWordRune(runeBefore(s, i)) {
				continue
			}
			if end, code, ok := scanIBAN(s, i); ok && validIBAN(code) {
				if !yield(span{i, end}) {
					return
				}
				i = end - 1
			}
		}
	}
}

// scanIBAN reads an IBAN of its country's length from byte i of s and
// returns where it ends and its compact upper-case form.
func scanIBAN(s string, i int) (int, string, bool) {
	length := ibanLengths[strings.ToUpper(s[i:i+2])]
	if length == 0 {
		return 0, "", false
	}
	var buf [34]byte
	j, spaced := i, false
	for n := 0; n < length; n++ {
		if n > 0 && n%4 == 0 {
			if n == 4 {
				spaced = j < len(s) && s[j] == ' '
			}
			if spaced {
				if j >= len(s) || s[j] != ' ' {
					return 0, "", false
				}
				j++
			}
		}
		if j >= len(s) || !isAlnum(s[j]) {
			return 0, "", false
		}
		buf[n] = upper(s[j])
		j++
	}
	if isWordRune(runeAt(s, j)) {
		return 0, "", false
	}
	return j, string(buf[:length]), true
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// validIBAN reports whether code, compact and upper-case, is an IBAN of a
// recognised country with valid check digits.
func validIBAN(code string) bool {
	if len(code) < 5 || len(code) > 34 || !matchPattern(code, 0, "LLDD") {
		return false
	}
	cc := code[:2]
	if ibanLengths[cc] != len(code) {
		return false
	}
	bban := code[4:]
	for i := 0; i < len(bban); i++ {
		c := bban[i]
		if !isDigit(c) && (c < 'A' || c > 'Z') || numericBBAN[cc] && !isDigit(c) {
			return false
		}
	}
	if (cc == "GB" || cc == "IE") && !matchPattern(bban, 0, "LLLLDDDDDDDDDDDDDD") {
		return false
	}
	// Move the country code and check digits to the end, read letters as
	// 10 to 35, and take the whole number modulo 97.
	r := 0
	for k := range len(code) {
		c := code[(k+4)%len(code)]
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	return r == 1
}
