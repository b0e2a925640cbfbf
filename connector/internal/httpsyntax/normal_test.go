package httpsyntax

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalizesToSyntax(t *testing.T) {
	tests := []struct {
		name, seg string
		want      rune // 0: accepted
	}{
		{"ascii", "contacts", 0},
		{"ascii syntax is the caller's", "a?b%;", 0},
		{"accented", "café", 0},
		{"cjk", "連絡先", 0},
		{"double question mark", "a\u2047b", '\u2047'},
		{"question exclamation mark", "\u2048", '\u2048'},
		{"exclamation question mark", "\u2049", '\u2049'},
		{"fullwidth solidus", "a\uFF0Fb", '\uFF0F'},
		{"fullwidth reverse solidus", "\uFF3C", '\uFF3C'},
		{"small number sign", "\uFE5F", '\uFE5F'},
		{"fullwidth percent sign", "\uFF05", '\uFF05'},
		{"greek question mark (NFC)", "\u037E", '\u037E'},
		{"two dot leader", "\u2025", '\u2025'},
		{"digit one full stop", "v\u24881", '\u2488'},
		{"account of", "\u2100", '\u2100'},
		{"ascii dots and a space-like mark", "..\u2000", utf8.RuneError},
		{"fullwidth digit after a percent", "%\uFF12e", '%'},
		{"fullwidth letters after a percent", "%\uFF25\uFF26", '%'},
		{"a raw escape is the caller's", "%2e\u00e9", 0},
		{"a percent before a fullwidth letter that is no hex digit", "%\uFF47\uFF47", 0},
		{"a percent sign and an accent", "100%\u00e9", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, bad := NormalizesToSyntax(tt.seg)
			if bad != (tt.want != 0) || bad && r != tt.want {
				t.Fatalf("NormalizesToSyntax(%q) = %U, %v; want %U", tt.seg, r, bad, tt.want)
			}
		})
	}
}

// TestNormalizesToSyntax_everyCodePoint walks every Unicode scalar value
// and checks that a segment made of it, alone or as a digit of an escape, is
// either refused or normalises (NFC, NFD, NFKC, NFKD) to nothing that is
// a delimiter, a control or formatting character, or a dot segment; and,
// after a raw '%', to no percent-escape.
func TestNormalizesToSyntax_everyCodePoint(t *testing.T) {
	forms := []norm.Form{norm.NFC, norm.NFD, norm.NFKC, norm.NFKD}
	refused := 0
	for r := rune(utf8.RuneSelf); r <= utf8.MaxRune; r++ {
		if 0xD800 <= r && r <= 0xDFFF {
			continue // surrogates are not scalar values; UTF-8 cannot hold them
		}
		for _, seg := range []string{string(r), "%" + string(r) + "e", "%e" + string(r)} {
			if _, bad := NormalizesToSyntax(seg); bad {
				refused++
				continue
			}
			for _, f := range forms {
				n := f.String(seg)
				if !sameDelimiters(seg, n) || strings.ContainsFunc(n, isControlOrFormat) || IsDotSegment(n) || HasEscape(n) {
					t.Errorf("NormalizesToSyntax accepts %q (%U), whose normal form %q is path syntax", seg, r, n)
				}
			}
		}
	}
	if refused == 0 {
		t.Fatal("no code point was refused")
	}
}

// sameDelimiters reports whether n holds each delimiter as often as s.
func sameDelimiters(s, n string) bool {
	for _, d := range normalDelimiters {
		if strings.Count(s, string(d)) != strings.Count(n, string(d)) {
			return false
		}
	}
	return true
}
