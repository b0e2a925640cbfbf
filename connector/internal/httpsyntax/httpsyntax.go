// Package httpsyntax holds the lexical rules of HTTP and URL syntax that
// every connector checks the same way: tokens, header values, hex
// escapes and dot segments. Each function is a pure predicate or
// conversion; the messages that explain a refusal stay with the
// connector that refuses.
package httpsyntax

import (
	"strings"
	"unicode"
)

// IsToken reports whether s is a token (RFC 9110 §5.6.2): the syntax of
// methods and header field names. The empty string is not a token.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// ValidHeaderValue reports whether v can be sent as a field value: no
// control character but tab, so no CR or LF that would end the field.
func ValidHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// IsDotSegment reports whether seg is made only of dots and white space,
// with at least one dot: "..", "...", ". ." and ".. " included, because
// Windows servers trim trailing dots and spaces and read them as "..".
func IsDotSegment(seg string) bool {
	dots := 0
	for _, r := range seg {
		switch {
		case r == '.':
			dots++
		case unicode.IsSpace(r):
		default:
			return false
		}
	}
	return dots > 0
}

// IsHex reports whether c is a hexadecimal digit, in either case.
func IsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Unhex is the value of the hexadecimal digit c (see IsHex).
func Unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
