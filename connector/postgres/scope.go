package postgres

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
)

// AccountWide is the scope that covers everything the connection reaches.
// It must be written out; it is never a default.
const AccountWide = "*"

// maxName is the longest name PostgreSQL keeps (NAMEDATALEN-1 bytes);
// longer identifiers are truncated by the server.
const maxName = 63

// A scope or resource item is one to three segments separated by '/':
// DB, DB/SCHEMA or DB/SCHEMA/NAME, each segment a name exactly as
// PostgreSQL stores it (unquoted identifiers are folded to lower case).
// Inside a segment the characters that would be ambiguous are
// percent-encoded, with upper-case hex: '%', '/', ',', '*' and control
// characters. Everything else, spaces, dots and quotes included, is
// written as is.

// escapeName encodes one name as a segment.
func escapeName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '%' || c == '/' || c == ',' || c == '*' || c < 0x20 || c == 0x7f {
			const hex = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// unescapeSegment decodes one segment, checking it names something
// PostgreSQL could store. what names the input in errors.
func unescapeSegment(seg, what string) (string, error) {
	if seg == "" {
		return "", connector.BadRequest("%s has an empty name: write DB, DB/SCHEMA or DB/SCHEMA/TABLE", what)
	}
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c == '%':
			if i+2 >= len(seg) || !httpsyntax.IsHex(seg[i+1]) || !httpsyntax.IsHex(seg[i+2]) {
				return "", connector.BadRequest("%s has a %% that is not followed by two hex digits (write %%25 for a %% in a name)", what)
			}
			b.WriteByte(httpsyntax.Unhex(seg[i+1])<<4 | httpsyntax.Unhex(seg[i+2]))
			i += 2
		case c == '*':
			return "", connector.BadRequest("%s contains '*': wildcards are not supported inside a scope; DB/SCHEMA already covers every table of the schema, and * alone is account-wide", what)
		case c == ',':
			return "", connector.BadRequest("%s contains ',': write %%2C for a comma in a name", what)
		case c < 0x20 || c == 0x7f:
			return "", connector.BadRequest("%s contains a control character: percent-encode it", what)
		default:
			b.WriteByte(c)
		}
	}
	name := b.String()
	switch {
	case !utf8.ValidString(name):
		return "", connector.BadRequest("%s is not valid UTF-8", what)
	case strings.IndexByte(name, 0) >= 0:
		return "", connector.BadRequest("%s contains a NUL byte, which no PostgreSQL name can hold", what)
	case len(name) > maxName:
		return "", connector.BadRequest("%s has a name longer than %d bytes, which PostgreSQL would truncate", what, maxName)
	}
	return name, nil
}

// parsePath splits a scope or resource item into its decoded names.
func parsePath(s, what string) ([]string, error) {
	segs := strings.Split(s, "/")
	if len(segs) > 3 {
		return nil, connector.BadRequest("%s has more than three parts: write DB, DB/SCHEMA or DB/SCHEMA/TABLE", what)
	}
	names := make([]string, len(segs))
	for i, seg := range segs {
		n, err := unescapeSegment(seg, what)
		if err != nil {
			return nil, err
		}
		names[i] = n
	}
	return names, nil
}

// item returns the canonical resource item of names (DB, DB/SCHEMA or
// DB/SCHEMA/NAME).
func item(names ...string) string {
	segs := make([]string, len(names))
	for i, n := range names {
		segs[i] = escapeName(n)
	}
	return strings.Join(segs, "/")
}

// CheckScope validates a scope and returns its canonical form: "*"
// (account-wide), "DB" (a whole database), "DB/SCHEMA" (every table,
// view and function of a schema) or "DB/SCHEMA/NAME" (one table, view or
// function). Names are written as PostgreSQL stores them, with '%', '/',
// ',', '*' and control characters percent-encoded; hex digits are
// canonically upper case. Errors are *aos.Error values with code
// EBadRequest.
func CheckScope(scope string) (string, error) {
	if scope == AccountWide {
		return AccountWide, nil
	}
	if scope == "" {
		return "", connector.BadRequest("the scope is empty: write DB/SCHEMA or DB/SCHEMA/TABLE, or * for account-wide access")
	}
	names, err := parsePath(scope, "the scope")
	if err != nil {
		return "", err
	}
	return item(names...), nil
}

