package rest

import (
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
)

// AccountWide is the scope that covers every path of a connection. It must
// be written out; it is never a default.
const AccountWide = "*"

// CheckScope validates a scope and returns its canonical form.
//
// A scope is "*" (account-wide) or a path prefix written decoded, as
// Canonical returns resources: it starts with "/", and has no empty or dot
// segments, no '?', '#', ';', backslash, wildcard '*', control or
// formatting character, nothing still percent-encoded (write "/a b", not
// "/a%20b"; "%2F" cannot be expressed) and no Unicode lookalike of path
// syntax. A trailing slash is removed. "/" is valid and covers every path,
// like "*", but reads as a path; "*" is how account-wide access is asked
// for by name. Errors are *aos.Error values with code EBadRequest.
func CheckScope(scope string) (string, error) {
	switch {
	case scope == AccountWide:
		return AccountWide, nil
	case scope == "":
		return "", connector.BadRequest("the scope is empty: write a path prefix such as /v1/contacts, or * for account-wide access")
	case !strings.HasPrefix(scope, "/"):
		return "", connector.BadRequest("a scope is a path prefix starting with / (such as /v1/contacts), or * for account-wide access")
	case len(scope) > connector.MaxPathLen:
		return "", connector.BadRequest("the scope is longer than %d bytes", connector.MaxPathLen)
	}
	if i := strings.IndexAny(scope, "?#*"); i >= 0 {
		if scope[i] == '*' {
			return "", connector.BadRequest("wildcards are not supported inside a scope: a scope already covers every path below it (use * alone for account-wide)")
		}
		return "", connector.BadRequest("the scope contains %q: a scope is a path, without query or fragment", scope[i])
	}
	for i := 0; i+2 < len(scope); i++ {
		if scope[i] == '%' && httpsyntax.IsHex(scope[i+1]) && httpsyntax.IsHex(scope[i+2]) {
			return "", connector.BadRequest("a scope is written decoded, as resources are matched: write /v1/a b, not /v1/a%%20b (an encoded slash, %%2F, cannot be granted)")
		}
	}
	if err := connector.CheckPath(scope, "scope"); err != nil {
		// Every scope error is the owner's input to fix, whatever the code a
		// resource with the same defect would get.
		return "", &aos.Error{Code: aos.EBadRequest, Message: err.Message}
	}
	// checkPath allows one trailing slash (and no "//"); drop it.
	if scope != "/" {
		scope = strings.TrimSuffix(scope, "/")
	}
	return scope, nil
}

// Covers reports whether scope covers the canonical resource: "*" and "/"
// cover every path; any other scope covers itself and the paths below it,
// on whole segments ("/v1/contacts" covers "/v1/contacts" and
// "/v1/contacts/42", never "/v1/contactsX" or "/v1").
//
// It is pure. It fails closed: a scope that CheckScope rejects, or a
// resource that Canonical could not have returned, is covered by nothing.
func Covers(scope, resource string) bool {
	s, err := CheckScope(scope)
	if err != nil || connector.CheckPath(resource, "path") != nil {
		return false
	}
	if s == AccountWide || s == "/" {
		return true
	}
	return resource == s || strings.HasPrefix(resource, s+"/")
}
