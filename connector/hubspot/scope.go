package hubspot

import (
	"fmt"
	"github.com/aos-dev/aos/connector"
	"slices"
	"strings"

	"github.com/aos-dev/aos"
)

// AccountWide is the scope, and the resource, of the whole HubSpot account.
// As a scope it must be written out; as a resource it names a call that
// reaches beyond any object type (owners, imports without named types,
// records created with inline associations), which only "*" covers.
const AccountWide = "*"

// objectPrefix starts a scope or resource that names object types.
const objectPrefix = "object:"

// maxTypes bounds the object types of one scope or resource.
const maxTypes = 64

// standardTypes are HubSpot's standard objects: the name the API uses in
// paths, its singular, and its object type ID. HubSpot accepts each of the
// three (in any case) for the same object; a resource always names it by
// the first, so that a grant on object:contacts covers a request for 0-1.
var standardTypes = [][3]string{
	{"contacts", "contact", "0-1"}, {"companies", "company", "0-2"}, {"deals", "deal", "0-3"},
	{"tickets", "ticket", "0-5"}, {"products", "product", "0-7"}, {"line_items", "line_item", "0-8"},
	{"quotes", "quote", "0-14"}, {"communications", "communication", "0-18"},
	{"feedback_submissions", "feedback_submission", "0-19"}, {"tasks", "task", "0-27"},
	{"notes", "note", "0-46"}, {"meetings", "meeting", "0-47"}, {"calls", "call", "0-48"},
	{"emails", "email", "0-49"}, {"invoices", "invoice", "0-53"}, {"marketing_events", "marketing_event", "0-54"},
	{"subscriptions", "subscription", "0-69"}, {"goal_targets", "goal_target", "0-74"},
	{"discounts", "discount", "0-84"}, {"fees", "fee", "0-85"}, {"taxes", "tax", "0-86"},
	{"users", "user", "0-115"}, {"postal_mail", "postal_mail", "0-116"}, {"orders", "order", "0-123"},
	{"leads", "lead", "0-136"}, {"carts", "cart", "0-142"}, {"services", "service", "0-162"},
	{"courses", "course", "0-410"}, {"listings", "listing", "0-420"}, {"appointments", "appointment", "0-421"},
	{"projects", "project", "0-970"},
}

// typeAliases maps every spelling of a standard object (lower case) to
// its name.
var typeAliases = func() map[string]string {
	m := map[string]string{}
	for _, t := range standardTypes {
		for _, alias := range t {
			m[alias] = t[0]
		}
	}
	return m
}()

// canonicalType returns the canonical name of an object type as written in
// a path, a body or a scope: a standard object's name for any of its
// spellings, and any other type (a custom object's 2-123 ID or p_name, a
// standard object this table does not know yet) in lower case, since
// HubSpot reads type names case-insensitively. A type is 1 to 100 ASCII
// letters, digits, '_' and '-', starting with a letter or digit; it
// reports false for anything else.
func canonicalType(s string) (string, bool) {
	if s == "" || len(s) > 100 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case i > 0 && (c == '_' || c == '-'):
		default:
			return "", false
		}
	}
	lower := strings.ToLower(s)
	if name, ok := typeAliases[lower]; ok {
		return name, true
	}
	return lower, true
}

// objectResource returns the resource of a call touching types: "object:"
// and their canonical names, sorted and without repeats.
func objectResource(types ...string) string {
	ts := slices.Clone(types)
	slices.Sort(ts)
	return objectPrefix + strings.Join(slices.Compact(ts), ",")
}

// parseTypes parses "object:A,B" into canonical, sorted, distinct types.
func parseTypes(s string) ([]string, error) {
	list, ok := strings.CutPrefix(s, objectPrefix)
	if !ok || list == "" {
		return nil, fmt.Errorf("write object:TYPE (such as object:contacts, object:contacts,companies), or * for account-wide access")
	}
	var ts []string
	for item := range strings.SplitSeq(list, ",") {
		t, ok := canonicalType(strings.TrimSpace(item))
		if !ok {
			return nil, fmt.Errorf("%q is not an object type (a name such as contacts, an ID such as 0-1 or 2-1234, or p_name)", item)
		}
		ts = append(ts, t)
	}
	if len(ts) > maxTypes {
		return nil, fmt.Errorf("at most %d object types in one scope", maxTypes)
	}
	slices.Sort(ts)
	return slices.Compact(ts), nil
}

// CheckScope validates a scope and returns its canonical form: "*", or
// "object:" and one or more object types separated by commas, each in
// its canonical name (see canonicalType), sorted, without repeats:
// "object:Contact, 0-2" becomes "object:companies,contacts". Errors are
// *aos.Error values with code EBadRequest.
func CheckScope(scope string) (string, error) {
	if scope == AccountWide {
		return AccountWide, nil
	}
	ts, err := parseTypes(scope)
	if err != nil {
		return "", aos.Errorf(aos.EBadRequest, "scope %.80q: %v", scope, err)
	}
	return objectPrefix + strings.Join(ts, ","), nil
}

// Covers reports whether scope covers resource. "*" covers every resource;
// the resource "*" (a call beyond any object type) is covered by "*" only;
// "object:A,B" covers a resource whose every type it lists, so a call on
// an association between contacts and companies (object:companies,contacts)
// needs a scope that names both, such as object:companies,contacts, or
// "*". It is pure and fails closed: what CheckScope rejects covers nothing
// and is covered by nothing.
func Covers(scope, resource string) bool {
	if _, err := CheckScope(scope); err != nil {
		return false
	}
	if resource == AccountWide {
		return scope == AccountWide
	}
	need, err := parseTypes(resource)
	if err != nil {
		return false
	}
	if scope == AccountWide {
		return true
	}
	have, _ := parseTypes(scope)
	for _, t := range need {
		if _, ok := slices.BinarySearch(have, t); !ok {
			return false
		}
	}
	return true
}

// Items splits a resource into one resource per object type, so that an
// association between contacts and companies is allowed by a grant on
// each (connector.Compound). A resource Covers would reject has no items.
func (k *Connector) Items(resource string) []string {
	if resource == AccountWide {
		return []string{resource}
	}
	types, err := parseTypes(resource)
	if err != nil {
		return nil
	}
	items := make([]string, len(types))
	for i, t := range types {
		items[i] = objectPrefix + t
	}
	return items
}

var _ connector.Compound = (*Connector)(nil)
