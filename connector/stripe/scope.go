package stripe

import (
	"slices"
	"strings"

	"github.com/aos-dev/aos/connector"
)

// AccountWide is the scope that covers every object type. It must be
// written out; it is never a default.
const AccountWide = "*"

// maxScopeLen bounds a scope or resource; the list of every type is far
// shorter.
const maxScopeLen = 4096

// CheckScope validates a scope and returns its canonical form.
//
// A scope is "*" (account-wide) or a comma-separated list of Stripe
// object types as they appear in URLs ("refunds", "customers",
// "payment_intents", "reporting.report_runs"), each one a type of some
// operation of the connector. White space around names is ignored, names
// are read in lower case, and the canonical form is the sorted list
// without repeats, such as "charges,refunds". "events" cannot be granted
// alone: events carry snapshots of every type, so only "*" covers them.
// Errors are *aos.Error values with code EBadRequest.
func (k *Connector) CheckScope(scope string) (string, error) {
	s := strings.TrimSpace(scope)
	switch {
	case s == AccountWide:
		return AccountWide, nil
	case s == "":
		return "", connector.BadRequest("the scope is empty: name object types such as refunds or refunds,charges, or * for account-wide access")
	case len(s) > maxScopeLen:
		return "", connector.BadRequest("the scope is longer than %d bytes", maxScopeLen)
	}
	var types []string
	for name := range strings.SplitSeq(s, ",") {
		typ := strings.ToLower(strings.TrimSpace(name))
		switch {
		case typ == "":
			return "", connector.BadRequest("the scope has an empty name between commas")
		case typ == AccountWide:
			return "", connector.BadRequest("* is account-wide on its own; it cannot be listed with types")
		case typ == "events":
			return "", connector.BadRequest("events carry snapshots of every object type, so only * (account-wide) covers them")
		case !operations.knownType(typ):
			return "", connector.BadRequest("%.64q is not a Stripe object type the connector knows; the types are %s",
				typ, strings.Join(grantableTypes(), ", "))
		}
		types = append(types, typ)
	}
	slices.Sort(types)
	return strings.Join(slices.Compact(types), ","), nil
}

// grantableTypes lists the types a scope may name.
func grantableTypes() []string {
	var ts []string
	for _, t := range operations.types {
		if t != "events" {
			ts = append(ts, t)
		}
	}
	return ts
}

// Covers reports whether a granted scope covers a resource.
//
// A resource is the comma-separated list of object types a request
// touches: the type of its operation first, then the types its expansions
// reach; a member "*" stands for a type the connector cannot name. "*"
// covers every resource; any other scope covers a resource when it lists
// every one of its types, so "refunds" covers "refunds" but not
// "refunds,charges", and nothing but "*" covers a resource with a "*"
// member.
//
// It is pure. It fails closed: a scope that CheckScope rejects or that is
// not in canonical form, or a resource that the connector could not have
// produced, is covered by nothing.
func (k *Connector) Covers(scope, resource string) bool {
	types, ok := parseResource(resource)
	if !ok {
		return false
	}
	if scope == AccountWide {
		return true
	}
	canon, err := k.CheckScope(scope)
	if err != nil || canon != scope {
		return false
	}
	granted := strings.Split(canon, ",")
	for _, t := range types {
		if _, ok := slices.BinarySearch(granted, t); !ok {
			return false
		}
	}
	return true
}

// parseResource splits a resource into its types, and reports false if it
// is not one the connector produces.
func parseResource(resource string) ([]string, bool) {
	if resource == "" || len(resource) > maxScopeLen {
		return nil, false
	}
	types := strings.Split(resource, ",")
	for _, t := range types {
		if t != everyType && !operations.knownType(t) {
			return nil, false
		}
	}
	return types, true
}

// resourceOf is the resource of a request: the operation's type, then the
// other types that expansions reach, sorted, with "*" last when present.
// Events always carry "*".
func resourceOf(opType string, expanded []string) string {
	if opType == "events" {
		expanded = append(expanded, everyType)
	}
	var others []string
	every := false
	for _, t := range expanded {
		switch {
		case t == everyType:
			every = true
		case t != opType:
			others = append(others, t)
		}
	}
	slices.Sort(others)
	parts := append([]string{opType}, slices.Compact(others)...)
	if every {
		parts = append(parts, everyType)
	}
	return strings.Join(parts, ",")
}

// Items splits a resource into its object types, so that a request that
// expands charges from refunds is allowed by a grant on refunds and one on
// charges (connector.Compound). A resource the connector could not have
// produced has no items.
func (k *Connector) Items(resource string) []string {
	types, ok := parseResource(resource)
	if !ok {
		return nil
	}
	return types
}

var _ connector.Compound = (*Connector)(nil)
