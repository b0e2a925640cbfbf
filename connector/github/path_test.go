package github

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
	"golang.org/x/text/unicode/norm"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		in      string
		escaped string // "" when refused
		code    string
	}{
		{"/repos/acme/app", "/repos/acme/app", ""},
		{"//repos/acme/app", "/repos/acme/app", ""}, // an SDK base URL ending in "/"
		{"/repos/acme/app/contents/", "/repos/acme/app/contents/", ""},
		{"/repos/acme/app/git/refs/heads%2Fmain", "/repos/acme/app/git/refs/heads%2Fmain", ""},
		{"/repos/acme/app/contents/a%20b", "/repos/acme/app/contents/a%20b", ""},
		{"/repos/acme/app/contents/%41", "/repos/acme/app/contents/A", ""},
		{"/", "/", ""},
		{"", "", aos.EBadRequest},
		{"repos/acme", "", aos.EBadRequest},
		{"///repos/acme/app", "", aos.EBadRequest},
		{"/repos//app", "", aos.EBadRequest},
		{"/repos/acme/app/../other", "", aos.EOutOfScope},
		{"/repos/acme/app/%2e%2e/other", "", aos.EOutOfScope},
		{"/repos/acme/app/contents/a%2F..%2Fb", "", aos.EOutOfScope},
		{"/repos/acme/app/contents/a%2F%2Fb", "", aos.EBadRequest},
		{"/repos/acme/app/contents/%2Fa", "", aos.EBadRequest},
		{"/repos/acme/./app", "", aos.EBadRequest},
		{"/repos/acme/app/%252e", "", aos.EBadRequest},
		{"/repos/acme/app/%zz", "", aos.EBadRequest},
		{"/repos/acme/app/a%00b", "", aos.EBadRequest},
		{"/repos/acme/app/a%5Cb", "", aos.EBadRequest},
		{"/repos/acme/app;x", "", aos.EBadRequest},
		{"/repos/acme/app/a%E2%80%8Bb", "", aos.EBadRequest},
		{"/repos/acme/app?x=1", "", aos.EBadRequest},
		{"/repos/acme/app/contents/a%E2%81%87b", "", aos.EBadRequest},                // U+2047 DOUBLE QUESTION MARK is "??"
		{"/repos/acme/app/contents/%EF%BC%8F", "", aos.EBadRequest},                  // U+FF0F FULLWIDTH SOLIDUS is "/"
		{"/repos/acme/app/contents/a%2F%E2%80%A5%2Fb", "", aos.EBadRequest},          // U+2025 TWO DOT LEADER is ".."
		{"/repos/acme/app/contents/%EF%BC%85%32%65", "", aos.EBadRequest},            // U+FF05 FULLWIDTH PERCENT SIGN is "%"
		{"/repos/acme/app/contents/%25%EF%BC%92e%25%EF%BC%92e", "", aos.EBadRequest}, // "%2e%2e" once normalised
		{"/repos/acme/app/contents/caf%C3%A9", "/repos/acme/app/contents/caf%C3%A9", ""},
		{"/" + strings.Repeat("a", maxPathLen), "", aos.EBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := parsePath(tt.in)
			if tt.code != "" {
				if aos.ErrorCode(err) != tt.code {
					t.Errorf("parsePath(%q) = %v, %v; want %s", tt.in, p, err, tt.code)
				}
				return
			}
			if err != nil || p.escaped() != tt.escaped {
				t.Errorf("parsePath(%q) = %v, %v; want %s", tt.in, p, err, tt.escaped)
			}
		})
	}
}

// FuzzParsePath checks that a parsed path rebuilds to a path that parses
// to the same segments, and so to the same operation and resource.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"/repos/acme/app", "//repos/a/b/git/refs/heads%2Fmain", "/repos/a/b/contents/x%20y/",
		"/repos/a/b/%2e%2e", "/orgs/a%2Fb/x", "/repos/a/b/contents/%25", "/a/%C3%A9",
		"/repos/a/b/contents/%E2%81%87", "/repos/a/b/contents/x%2F%EF%BC%8E%EF%BC%8E", "/a/%EF%BC%8F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := parsePath(raw)
		if err != nil {
			if c := aos.ErrorCode(err); c != aos.EBadRequest && c != aos.EOutOfScope {
				t.Fatalf("parsePath(%q): code %s", raw, c)
			}
			return
		}
		again, err := parsePath(p.escaped())
		if err != nil {
			t.Fatalf("parsePath(%q) rebuilt %q, which does not parse: %v", raw, p.escaped(), err)
		}
		if strings.Join(again.segs, "\x00") != strings.Join(p.segs, "\x00") || again.matchPath() != p.matchPath() {
			t.Fatalf("parsePath(%q): %q reads back as %q", raw, p.segs, again.segs)
		}
		d1, _, err1 := match("PUT", p)
		d2, _, err2 := match("PUT", again)
		if (err1 == nil) != (err2 == nil) || err1 == nil && d1 != d2 {
			t.Fatalf("parsePath(%q): the rebuilt path is another operation", raw)
		}
	})
}

// TestParsePath_everyCodePoint walks every code point (surrogates
// excepted), percent-encoded, alone in a segment, and after an encoded
// slash and a raw '%' as the first digit of an escape, and checks that parsePath refuses it or keeps
// segments whose normal forms (NFC, NFD, NFKC, NFKD) hold exactly the
// delimiters they hold themselves, no control or formatting character
// and no dot segment.
func TestParsePath_everyCodePoint(t *testing.T) {
	forms := []norm.Form{norm.NFC, norm.NFD, norm.NFKC, norm.NFKD}
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if 0xD800 <= r && r <= 0xDFFF {
			continue
		}
		esc := url.PathEscape(string(r))
		for _, raw := range []string{"/repos/" + esc, "/repos/a/contents/x%2F%25" + esc + "e"} {
			p, err := parsePath(raw)
			if err != nil {
				continue
			}
			for _, seg := range p.segs {
				if !strings.ContainsFunc(seg, func(r rune) bool { return r >= utf8.RuneSelf }) {
					continue // ASCII is its own normal form
				}
				for _, f := range forms {
					if n := f.String(seg); !sameSyntax(seg, n) {
						t.Errorf("parsePath(%q) keeps %q (%U), whose normal form %q is other path syntax", raw, seg, r, n)
					}
				}
			}
		}
	}
}

// sameSyntax reports whether n, the normal form of segment s, holds the
// same delimiters as s, no control or formatting character and no dot
// segment.
func sameSyntax(s, n string) bool {
	for _, d := range `/\?#%;.` {
		if strings.Count(s, string(d)) != strings.Count(n, string(d)) {
			return false
		}
	}
	if strings.ContainsFunc(n, func(r rune) bool { return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) }) {
		return false
	}
	for piece := range strings.SplitSeq(n, "/") {
		if httpsyntax.IsDotSegment(piece) {
			return false
		}
	}
	return httpsyntax.HasEscape(n) == httpsyntax.HasEscape(s)
}