// A statement that names no relation (SELECT $1::int + 1, VALUES (1))
// reads nothing of its database, so it is within any grant on it: its
// resource is the item DB/*, which "*", "DB", "DB/SCHEMA" and
// "DB/SCHEMA/NAME" of that database all cover. '*' is percent-encoded in
// every name, so DB/* is never a schema; and it is never a scope
// (CheckScope refuses '*' in a segment). Such a statement is still under
// every other rule: the function allow-list, the server's plan (a
// relation the plan reaches is decided again), read-only transactions.
const noRelationSeg = "*"

// noRelation is how the marker segment is kept among decoded names: NUL,
// which no PostgreSQL name holds.
const noRelation = "\x00"

// noRelationItem is the resource item of a statement of db that names no
// relation.
func noRelationItem(db string) string { return item(db) + "/" + noRelationSeg }

// makeResource joins resource items into a call's resource: sorted,
// without repeats, comma-separated.
func makeResource(items []string) string {
	s := append([]string(nil), items...)
	sort.Strings(s)
	out := s[:0]
	for i, it := range s {
		if i == 0 || it != s[i-1] {
			out = append(out, it)
		}
	}
	return strings.Join(out, ",")
}

// splitResource returns the items of a canonical resource, or false if
// resource is not one that makeResource could have returned: empty, an
// item that is not canonical, or items out of order or repeated.
func splitResource(resource string) ([][]string, bool) {
	if resource == "" {
		return nil, false
	}
	raw := strings.Split(resource, ",")
	items := make([][]string, len(raw))
	for i, it := range raw {
		if i > 0 && raw[i-1] >= it {
			return nil, false
		}
		if db, ok := strings.CutSuffix(it, "/"+noRelationSeg); ok {
			names, err := parsePath(db, "the resource")
			if err != nil || len(names) != 1 || item(names...) != db {
				return nil, false
			}
			items[i] = []string{names[0], noRelation}
			continue
		}
		names, err := parsePath(it, "the resource")
		if err != nil || item(names...) != it {
			return nil, false
		}
		items[i] = names
	}
	return items, true
}

// Covers reports whether scope covers a call's resource. A resource is a
// comma-separated, sorted list of items (DB/SCHEMA/NAME for each table,
// view or function the statement reaches, DB for a statement that acts
// on the database as a whole, DB/* for one that names no relation), and
// it is covered only when every one of its items is: "*" covers every
// item, "DB" every item of that database, "DB/SCHEMA" every item of that
// schema, and "DB/SCHEMA/NAME" that item alone; DB/* is covered by any
// scope of its database. Names compare exactly, as PostgreSQL compares them.
//
// It is pure and fails closed: a scope CheckScope rejects, or a resource
// that is empty, not canonical, out of order or repeating an item, is
// covered by nothing.
func Covers(scope, resource string) bool {
	s, err := CheckScope(scope)
	if err != nil {
		return false
	}
	items, ok := splitResource(resource)
	if !ok {
		return false
	}
	if s == AccountWide {
		return true
	}
	want, _ := parsePath(s, "the scope")
	for _, it := range items {
		if len(it) == 2 && it[1] == noRelation {
			if want[0] != it[0] {
				return false
			}
			continue
		}
		if !prefixOf(want, it) {
			return false
		}
	}
	return true
}

func prefixOf(scope, it []string) bool {
	if len(scope) > len(it) {
		return false
	}
	for i := range scope {
		if scope[i] != it[i] {
			return false
		}
	}
	return true
}

// Items splits a resource into its items (DB/SCHEMA/NAME for each table,
// view or function, or DB), so that a join of two tables is allowed by a
// grant on each (connector.Compound). A resource that is not canonical
// has no items.
func (k *Connector) Items(resource string) []string {
	if _, ok := splitResource(resource); !ok {
		return nil
	}
	return strings.Split(resource, ",")
}

var _ connector.Compound = (*Connector)(nil)
