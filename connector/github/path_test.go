package github

import (
	"strings"
	"testing"

	"github.com/aos-dev/aos"
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
		"/repos/a/b/%2e%2e", "/orgs/a%2Fb/x", "/repos/a/b/contents/%25", "/a/%C3%A9"} {
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
