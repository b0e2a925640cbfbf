package httpsyntax

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalDelimiters are the characters that must not appear in the
// compatibility normal form of a non-ASCII character of a path segment:
// the path delimiters, what starts a query, fragment, escape or path
// parameter, and '.', of which dot segments are made.
const normalDelimiters = `/\?#%;.`

// NormalizesToSyntax reports whether Unicode compatibility normalisation
// (NFKC or NFKD, which some servers and frameworks apply to a path after
// routing, and which subsumes NFC and NFD) could turn the decoded path
// segment seg into path syntax that seg does not show: a character whose
// normal form holds a delimiter, '.', or a control or invisible formatting
// character (U+2047 DOUBLE QUESTION MARK is "??", U+FF0F FULLWIDTH SOLIDUS
// is "/", U+2025 TWO DOT LEADER is ".."), or a segment whose normal form is
// a dot segment or holds a percent-escape that seg does not ("%２e" is
// "%2e"). A non-ASCII control or formatting character (C1 controls,
// zero-width and bidi marks) is refused as it is. It returns that
// character, utf8.RuneError for a dot segment, or '%' for an escape.
// ASCII characters are their own normal form and are left to the
// caller's raw-form rules.
//
// Every connector that canonicalises a path calls it on each segment, so
// that a segment the policy matched can never become another path, a
// query or a climb once an upstream normalises it.
func NormalizesToSyntax(seg string) (rune, bool) {
	ascii := true
	for _, r := range seg {
		if r < utf8.RuneSelf {
			continue
		}
		ascii = false
		if isControlOrFormat(r) || runeNormalizesToSyntax(r) {
			return r, true
		}
	}
	if ascii {
		return 0, false
	}
	for _, f := range []norm.Form{norm.NFKC, norm.NFKD} {
		n := f.String(seg)
		switch {
		case IsDotSegment(n):
			return utf8.RuneError, true
		case HasEscape(n) && !HasEscape(seg):
			// "%２e" becomes "%2e": a server that normalises and then
			// decodes again reads '.', as from a double encoding.
			return '%', true
		}
	}
	return 0, false
}

// HasEscape reports whether s holds a percent-escape: '%' followed by two
// hexadecimal digits.
func HasEscape(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' && IsHex(s[i+1]) && IsHex(s[i+2]) {
			return true
		}
	}
	return false
}

// runeNormalizesToSyntax reports whether a non-ASCII rune's NFKC or NFKD
// form holds a delimiter, '.', or a control or formatting character.
func runeNormalizesToSyntax(r rune) bool {
	var buf [utf8.UTFMax]byte
	s := buf[:utf8.EncodeRune(buf[:], r)]
	for _, f := range []norm.Form{norm.NFKC, norm.NFKD} {
		if f.IsNormal(s) {
			continue
		}
		n := f.String(string(s))
		if strings.ContainsAny(n, normalDelimiters) || strings.ContainsFunc(n, isControlOrFormat) {
			return true
		}
	}
	return false
}

func isControlOrFormat(r rune) bool {
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
}
