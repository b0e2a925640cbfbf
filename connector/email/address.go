package email

import (
	"net/mail"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// Limits of RFC 5321 §4.5.3.1 on the parts of an address.
const (
	maxLocalPart = 64
	maxDomain    = 253
	maxAddress   = 254
	maxLabel     = 63
)

// address is a mailbox from an agent's arguments: an optional display name
// and an ASCII addr-spec.
type address struct {
	name string
	addr string
}

// key is the address in lower case: how scopes, resources and duplicate
// recipients are compared.
func (a address) key() string { return strings.ToLower(a.addr) }

// domain is the part after '@', in lower case.
func (a address) domain() string {
	_, d, _ := strings.Cut(a.key(), "@")
	return d
}

// parseAddress parses "addr@example.com" or "Name <addr@example.com>".
// The addr-spec must be plain ASCII dot-atom@domain (no quoted local
// parts, no address literals, no SMTPUTF8): what every server accepts and
// what a scope can name unambiguously. A display name may be any UTF-8
// text without control characters. CR and LF are refused everywhere, so
// an address can never start a header of its own.
func parseAddress(s string) (address, error) {
	if s == "" {
		return address{}, connector.BadRequest("an address is empty")
	}
	if hasControl(s) {
		return address{}, connector.BadRequest("an address contains a control character (CR, LF, ...)")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return address{}, connector.BadRequest("%q is not an email address such as ada@example.com or \"Ada <ada@example.com>\"", clip(s))
	}
	if err := checkAddrSpec(a.Address); err != nil {
		return address{}, err
	}
	if hasControl(a.Name) {
		return address{}, connector.BadRequest("a display name contains a control character")
	}
	return address{name: a.Name, addr: a.Address}, nil
}

// checkAddrSpec accepts local@domain where local is a dot-atom of ASCII
// atext and domain is a host name of letters, digits and hyphens.
func checkAddrSpec(s string) error {
	local, domain, ok := strings.Cut(s, "@")
	switch {
	case !ok || len(s) > maxAddress:
		return connector.BadRequest("%q is not an email address", clip(s))
	case !isDotAtom(local) || len(local) > maxLocalPart:
		return connector.BadRequest("%q: only plain ASCII local parts (letters, digits, dots and !#$%%&'*+/=?^_`{|}~-) are supported", clip(s))
	case !isDomain(domain):
		return connector.BadRequest("%q: the domain must be a host name such as example.com", clip(s))
	}
	return nil
}

// isDotAtom reports whether s is RFC 5322 dot-atom-text.
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '.' && !strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", rune(c)) {
			return false
		}
	}
	return true
}

// isDomain reports whether s is a host name: dot-separated labels of ASCII
// letters, digits and inner hyphens, at most 253 bytes.
func isDomain(s string) bool {
	if s == "" || len(s) > maxDomain {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > maxLabel || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if !isAlnum(label[i]) && label[i] != '-' {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// hasControl reports whether s has an ASCII control character (CR, LF,
// NUL, DEL...) or is not valid UTF-8 text free of C1 controls.
func hasControl(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f || 0x80 <= r && r < 0xa0 || r == '\uFFFD' {
			return true
		}
	}
	return false
}

// clip shortens user input quoted in an error message.
func clip(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// Scope syntax.
const (
	// AccountWide is the scope covering every sender. It must be written
	// out; it is never a default.
	AccountWide = "*"
	fromPrefix  = "from:"
)

// CheckScope validates a scope and returns its canonical form, in lower
// case: "from:ADDRESS" (that sender only), "from:*@DOMAIN" (any address
// at exactly that domain; subdomains are other domains) or "*". Errors
// are *aos.Error values with code EBadRequest.
func CheckScope(scope string) (string, error) {
	const forms = "write from:ADDRESS, from:*@DOMAIN or * (any sender)"
	if scope == AccountWide {
		return AccountWide, nil
	}
	rest, ok := strings.CutPrefix(strings.ToLower(scope), fromPrefix)
	if !ok {
		return "", connector.BadRequest("unknown scope %q: %s", clip(scope), forms)
	}
	if domain, ok := strings.CutPrefix(rest, "*@"); ok {
		if !isDomain(domain) {
			return "", connector.BadRequest("scope %q: %q is not a domain such as example.com", clip(scope), clip(domain))
		}
		return fromPrefix + "*@" + domain, nil
	}
	if strings.Contains(rest, "*") {
		return "", connector.BadRequest("scope %q: the only wildcard is a whole local part, as in from:*@example.com", clip(scope))
	}
	if err := checkAddrSpec(rest); err != nil {
		return "", connector.BadRequest("scope %q: %s", clip(scope), aos.ErrorMessage(err))
	}
	return fromPrefix + rest, nil
}

// Covers reports whether scope covers resource ("from:ADDRESS", as
// FromCall returns it). It is pure and fails closed: a scope CheckScope
// rejects, or a resource that is not a canonical sender, is covered by
// nothing.
func Covers(scope, resource string) bool {
	s, err := CheckScope(scope)
	if err != nil {
		return false
	}
	addr, ok := strings.CutPrefix(resource, fromPrefix)
	if !ok || addr != strings.ToLower(addr) || checkAddrSpec(addr) != nil {
		return false
	}
	if s == AccountWide {
		return true
	}
	if domain, ok := strings.CutPrefix(s, fromPrefix+"*@"); ok {
		_, d, _ := strings.Cut(addr, "@")
		return d == domain
	}
	return s == resource
}

// Resource is the canonical resource of a send from addr.
func Resource(addr string) string { return fromPrefix + strings.ToLower(addr) }
