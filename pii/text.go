package pii

import (
	"iter"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file finds email addresses and phone numbers inside free text. Every
// finder here and in the detectors works in time linear in the text: a scan
// from one starting point reads a bounded number of bytes.

// span is where a finder found something: bytes start to end of the text.
type span struct{ start, end int }

func (a span) overlaps(b span) bool { return a.start < b.end && b.start < a.end }

// runeBefore returns the rune that ends at byte i of s, or -1 at the start.
func runeBefore(s string, i int) rune {
	if i <= 0 || i > len(s) {
		return -1
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r
}

// runeAt returns the rune that starts at byte i of s, or -1 at the end.
func runeAt(s string, i int) rune {
	if i < 0 || i >= len(s) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

func isWordRune(r rune) bool {
	return r >= 0 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// digitAt reports whether byte i of s is an ASCII digit.
func digitAt(s string, i int) bool { return i >= 0 && i < len(s) && isDigit(s[i]) }

// findEmails yields the email addresses in s: an ASCII local part of
// letters, digits and . _ % + - ' (at most 64 bytes), then a domain of at
// least two labels whose last is 2 letters or more and not a file
// extension ("icon@2x.png" is an image, not an address).
func findEmails(s string) iter.Seq[span] {
	return func(yield func(span) bool) {
		for from := 0; from < len(s); {
			k := strings.IndexByte(s[from:], '@')
			if k < 0 {
				return
			}
			at := from + k
			start, end, ok := emailAround(s, at)
			if !ok {
				from = at + 1
				continue
			}
			if !yield(span{start, end}) {
				return
			}
			from = end
		}
	}
}

// validEmail reports whether v is exactly one email address.
func validEmail(v string) bool {
	start, end, ok := emailAround(v, strings.IndexByte(v, '@'))
	return ok && start == 0 && end == len(v)
}

// emailAround returns the bounds of the email address around the @ at byte
// at of s, if there is one.
func emailAround(s string, at int) (start, end int, ok bool) {
	if at < 0 {
		return 0, 0, false
	}
	start = at
	for start > 0 && isLocalByte(s[start-1]) {
		start--
		if at-start > 64 {
			return 0, 0, false
		}
	}
	for start < at && (s[start] == '.' || s[start] == '\'') {
		start++
	}
	local := s[start:at]
	if local == "" || local[len(local)-1] == '.' || strings.Contains(local, "..") ||
		isWordRune(runeBefore(s, start)) || runeBefore(s, start) == '@' {
		return 0, 0, false
	}
	end = at + 1
	for end < len(s) && isDomainByte(s[end]) {
		end++
		if end-at > 254 {
			return 0, 0, false
		}
	}
	for end > at+1 && (s[end-1] == '.' || s[end-1] == '-') {
		end--
	}
	if !validDomain(s[at+1 : end]) {
		return 0, 0, false
	}
	if r := runeAt(s, end); isWordRune(r) || r == '@' {
		return 0, 0, false
	}
	return start, end, true
}

func isLocalByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\''
}

func isDomainByte(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

// fileExtensions are top-level "domains" that are file names in practice.
var fileExtensions = map[string]bool{
	"png": true, "jpg": true, "jpeg": true, "gif": true, "svg": true, "webp": true,
	"bmp": true, "ico": true, "css": true, "js": true,
}

func validDomain(d string) bool {
	if len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	tld := labels[len(labels)-1]
	for i := 0; i < len(tld); i++ {
		if !isLetter(tld[i]) {
			return false
		}
	}
	return len(tld) >= 2 && !fileExtensions[strings.ToLower(tld)]
}

// findPhones yields the phone numbers written as such in s, with 8 to 15
// digits in groups separated by single spaces, dashes or dots:
//
//   - international: a leading + (or 00 and at least two groups);
//   - an area code in parentheses: "(555) 123-4567", "(020) 7946 0958";
//   - North American 3-3-4, optionally after a 1: "555-123-4567";
//   - national with a trunk 0: "020 7946 0958", "06 12 34 56 78", in at
//     least two groups of 2 to 8 digits (with dots: five pairs).
//
// A bare run of digits, a date ("2024-01-15", "01.02.2024"), a version or
// an IP address is not a phone.
func findPhones(s string) iter.Seq[span] {
	return func(yield func(span) bool) {
		for i := 0; i < len(s); {
			c := s[i]
			if (c == '+' || c == '(' || isDigit(c)) && phoneStart(s, i) {
				if end, ok := scanPhone(s, i); ok && isPhone(s[i:end]) {
					if !yield(span{i, end}) {
						return
					}
					i = end
					continue
				}
			}
			i++
		}
	}
}

func isPhone(s string) bool {
	_, ok := normPhone(s)
	return ok
}

// phoneStart reports whether a phone number may start at byte i of s: not
// inside a word, an amount, a reference or a longer number (the tail of
// "+44 20 7946 0958 1234" is not a phone of its own).
func phoneStart(s string, i int) bool {
	return !gluedToNumber(s, i) && startsAfter(s, i, ".-/_+@#%&")
}

// gluedToNumber reports whether byte i of s follows a digit and a single
// space, dash or dot: it continues a number.
func gluedToNumber(s string, i int) bool {
	return i >= 2 && (s[i-1] == ' ' || s[i-1] == '-' || s[i-1] == '.') && isDigit(s[i-2])
}

// phoneGroups is a phone number as written: its digit groups and how they
// are separated.
type phoneGroups struct {
	plus   bool
	paren  bool // the first group (after a +, the second) is in parentheses
	n      int  // number of groups
	size   [16]int
	seps   [16]byte // seps[k] precedes group k+1; 0 after a closing parenthesis
	digits int
}

// scanPhone reads a phone number starting at byte i of s and returns where
// it ends, if it is one.
func scanPhone(s string, i int) (int, bool) {
	var g phoneGroups
	j := i
	if s[j] == '+' {
		g.plus = true
		j++
	}
	for g.n < len(g.size) {
		if j < len(s) && s[j] == '(' && !g.paren && (g.n == 0 || g.plus && g.n == 1) {
			k := j + 1
			for digitAt(s, k) {
				k++
			}
			if k == j+1 || k >= len(s) || s[k] != ')' || k-j-1 > 5 {
				return 0, false
			}
			g.paren = true
			g.add(k - j - 1)
			j = k + 1
			if j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigit(s[j+1]) {
				g.seps[g.n-1] = s[j]
				j++
			} else if !digitAt(s, j) {
				break
			}
			continue
		}
		k := j
		for digitAt(s, k) {
			k++
		}
		if k == j {
			return 0, false
		}
		g.add(k - j)
		j = k
		if g.digits > 15 {
			return 0, false
		}
		if j+1 < len(s) && (s[j] == ' ' || s[j] == '-' || s[j] == '.') && (isDigit(s[j+1]) || s[j+1] == '(') {
			g.seps[g.n-1] = s[j]
			j++
			continue
		}
		break
	}
	if isWordRune(runeAt(s, j)) || j+1 < len(s) && strings.IndexByte(".,-/:", s[j]) >= 0 && isDigit(s[j+1]) {
		return 0, false
	}
	return j, g.valid(s[i:j])
}

func (g *phoneGroups) add(n int) {
	g.size[g.n] = n
	g.digits += n
	g.n++
}

// sameSeps reports whether every separator between groups from is c.
func (g *phoneGroups) sameSeps(from int, c byte) bool {
	for k := from; k < g.n-1; k++ {
		if g.seps[k] != c {
			return false
		}
	}
	return true
}

// valid reports whether the groups of num make one of the accepted shapes.
func (g *phoneGroups) valid(num string) bool {
	if g.digits < 8 || g.digits > 15 {
		return false
	}
	if g.plus {
		return num[1] != '0'
	}
	sz := g.size[:g.n]
	if g.paren {
		return len(sz) >= 2 && sz[0] >= 2
	}
	nanp := func(k int) bool {
		return len(sz) == k+3 && sz[k] == 3 && sz[k+1] == 3 && sz[k+2] == 4 && g.sameSeps(k, g.seps[k])
	}
	if nanp(0) && num[0] >= '2' || len(sz) == 4 && num[0] == '1' && sz[0] == 1 && nanp(1) {
		return true
	}
	if num[0] != '0' || len(sz) < 2 || !g.sameSeps(0, g.seps[0]) {
		return false
	}
	switch {
	case g.seps[0] == '.':
		return len(sz) == 5 && sz[0] == 2 && sz[1] == 2 && sz[2] == 2 && sz[3] == 2 && sz[4] == 2
	case strings.HasPrefix(num, "00"):
		return g.digits >= 10
	case g.digits < 9 || g.digits > 12:
		return false
	}
	for _, n := range sz {
		if n < 2 || n > 8 {
			return false
		}
	}
	return true
}
