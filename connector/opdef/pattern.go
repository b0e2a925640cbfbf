package opdef

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aos-dev/aos/connector/internal/httpsyntax"
)

// segKind is the kind of one segment of a path pattern.
type segKind uint8

const (
	literal   segKind = iota // matches itself
	param                    // {name}: any one non-empty segment
	restParam                // {name...}: the remaining segments, at least one
)

// segment is one segment of a pattern: a literal's text or a parameter's
// name. A literal "" is a trailing slash (or the root "/").
type segment struct {
	kind segKind
	text string
}

// pattern is a parsed path pattern and its text.
type pattern struct {
	text string
	segs []segment
}

var paramName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// parsePattern parses a path pattern (see the package documentation). It
// returns a message saying what is wrong, or "".
func parsePattern(s string) (pattern, string) {
	switch {
	case !strings.HasPrefix(s, "/"):
		return pattern{}, "must start with /"
	case len(s) > maxPatternLen:
		return pattern{}, "longer than 1024 bytes"
	case !utf8.ValidString(s):
		return pattern{}, "not valid UTF-8"
	}
	parts := strings.Split(s[1:], "/")
	if len(parts) > maxSegments {
		return pattern{}, "more than 64 segments"
	}
	segs := make([]segment, len(parts))
	names := map[string]bool{}
	for i, part := range parts {
		last := i == len(parts)-1
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") && len(part) >= 2 {
			name, rest := strings.CutSuffix(part[1:len(part)-1], "...")
			switch {
			case !paramName.MatchString(name):
				return pattern{}, "parameter " + part + " needs a name of letters, digits and _ (such as {id})"
			case names[name]:
				return pattern{}, "parameter {" + name + "} appears twice"
			case rest && !last:
				return pattern{}, "{" + name + "...} matches the rest of the path, so it must be the last segment"
			}
			names[name] = true
			segs[i] = segment{kind: param, text: name}
			if rest {
				segs[i].kind = restParam
			}
			continue
		}
		if msg := checkLiteral(part, last); msg != "" {
			return pattern{}, msg
		}
		segs[i] = segment{kind: literal, text: part}
	}
	return pattern{text: s, segs: segs}, ""
}

// checkLiteral checks one literal segment. Anything a canonical path
// cannot contain is refused, since such a pattern could never match.
func checkLiteral(seg string, last bool) string {
	if seg == "" {
		if last {
			return ""
		}
		return "has an empty segment (//)"
	}
	if httpsyntax.IsDotSegment(seg) {
		return "has a dot segment (" + seg + ")"
	}
	for _, r := range seg {
		switch {
		case r == '{' || r == '}':
			return "a {parameter} must be a whole segment, such as /v1/refunds/{id}"
		case r == '*':
			return "'*' is not a wildcard here: use {param} for one segment or a final {rest...}"
		case r == '%':
			return "write the path decoded (/a b, not /a%20b)"
		case r == '?' || r == '#':
			return "a path pattern has no query or fragment"
		case r == '\\' || r == ';':
			return "'\\' and ';' never appear in the paths the gateway forwards"
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return "has a control or invisible formatting character"
		}
	}
	if r, bad := httpsyntax.NormalizesToSyntax(seg); bad {
		switch r {
		case utf8.RuneError:
			return "has a segment (" + seg + ") that Unicode normalisation turns into a dot segment, which never appears in the paths the gateway forwards"
		case '%':
			return "has a segment (" + seg + ") that Unicode normalisation turns into a percent-escape, which never appears in the paths the gateway forwards"
		}
		return fmt.Sprintf("has %U, which Unicode normalisation turns into path syntax and never appears in the paths the gateway forwards", r)
	}
	return ""
}

// splitPath splits a canonical path into segments: "/" is [""], "/a/" is
// ["a", ""]. It reports false for a path not starting with "/".
func splitPath(path string) ([]string, bool) {
	if !strings.HasPrefix(path, "/") {
		return nil, false
	}
	return strings.Split(path[1:], "/"), true
}

// matches reports whether the pattern matches the segments of a path.
func (p *pattern) matches(segs []string) bool {
	for i, s := range p.segs {
		if i >= len(segs) {
			return false
		}
		switch s.kind {
		case literal:
			if segs[i] != s.text {
				return false
			}
		case param:
			if segs[i] == "" {
				return false
			}
		case restParam:
			return segs[i] != ""
		}
	}
	return len(segs) == len(p.segs)
}

// params returns the parameter values of a path the pattern matches, or
// nil when it has none.
func (p *pattern) params(segs []string) map[string]string {
	var m map[string]string
	for i, s := range p.segs {
		if s.kind == literal {
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		if s.kind == restParam {
			m[s.text] = strings.Join(segs[i:], "/")
			break
		}
		m[s.text] = segs[i]
	}
	return m
}

// relation is how the sets of paths two patterns match relate.
type relation uint8

const (
	disjoint     relation = iota // no path matches both
	equivalent                   // the same paths
	moreSpecific                 // the first matches a strict subset of the second's paths
	lessSpecific                 // the second matches a strict subset of the first's
	overlapping                  // some paths match both, and neither contains the other
)

// compare relates the paths that patterns a and b match, segment by
// segment from the left.
func compare(a, b []segment) relation {
	result := equivalent
	for i := 0; ; i++ {
		aEnd, bEnd := i == len(a), i == len(b)
		switch {
		case aEnd && bEnd:
			return result
		case aEnd || bEnd:
			// Without a rest parameter (handled below) patterns match
			// paths of their own length, and a rest parameter needs at
			// least one more segment.
			return disjoint
		}
		x, y := a[i], b[i]
		switch {
		case x.kind == restParam && y.kind == restParam:
			return result
		case y.kind == restParam:
			// b takes every path from here that a can match, and more.
			if x.kind == literal && x.text == "" {
				return disjoint
			}
			return combine(result, moreSpecific)
		case x.kind == restParam:
			if y.kind == literal && y.text == "" {
				return disjoint
			}
			return combine(result, lessSpecific)
		case x.kind == literal && y.kind == literal:
			if x.text != y.text {
				return disjoint
			}
		case x.kind == literal: // y is a parameter
			if x.text == "" {
				return disjoint
			}
			result = combine(result, moreSpecific)
		case y.kind == literal: // x is a parameter
			if y.text == "" {
				return disjoint
			}
			result = combine(result, lessSpecific)
		}
	}
}

// combine adds the relation of one more segment to the relation so far.
func combine(so, next relation) relation {
	switch {
	case so == equivalent:
		return next
	case so == next:
		return so
	}
	return overlapping
}

// commonPath returns a path that both patterns match, for messages about
// overlapping patterns (whose relation is not disjoint).
func commonPath(a, b []segment) string {
	var parts []string
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y segment
		if i < len(a) {
			x = a[i]
		} else {
			x = segment{kind: restParam}
		}
		if i < len(b) {
			y = b[i]
		} else {
			y = segment{kind: restParam}
		}
		switch {
		case x.kind == literal:
			parts = append(parts, x.text)
		case y.kind == literal:
			parts = append(parts, y.text)
		default:
			parts = append(parts, "x")
		}
		if x.kind == restParam && y.kind == restParam {
			break
		}
	}
	return "/" + strings.Join(parts, "/")
}
