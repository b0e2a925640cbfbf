package connector

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
)

// MaxPathLen bounds a decoded path (a resource or a scope). Real API
// paths are far shorter; the bound keeps evidence entries small. An
// escaped path may be up to three times as long (one %XX per byte), so
// that every canonical path, re-escaped, is accepted again.
const MaxPathLen = 8192

// CanonicalPath turns the escaped path an agent sent (connector.HTTPRequest's
// RawPath, or the "path" argument of a call) into the canonical resource:
// the path decoded exactly once. The resource is what grants are matched
// against, and the upstream receives exactly it, re-escaped segment by
// segment onto the base URL's path (see upstreamPath), so the policy and
// the upstream never disagree about which path was meant.
//
// CanonicalPath does not resolve or repair anything: a path that some server
// might read in more than one way is rejected, with an *aos.Error of code
// EOutOfScope when it tries to leave the path it names (another host, a
// ".." segment) and EBadRequest otherwise. The rules, each with its reason,
// are in the code. The root "/" is a valid resource; a trailing slash is
// kept, because many APIs tell "/items/" from "/items".
func CanonicalPath(rawPath string) (string, error) {
	switch {
	case rawPath == "":
		return "", BadRequest("the path is empty; it must start with /")
	case len(rawPath) > 3*MaxPathLen:
		return "", BadRequest("the path is longer than %d bytes decoded", MaxPathLen)
	case !strings.HasPrefix(rawPath, "/"):
		// An absolute-form target ("http://evil/x") names a host of its own,
		// and HTTP clients, ours included, would go there.
		if hasScheme(rawPath) {
			return "", OutOfScope("the path names a host (absolute URL); send only a path, which goes to the connection's base URL")
		}
		return "", BadRequest("the path must start with /")
	case strings.HasPrefix(rawPath, "//"):
		// "//host/x" is a network-path reference: URL resolvers, Go's
		// included, read "host" as the authority.
		return "", OutOfScope("the path starts with // and would name another host")
	}
	// A raw '?' or '#' ends the path in any URL parser; here it can only be
	// an attempt to smuggle a query or fragment past the query checks.
	if i := strings.IndexAny(rawPath, "?#"); i >= 0 {
		return "", BadRequest("the path contains %q; send the query separately", rawPath[i])
	}
	decoded, err := decodeOnce(rawPath)
	if err != nil {
		return "", err
	}
	if len(decoded) > MaxPathLen {
		return "", BadRequest("the path is longer than %d bytes decoded", MaxPathLen)
	}
	if err := CheckPath(decoded, "path"); err != nil {
		return "", err
	}
	return decoded, nil
}

// hasScheme reports whether s begins like "scheme:" (RFC 3986 §3.1).
func hasScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// decodeOnce percent-decodes raw exactly once. Every server decodes at
// least once; decoding again is what double-encoding attacks rely on, so
// checkPath later rejects anything that still looks encoded.
func decodeOnce(raw string) (string, error) {
	if !strings.Contains(raw, "%") {
		return raw, nil
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] != '%' {
			b.WriteByte(raw[i])
			continue
		}
		if i+2 >= len(raw) || !httpsyntax.IsHex(raw[i+1]) || !httpsyntax.IsHex(raw[i+2]) {
			return "", BadRequest("the path has a malformed percent-escape (%% must be followed by two hex digits)")
		}
		c := httpsyntax.Unhex(raw[i+1])<<4 | httpsyntax.Unhex(raw[i+2])
		switch c {
		case '/':
			// An encoded slash is a separator to some servers and part of a
			// segment to others; it cannot be matched against a scope safely.
			return "", BadRequest("the path contains an encoded slash (%%2F), which servers disagree about")
		case '\\':
			return "", BadRequest("the path contains an encoded backslash (%%5C), which some servers treat as /")
		}
		b.WriteByte(c)
		i += 2
	}
	return b.String(), nil
}

