package github

import (
	"regexp"
	"strings"

	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/opdef"
)

// Scopes and resources (see the package documentation).
const (
	// AccountWide is the scope of the whole account. It must be written
	// out; it is never a default.
	AccountWide = "*"
	// SelfResource is the resource of GET /user and GET /rate_limit: the
	// token's own identity and quota. Every scope covers it.
	SelfResource = "self"
	// AccountResource is the resource of every endpoint outside a
	// repository or organisation. Only AccountWide covers it.
	AccountResource = "account"

	repoPrefix = "repo:"
	orgPrefix  = "org:"
)

// namePattern is what an owner or repository name may be: GitHub allows
// letters, digits, '-', '_' and '.' (owners fewer). Anything else cannot
// name a repository, so it is refused before it reaches a scope check.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

func validName(s string) bool { return namePattern.MatchString(s) && strings.Trim(s, ".") != "" }

// CheckScope validates a scope and returns its canonical form: "*",
// "repo:owner/name" or "org:owner", names in lower case. Errors are
// *aos.Error values with code EBadRequest.
func CheckScope(scope string) (string, error) {
	const syntax = "write repo:OWNER/NAME, org:OWNER, or * for the whole account"
	switch {
	case scope == AccountWide:
		return AccountWide, nil
	case strings.HasPrefix(scope, repoPrefix):
		owner, name, ok := strings.Cut(scope[len(repoPrefix):], "/")
		if !ok || !validName(owner) || !validName(name) {
			return "", connector.BadRequest("the scope %.120q is not a repository: %s", scope, syntax)
		}
		return repoResource(owner, name), nil
	case strings.HasPrefix(scope, orgPrefix):
		owner := scope[len(orgPrefix):]
		if !validName(owner) {
			return "", connector.BadRequest("the scope %.120q is not an owner: %s", scope, syntax)
		}
		return orgPrefix + strings.ToLower(owner), nil
	}
	return "", connector.BadRequest("unknown scope %.120q: %s", scope, syntax)
}

func repoResource(owner, name string) string {
	return repoPrefix + strings.ToLower(owner) + "/" + strings.ToLower(name)
}

// Covers reports whether scope covers resource: "*" covers everything;
// every scope covers "self"; "repo:o/n" covers that repository;
// "org:o" covers o's repositories and "org:o". Names compare in any case.
// It is pure and fails closed: a scope CheckScope refuses, or a resource
// of no known form, is covered by nothing.
func Covers(scope, resource string) bool {
	s, err := CheckScope(scope)
	if err != nil || !validResource(resource) {
		return false
	}
	r := strings.ToLower(resource)
	switch {
	case s == AccountWide || r == SelfResource:
		return true
	case r == AccountResource:
		return false
	case s == r:
		return true
	case strings.HasPrefix(s, orgPrefix) && strings.HasPrefix(r, repoPrefix):
		owner, _, _ := strings.Cut(r[len(repoPrefix):], "/")
		return s == orgPrefix+owner
	}
	return false
}

// validResource reports whether r is a resource resourceOf can return.
func validResource(r string) bool {
	if r == SelfResource || r == AccountResource {
		return true
	}
	c, err := CheckScope(r)
	return err == nil && c != AccountWide && c == strings.ToLower(r)
}

// CheckScope validates a scope; see the package function CheckScope.
func (k *Connector) CheckScope(scope string) (string, error) { return CheckScope(scope) }

// Covers reports whether scope covers resource; see the package function
// Covers.
func (k *Connector) Covers(scope, resource string) bool { return Covers(scope, resource) }

// resourceOf returns the resource of a request to operation d, from its
// decoded path segments. The owner and repository are always the second
// and third segments of a /repos path (the pattern names them owner and
// repo, or template_owner and template_repo). A name GitHub could not
// have is EBadRequest.
func resourceOf(d *opdef.Def, p *reqPath) (string, error) {
	pattern := d.Pattern()
	segs := p.segs
	switch {
	case d.Method() == "GET" && (pattern == "/user" || pattern == "/rate_limit"):
		return SelfResource, nil
	case strings.HasPrefix(pattern, "/repos/{") && len(segs) >= 3:
		if !validName(segs[1]) || !validName(segs[2]) {
			return "", connector.BadRequest("%.100q/%.100q is not a repository name", segs[1], segs[2])
		}
		return repoResource(segs[1], segs[2]), nil
	case (strings.HasPrefix(pattern, "/orgs/{") || strings.HasPrefix(pattern, "/organizations/{")) && len(segs) >= 2:
		if !validName(segs[1]) {
			return "", connector.BadRequest("%.100q is not an organisation name", segs[1])
		}
		return orgPrefix + strings.ToLower(segs[1]), nil
	}
	return AccountResource, nil
}
