package slack

import (
	"testing"

	"github.com/aos-dev/aos"
)

func TestCheckScope(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"*", "*"},
		{"channel:C0123ABCD", "channel:C0123ABCD"},
		{"channel:G0123ABCD, C0123ABCD,C0123ABCD", "channel:C0123ABCD,G0123ABCD"},
		{"channel:D0123ABCD", "channel:D0123ABCD"},
	} {
		t.Run(c.in, func(t *testing.T) {
			if got, err := CheckScope(c.in); err != nil || got != c.want {
				t.Fatalf("CheckScope(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
	for _, bad := range []string{"", "C0123ABCD", "channel:", "channel:#general", "channel:general", "channel:U0123ABCD",
		"channel:c0123abcd", "channel:C012", "channel:C0123ABCD,", "channel:*", "self", "upload", "workspace:*"} {
		t.Run("rejects "+bad, func(t *testing.T) {
			if got, err := CheckScope(bad); aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("CheckScope(%q) = %q, %v; want bad_request", bad, got, err)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		scope, resource string
		want            bool
	}{
		{"*", "channel:C0123ABCD", true},
		{"*", "*", true},
		{"*", "self", true},
		{"channel:C0123ABCD", "channel:C0123ABCD", true},
		{"channel:C0123ABCD", "channel:C0456EFGH", false},
		{"channel:C0123ABCD", "channel:C0123ABCD,C0456EFGH", false},
		{"channel:C0123ABCD,C0456EFGH", "channel:C0123ABCD,C0456EFGH", true},
		{"channel:C0123ABCD,C0456EFGH", "channel:C0456EFGH", true},
		// Workspace-wide methods need *.
		{"channel:C0123ABCD", "*", false},
		// auth.test and unshared uploads are allowed to any grant.
		{"channel:C0123ABCD", "self", true},
		{"channel:C0123ABCD", "upload", true},
		// Fails closed.
		{"bogus", "self", false},
		{"channel:C0123ABCD", "C0123ABCD", false},
		{"channel:C0123ABCD", "", false},
		{"*", "channel:#general", false},
	} {
		t.Run(c.scope+" "+c.resource, func(t *testing.T) {
			if got := Covers(c.scope, c.resource); got != c.want {
				t.Fatalf("Covers(%q, %q) = %v, want %v", c.scope, c.resource, got, c.want)
			}
		})
	}
}