// CheckPath validates a decoded path (a resource, a scope or a base URL
// path), naming it noun in messages. The path must start with "/".
func CheckPath(p, noun string) *aos.Error {
	if !strings.HasPrefix(p, "/") {
		return BadRequest("the %s must start with /", noun)
	}
	// Anything but valid UTF-8 is read differently by different decoders;
	// overlong forms such as %c0%ae ('.') are the classic case.
	if !utf8.ValidString(p) {
		return BadRequest("the %s is not valid UTF-8 once decoded", noun)
	}
	for i, r := range p {
		switch {
		case r == '\\':
			// Windows servers and some frameworks treat \ as /.
			return BadRequest("the %s contains a backslash, which some servers treat as /", noun)
		case r == ';':
			// Path parameters (";jsessionid=", "..;/") are stripped by
			// Tomcat-style servers after matching, which hides traversal.
			return BadRequest("the %s contains ';' (path parameters are not accepted)", noun)
		case r == '%' && i+2 < len(p) && httpsyntax.IsHex(p[i+1]) && httpsyntax.IsHex(p[i+2]):
			// Still encoded after one decoding: a double encoding such as
			// %252e, which a server that decodes twice reads as '.'.
			return BadRequest("the %s is percent-encoded twice (%%25 followed by hex)", noun)
		case unicode.Is(unicode.Cc, r):
			// NUL truncates in C-based servers; CR and LF split requests.
			return BadRequest("the %s contains a control character", noun)
		case unicode.Is(unicode.Cf, r):
			// Invisible characters (zero-width, bidi overrides) make a path
			// read differently than it matches, to people and normalisers.
			return BadRequest("the %s contains an invisible formatting character", noun)
		}
	}
	return checkSegments(p, noun)
}

// checkSegments rejects empty and dot segments, and segments that Unicode
// normalisation turns into path syntax (checkNormalForm). A trailing slash (one
// empty last segment) is allowed.
func checkSegments(p, noun string) *aos.Error {
	rest := strings.TrimSuffix(p[1:], "/")
	if p == "/" {
		return nil
	}
	for seg := range strings.SplitSeq(rest, "/") {
		switch {
		case seg == "":
			// "//" is an empty segment: some servers merge slashes, others
			// do not, so the same path would name two different resources.
			return BadRequest("the %s has an empty segment (//)", noun)
		case seg == ".":
			// Dot segments are rejected rather than resolved: an agent has
			// no need for them, and resolving invites a mismatch with the
			// upstream's own resolution.
			return BadRequest("the %s has a '.' segment", noun)
		case httpsyntax.IsDotSegment(seg):
			return OutOfScope("the %s has a '..' segment, which would climb out of the path it names", noun)
		}
		if err := checkNormalForm(seg, noun); err != nil {
			return err
		}
	}
	return nil
}

// checkNormalForm refuses a segment that Unicode compatibility
// normalisation (NFKC or NFKD, which some servers and frameworks apply to
// paths after routing) turns into path syntax: a new separator, query,
// fragment, escape, path parameter or dot segment that the policy did not
// see (see httpsyntax.NormalizesToSyntax).
func checkNormalForm(seg, noun string) *aos.Error {
	r, bad := httpsyntax.NormalizesToSyntax(seg)
	switch {
	case !bad:
		return nil
	case r == utf8.RuneError:
		return BadRequest("the %s has a segment that Unicode normalisation turns into a dot segment", noun)
	case r == '%':
		return BadRequest("the %s has a segment that Unicode normalisation turns into a percent-escape", noun)
	}
	return BadRequest("the %s contains %U, which Unicode normalisation turns into path syntax", noun, r)
}

// BadRequest is an EBadRequest error: malformed input.
func BadRequest(format string, args ...any) *aos.Error {
	return &aos.Error{Code: aos.EBadRequest, Message: fmt.Sprintf(format, args...)}
}

// OutOfScope is an EOutOfScope error: a request that could only reach
// outside any scope, such as a path escaping the base URL.
func OutOfScope(format string, args ...any) *aos.Error {
	return &aos.Error{Code: aos.EOutOfScope, Message: fmt.Sprintf(format, args...)}
}
