package rest

import (
	"bufio"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// pathCase is one line of testdata/paths.txt.
type pathCase struct {
	line int
	raw  string
	// want is the canonical resource, or "" when code is set.
	want string
	code string
}

// readPathCases reads testdata/paths.txt.
func readPathCases(tb testing.TB) []pathCase {
	tb.Helper()
	f, err := os.Open("testdata/paths.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var cases []pathCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		q, err := strconv.QuotedPrefix(line)
		if err != nil {
			tb.Fatalf("paths.txt:%d: %v", n, err)
		}
		raw, _ := strconv.Unquote(q)
		c := pathCase{line: n, raw: raw}
		rest := strings.TrimSpace(line[len(q):])
		if strings.HasPrefix(rest, `"`) {
			if c.want, err = strconv.Unquote(rest); err != nil {
				tb.Fatalf("paths.txt:%d: %v", n, err)
			}
		} else {
			c.code = rest
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return cases
}

func TestCanonical(t *testing.T) {
	for _, tc := range readPathCases(t) {
		t.Run(strconv.Quote(tc.raw), func(t *testing.T) {
			got, err := connector.CanonicalPath(tc.raw)
			if tc.code != "" {
				if code := aos.ErrorCode(err); code != tc.code {
					t.Fatalf("paths.txt:%d: connector.CanonicalPath(%q) = %q, %v; want code %s", tc.line, tc.raw, got, err, tc.code)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("paths.txt:%d: connector.CanonicalPath(%q) = %q, %v; want %q", tc.line, tc.raw, got, err, tc.want)
			}
		})
	}
}

func TestCanonical_long(t *testing.T) {
	tests := []struct {
		name, raw string
		ok        bool
	}{
		{"longest", "/" + strings.Repeat("a", connector.MaxPathLen-1), true},
		{"longest, escaped", "/" + strings.Repeat("%28", connector.MaxPathLen-1), true},
		{"too long", "/" + strings.Repeat("a", connector.MaxPathLen), false},
		{"too long, escaped", "/" + strings.Repeat("%28", connector.MaxPathLen), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := connector.CanonicalPath(tt.raw)
			if tt.ok != (err == nil) || err != nil && aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("Canonical: %v", err)
			}
			if err == nil {
				if again, err := connector.CanonicalPath(connector.EscapePath(c)); err != nil || again != c {
					t.Fatalf("connector.CanonicalPath(connector.EscapePath(c)): %v", err)
				}
			}
		})
	}
}

func TestEscapePath(t *testing.T) {
	tests := []struct{ canonical, want string }{
		{"/", "/"},
		{"/v1/contacts", "/v1/contacts"},
		{"/v1/contacts/", "/v1/contacts/"},
		{"/v1/contacts/a b", "/v1/contacts/a%20b"},
		{"/v1/contacts/a?b#c", "/v1/contacts/a%3Fb%23c"},
		{"/v1/contacts/100%", "/v1/contacts/100%25"},
		{"/v1/contacts/café", "/v1/contacts/caf%C3%A9"},
	}
	for _, tt := range tests {
		t.Run(tt.canonical, func(t *testing.T) {
			if got := connector.EscapePath(tt.canonical); got != tt.want {
				t.Errorf("connector.EscapePath(%q) = %q, want %q", tt.canonical, got, tt.want)
			}
		})
	}
}

// FuzzCanonical checks, for every path Canonical accepts, that what the
// policy matches is what the upstream serves:
//
//   - the upstream URL keeps the base URL's scheme and host;
//   - a server resolving the request target (decoding it and cleaning it
//     with path.Clean, as net/http's ServeMux does) lands on the base path
//     plus exactly the resource, and so stays under every scope that
//     covers the resource, /v1/contacts included;
//   - Canonical is idempotent on the re-escaped resource.
//
// Rejections must be bad_request or out_of_scope.
func FuzzCanonical(f *testing.F) {
	for _, tc := range readPathCases(f) {
		f.Add(tc.raw)
	}
	base, err := parseBaseURL("https://api.example.com/base")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := connector.CanonicalPath(raw)
		if err != nil {
			if code := aos.ErrorCode(err); code != aos.EBadRequest && code != aos.EOutOfScope {
				t.Fatalf("connector.CanonicalPath(%q): code %s, want bad_request or out_of_scope", raw, code)
			}
			return
		}
		again, err := connector.CanonicalPath(connector.EscapePath(c))
		if err != nil || again != c {
			t.Fatalf("connector.CanonicalPath(%q) = %q, but connector.CanonicalPath(escapePath) = %q, %v", raw, c, again, err)
		}

		built := upstreamURL(base, c, "x=1")
		u, err := url.Parse(built)
		if err != nil {
			t.Fatalf("upstream URL %q does not parse: %v", built, err)
		}
		if u.Scheme != "https" || u.Host != "api.example.com" || u.User != nil {
			t.Fatalf("upstream URL %q leaves the base URL's scheme and host", built)
		}
		// What a server does with the request line.
		target, err := url.ParseRequestURI(u.RequestURI())
		if err != nil {
			t.Fatalf("request target %q does not parse: %v", u.RequestURI(), err)
		}
		if target.RawQuery != "x=1" {
			t.Fatalf("request target %q: query %q, want x=1", u.RequestURI(), target.RawQuery)
		}
		if target.Path != "/base"+c {
			t.Fatalf("request target %q decodes to %q, want %q", u.RequestURI(), target.Path, "/base"+c)
		}
		resolved := path.Clean(target.Path)
		for _, scope := range scopesCovering(c) {
			if !Covers(scope, c) {
				t.Fatalf("Covers(%q, %q) = false for a prefix of the resource", scope, c)
			}
			if !under(resolved, path.Join("/base", scope)) {
				t.Fatalf("Covers(%q, %q), but the upstream resolves %q", scope, c, resolved)
			}
		}
		if Covers("/v1/contacts", c) && !under(resolved, "/base/v1/contacts") {
			t.Fatalf("Covers(/v1/contacts, %q), but the upstream resolves %q", c, resolved)
		}
	})
}

// scopesCovering returns the whole-segment prefixes of a canonical path
// that are valid scopes, "/" first. (A resource may hold characters, such
// as '?' or '*', that a scope may not.)
func scopesCovering(canonical string) []string {
	scopes := []string{"/"}
	segs := strings.Split(strings.TrimSuffix(canonical, "/"), "/")[1:]
	for i := range segs {
		scope := "/" + strings.Join(segs[:i+1], "/")
		if _, err := CheckScope(scope); err == nil {
			scopes = append(scopes, scope)
		}
	}
	return scopes
}

// under reports whether p is dir or below it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}
