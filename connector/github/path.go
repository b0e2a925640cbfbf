package github

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
)

// maxPathLen bounds an escaped request path.
const maxPathLen = 8192

// reqPath is a request path as GitHub reads it: segments split on the
// slashes the client wrote, each decoded once. A segment may hold a slash
// the client encoded (%2F): Octokit sends a ref "heads/main" or a file
// "docs/a.md" that way, and GitHub reads it as part of one parameter. A
// trailing slash is a last empty segment.
type reqPath struct {
	segs []string
}

// parsePath parses the escaped path an agent sent. It does not resolve or
// repair anything: a path some server might read in more than one way is
// refused, with EOutOfScope when it tries to climb ("..") and EBadRequest
// otherwise. One extra leading slash is dropped: an SDK whose base URL
// ends in "/" (Octokit with baseUrl ".../v1/proxy/NAME/") sends "//repos/...".
// The path is rebuilt from the segments, so the upstream never sees it.
func parsePath(raw string) (*reqPath, error) {
	switch {
	case raw == "" || raw[0] != '/':
		return nil, connector.BadRequest("the path must start with /")
	case len(raw) > maxPathLen:
		return nil, connector.BadRequest("the path is longer than %d bytes", maxPathLen)
	case strings.ContainsAny(raw, "?#"):
		return nil, connector.BadRequest("the path contains '?' or '#'; send the query separately")
	}
	rest := strings.TrimPrefix(raw[1:], "/")
	parts := strings.Split(rest, "/")
	p := &reqPath{segs: make([]string, len(parts))}
	for i, part := range parts {
		last := i == len(parts)-1
		if part == "" {
			if last {
				continue // a trailing slash, or the root "/"
			}
			return nil, connector.BadRequest("the path has an empty segment (//)")
		}
		seg, err := decodeSegment(part)
		if err != nil {
			return nil, err
		}
		p.segs[i] = seg
	}
	return p, nil
}

// decodeSegment percent-decodes one segment exactly once and checks it.
func decodeSegment(raw string) (string, error) {
	s, err := url.PathUnescape(raw)
	if err != nil {
		return "", connector.BadRequest("the path has a malformed percent-escape")
	}
	if !utf8.ValidString(s) {
		return "", connector.BadRequest("the path is not valid UTF-8 once decoded")
	}
	for i, r := range s {
		switch {
		case r == '\\' || r == ';':
			return "", connector.BadRequest("the path contains '\\' or ';', which some servers read as syntax")
		case r == '%' && i+2 < len(s) && httpsyntax.IsHex(s[i+1]) && httpsyntax.IsHex(s[i+2]):
			return "", connector.BadRequest("the path is percent-encoded twice")
		case unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r):
			return "", connector.BadRequest("the path contains a control or invisible formatting character")
		}
	}
	// An encoded slash splits a parameter the way a real one would for a
	// server that decodes first: neither reading may climb or be empty.
	for piece := range strings.SplitSeq(s, "/") {
		switch {
		case piece == "":
			return "", connector.BadRequest("the path has an empty segment (an encoded // or a leading or trailing %%2F)")
		case httpsyntax.IsDotSegment(piece):
			if strings.Trim(piece, " \t") == "." {
				return "", connector.BadRequest("the path has a '.' segment")
			}
			return "", aos.Errorf(aos.EOutOfScope, "the path has a '..' segment, which would climb out of the path it names")
		}
		// A server that normalises the path after routing (NFKC) must not
		// find a separator, query, escape or climb that was not decided on.
		if r, bad := httpsyntax.NormalizesToSyntax(piece); bad {
			switch r {
			case utf8.RuneError:
				return "", connector.BadRequest("the path has a segment that Unicode normalisation turns into a dot segment")
			case '%':
				return "", connector.BadRequest("the path has a segment that Unicode normalisation turns into a percent-escape")
			}
			return "", connector.BadRequest("the path contains %U, which Unicode normalisation turns into path syntax", r)
		}
	}
	return s, nil
}

// matchPath is the path the operation tables are matched against: the
// segments with '%' and '/' escaped, so that a segment holding an encoded
// slash stays one segment and can only match a parameter (patterns have
// no '%'). unmatch undoes it for a parameter's value.
func (p *reqPath) matchPath() string {
	esc := make([]string, len(p.segs))
	for i, s := range p.segs {
		esc[i] = matchEscaper.Replace(s)
	}
	return "/" + strings.Join(esc, "/")
}

var (
	matchEscaper   = strings.NewReplacer("%", "%25", "/", "%2F")
	matchUnescaper = strings.NewReplacer("%25", "%", "%2F", "/")
)

func unmatch(v string) string { return matchUnescaper.Replace(v) }

// escaped is the path as it goes upstream: each segment escaped on its
// own, so the upstream decodes exactly the segments that were decided on.
func (p *reqPath) escaped() string {
	esc := make([]string, len(p.segs))
	for i, s := range p.segs {
		esc[i] = url.PathEscape(s)
	}
	return "/" + strings.Join(esc, "/")
}

// hasTrailingSlash reports whether the path ends in "/".
func (p *reqPath) hasTrailingSlash() bool {
	return len(p.segs) > 0 && p.segs[len(p.segs)-1] == ""
}
