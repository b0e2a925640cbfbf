package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalize returns the form in which a value of a category is hashed when
// learnt. Scanning uses the same functions (see forms).
func normalize(category, v string) string {
	switch category {
	case CategoryEmail:
		return normEmail(v)
	case CategoryPhone:
		s, _ := normPhone(v)
		return s
	case CategoryName, CategoryAddress:
		return foldText(v)
	case CategoryPayment, CategoryNationalID:
		return compact(v)
	}
	return strings.TrimSpace(v)
}

// normEmail trims and lower-cases an email address.
func normEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// normPhone reduces a phone number to its digits, keeping a leading + (a
// leading 00 becomes +). Anything after the number once it has 8 digits (an
// extension, a comment) is dropped, and so is a trunk "(0)" after a country
// code. It reports false unless the number has 8 to 15 digits, at least 3
// of them different, and nothing but phone punctuation before them.
func normPhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if (strings.HasPrefix(s, "+") || strings.HasPrefix(s, "00")) && strings.Contains(s, "(0)") {
		s = strings.Replace(s, "(0)", "", 1) // +44 (0)20: the trunk 0 is dialled only at home
	}
	b := make([]byte, 0, 16)
	plus := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			b = append(b, c)
		case c == '+' && len(b) == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' || c == '\t':
		default:
			if len(b) < 8 {
				return "", false
			}
			i = len(s) // an extension or a comment follows
		}
		if len(b) > 15 {
			return "", false
		}
	}
	if !plus && len(b) >= 10 && b[0] == '0' && b[1] == '0' {
		plus, b = true, b[2:]
	}
	if len(b) < 8 || len(b) > 15 || distinctBytes(b) < 3 {
		return "", false
	}
	if plus {
		return "+" + string(b), true
	}
	return string(b), true
}

func distinctBytes(b []byte) int {
	var seen [256]bool
	n := 0
	for _, c := range b {
		if !seen[c] {
			seen[c] = true
			n++
		}
	}
	return n
}

// phoneVariants returns the other spellings of a normalised North American
// number: 10 digits with or without +1.
func phoneVariants(p string) []string {
	switch {
	case len(p) == 10 && p[0] >= '2' && p[0] <= '9':
		return []string{"+1" + p}
	case len(p) == 12 && strings.HasPrefix(p, "+1") && p[2] >= '2' && p[2] <= '9':
		return []string{p[2:]}
	case len(p) == 11 && p[0] == '1' && p[1] >= '2' && p[1] <= '9':
		return []string{"+" + p, p[1:]}
	}
	return nil
}

// compact drops ASCII white space and dashes and upper-cases ASCII
// letters: the form of card numbers, IBANs and national ids. A value read
// with a trailing newline ("AB123456C\n") has the same form as the same
// id found in text.
func compact(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != ' ' && c != '-' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' {
			b = append(b, upper(c))
		}
	}
	return string(b)
}

// foldText is the form of names, addresses and free text: its words (see
// words), case-folded, joined by single spaces.
func foldText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, w := range words(s) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		writeFolded(&b, w)
	}
	return b.String()
}

// words splits text at white space and at , ; | and trims every word of
// anything but letters and digits at either end; empty words are dropped.
func words(s string) []string {
	var ws []string
	for w := range strings.FieldsFuncSeq(s, isWordSeparator) {
		if w = strings.TrimFunc(w, notLetterOrDigit); w != "" {
			ws = append(ws, w)
		}
	}
	return ws
}

func isWordSeparator(r rune) bool {
	return unicode.IsSpace(r) || r == ',' || r == ';' || r == '|'
}

func notLetterOrDigit(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// foldWord case-folds one word, as foldText does.
func foldWord(w string) string {
	var b strings.Builder
	b.Grow(len(w))
	writeFolded(&b, w)
	return b.String()
}

// writeFolded writes s with every rune replaced by the lower case of the
// smallest rune of its simple case-folding orbit, so that strings equal
// under strings.EqualFold fold to the same bytes ("K", "k" and the Kelvin
// sign all give "k"). Full folding ("ß" and "ss") is not done.
func writeFolded(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(foldRune(r))
		i += n
	}
}

func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return unicode.ToLower(least)
}
