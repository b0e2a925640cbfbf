package httpsyntax

import "testing"

func TestIsToken(t *testing.T) {
	for s, want := range map[string]bool{
		"GET": true, "X-Api-Key": true, "m!#$%&'*+-.^_`|~": true,
		"": false, "a b": false, "a:b": false, "é": false, "a\x00": false,
	} {
		if got := IsToken(s); got != want {
			t.Errorf("IsToken(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidHeaderValue(t *testing.T) {
	for v, want := range map[string]bool{
		"": true, "text/plain; q=1": true, "a\tb": true, "é": true,
		"a\r\nb": false, "a\x00": false, "a\x7f": false,
	} {
		if got := ValidHeaderValue(v); got != want {
			t.Errorf("ValidHeaderValue(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestIsDotSegment(t *testing.T) {
	for seg, want := range map[string]bool{
		".": true, "..": true, "...": true, ". .": true, ".. ": true, "\t..": true,
		"": false, " ": false, "a..": false, "..a": false, ".git": false,
	} {
		if got := IsDotSegment(seg); got != want {
			t.Errorf("IsDotSegment(%q) = %v, want %v", seg, got, want)
		}
	}
}

func TestUnhex(t *testing.T) {
	const digits = "0123456789abcdefABCDEF"
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		want := byte(i)
		if i >= 16 {
			want = byte(i - 6)
		}
		if !IsHex(c) || Unhex(c) != want {
			t.Errorf("IsHex(%q), Unhex(%q) = %v, %d; want true, %d", c, c, IsHex(c), Unhex(c), want)
		}
	}
	for _, c := range []byte("gG/:@`%") {
		if IsHex(c) {
			t.Errorf("IsHex(%q) = true", c)
		}
	}
}
