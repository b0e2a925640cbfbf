package gateway

import (
	"unicode"
	"unicode/utf8"

	"github.com/aos-dev/aos"
)

// Bounds of what an agent says about a call (Meta). It is kept with the
// call's evidence, denied or not, and shown to the owner, so it is small,
// printable text: no control characters that could rewrite the owner's
// terminal or forge lines of `aos approvals`.
const (
	// MaxMetaBytes bounds the purpose, the recommendation and each
	// alternative.
	MaxMetaBytes = 2 << 10
	// MaxAlternatives bounds the number of alternatives.
	MaxAlternatives = 10
)

// Check refuses meta over its bounds, or that is not printable UTF-8
// text, with EBadRequest naming the field. The gateway checks it before
// anything about the call is recorded.
func (m Meta) Check() error {
	if len(m.Alternatives) > MaxAlternatives {
		return aos.Errorf(aos.EBadRequest, "alternatives (the AOS-Alternatives header) lists %d alternatives; at most %d are allowed",
			len(m.Alternatives), MaxAlternatives)
	}
	fields := []struct{ name, value string }{
		{"purpose (the AOS-Purpose header)", m.Purpose},
		{"recommendation (the AOS-Recommendation header)", m.Recommendation},
	}
	for _, a := range m.Alternatives {
		fields = append(fields, struct{ name, value string }{"an alternative (the AOS-Alternatives header)", a})
	}
	for _, f := range fields {
		if len(f.value) > MaxMetaBytes {
			return aos.Errorf(aos.EBadRequest, "%s is %d bytes; at most %d are allowed", f.name, len(f.value), MaxMetaBytes)
		}
		if !printable(f.value) {
			return aos.Errorf(aos.EBadRequest, "%s must be printable UTF-8 text, without control characters", f.name)
		}
	}
	return nil
}

// printable reports whether s is valid UTF-8 made only of printable
// characters and the ASCII space.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
