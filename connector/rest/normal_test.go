package rest

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
	"golang.org/x/text/unicode/norm"
)

// TestCanonical_everyCodePoint walks every code point (surrogates, which
// UTF-8 cannot hold, excepted), percent-encoded as an agent would send
// it, alone in a segment and beside a raw '%' and a hex digit (as either
// digit of an escape), and checks that Canonical
// either refuses the path or returns one whose normal forms (NFC, NFD,
// NFKC, NFKD) hold exactly the delimiters it holds itself, no control or
// formatting character, no dot segment and no percent-escape it does not
// hold: a server that normalises the path after routing (and decodes it
// again) reads the path the policy matched.
func TestCanonical_everyCodePoint(t *testing.T) {
	forms := []norm.Form{norm.NFC, norm.NFD, norm.NFKC, norm.NFKD}
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if 0xD800 <= r && r <= 0xDFFF {
			continue
		}
		esc := url.PathEscape(string(r))
		for _, raw := range []string{"/v1/" + esc, "/v1/%25" + esc + "e/c", "/v1/%25e" + esc} {
			c, err := connector.CanonicalPath(raw)
			if err != nil {
				continue
			}
			if _, err := CheckScope(c); err != nil && !strings.ContainsAny(c, "?#*%") {
				t.Errorf("Canonical accepts %q (%U) but CheckScope refuses it: %v", c, r, err)
			}
			for _, f := range forms {
				if n := f.String(c); !sameSyntax(c, n) {
					t.Errorf("connector.CanonicalPath(%q) = %q (%U), whose normal form %q is other path syntax", raw, c, r, n)
				}
			}
		}
	}
}

// sameSyntax reports whether the normal form n of canonical path c holds
// the same delimiters as c, no control or formatting character and no
// dot segment.
func sameSyntax(c, n string) bool {
	for _, d := range `/\?#%;.` {
		if strings.Count(c, string(d)) != strings.Count(n, string(d)) {
			return false
		}
	}
	if strings.ContainsFunc(n, func(r rune) bool { return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) }) {
		return false
	}
	for seg := range strings.SplitSeq(n, "/") {
		if httpsyntax.IsDotSegment(seg) {
			return false
		}
	}
	return httpsyntax.HasEscape(n) == httpsyntax.HasEscape(c)
}
