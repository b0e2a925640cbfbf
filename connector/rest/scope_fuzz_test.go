package rest

import (
	"strings"
	"testing"
)

// FuzzCheckScope checks that a scope CheckScope accepts is canonical (a
// fixed point), covers itself and what lies below it on a segment
// boundary, and never what merely shares its prefix.
func FuzzCheckScope(f *testing.F) {
	for _, s := range []string{"/", "*", "/v1/contacts", "/v1/contacts/", "/v1//x", "/v1/./x", "/v1/%2e%2e",
		"v1", "/v1/contacts;x", `/v1\x`, "/v1/ü", "/v1/*", "/v1/contacts?x=1", "/v1/a\u2047b", "/v1/\u2025", "/v1/v\u24881"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, scope string) {
		canon, err := CheckScope(scope)
		if err != nil {
			return
		}
		if again, err := CheckScope(canon); err != nil || again != canon {
			t.Fatalf("CheckScope(%q) = %q, then %q, %v: not a fixed point", scope, canon, again, err)
		}
		if canon == AccountWide {
			return
		}
		if !Covers(canon, canon) {
			t.Fatalf("%q does not cover itself", canon)
		}
		below := strings.TrimSuffix(canon, "/") + "/below"
		if !Covers(canon, below) {
			t.Fatalf("%q does not cover %q", canon, below)
		}
		if canon != "/" && Covers(canon, canon+"x") {
			t.Fatalf("%q covers %q, which only shares its prefix", canon, canon+"x")
		}
	})
}
