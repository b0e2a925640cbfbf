package opdef

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/aos-dev/aos"
)

// Table is a parsed operation file. It is immutable and safe for
// concurrent use.
type Table struct {
	headers  []string // added request headers, canonical, in file order
	defs     []*Def
	byName   map[string]*Def
	byMethod map[string][]*Def
}

// Def is one declared operation. It is immutable and safe for concurrent
// use.
type Def struct {
	name    string
	method  string // upper case
	pattern pattern
	access  aos.Access
	points  []aos.ApprovalPoint // in the order of declarable
	facts   factSpec
}

func newTable() *Table {
	return &Table{byName: map[string]*Def{}, byMethod: map[string][]*Def{}}
}

func (t *Table) add(d *Def) {
	t.defs = append(t.defs, d)
	t.byName[d.name] = d
	t.byMethod[d.method] = append(t.byMethod[d.method], d)
}

// Match returns the operation that a request with method and canonical
// path performs, and the values of its pattern's parameters (nil when it
// has none; a rest parameter's value is the remaining segments joined by
// "/"). The method is compared in upper case. Of the patterns that match,
// the most specific wins; Parse guarantees there is exactly one. It
// reports false when no operation matches: the request is undeclared.
func (t *Table) Match(method, canonicalPath string) (*Def, map[string]string, bool) {
	segs, ok := splitPath(canonicalPath)
	if !ok {
		return nil, nil, false
	}
	var best *Def
	for _, d := range t.byMethod[strings.ToUpper(method)] {
		if !d.pattern.matches(segs) {
			continue
		}
		// The patterns that match one path are ordered by specificity
		// (Parse rejects any other overlap), so this finds the least.
		if best == nil || compare(d.pattern.segs, best.pattern.segs) == moreSpecific {
			best = d
		}
	}
	if best == nil {
		return nil, nil, false
	}
	return best, best.pattern.params(segs), true
}

// Headers lists the request header names (canonical form) that the file
// adds to its connector's allow-list, in file order; nil when none.
func (t *Table) Headers() []string { return slices.Clone(t.headers) }

// HasOperations reports whether the file declares operations; a file
// may add headers alone.
func (t *Table) HasOperations() bool { return len(t.defs) > 0 }

// Lookup returns the operation named name.
func (t *Table) Lookup(name string) (*Def, bool) {
	d, ok := t.byName[name]
	return d, ok
}

// Operations lists the declared operations in file order.
func (t *Table) Operations() []aos.Operation {
	ops := make([]aos.Operation, len(t.defs))
	for i, d := range t.defs {
		ops[i] = d.Operation()
	}
	return ops
}

// Operation returns the operation as the policy sees it: its name, access
// and points.
func (d *Def) Operation() aos.Operation {
	return aos.Operation{Name: d.name, Access: d.access, Points: slices.Clone(d.points)}
}

// Name is the operation's unique name.
func (d *Def) Name() string { return d.name }

// Method is the operation's HTTP method, in upper case.
func (d *Def) Method() string { return d.method }

// Pattern is the operation's path pattern, as written.
func (d *Def) Pattern() string { return d.pattern.text }

// FixedPath returns the one path the operation's pattern matches, and
// reports false when the pattern has parameters. The path is in the
// canonical (decoded) form that Match takes.
func (d *Def) FixedPath() (string, bool) {
	for _, s := range d.pattern.segs {
		if s.kind != literal {
			return "", false
		}
	}
	return d.pattern.text, true
}

// fileJSON is the normal form of a table.
type fileJSON struct {
	Operations []defJSON `json:"operations,omitempty"`
	Headers    []string  `json:"headers,omitempty"`
}

type defJSON struct {
	Name   string              `json:"name"`
	Method string              `json:"method"`
	Path   string              `json:"path"`
	Access aos.Access          `json:"access"`
	Points []aos.ApprovalPoint `json:"points,omitempty"`
	Facts  *factsJSON          `json:"facts,omitempty"`
}

// factsJSON holds each fact's source as a string, or true for a fact that
// always holds.
type factsJSON struct {
	Amount        any    `json:"amount,omitempty"`
	AmountUnit    string `json:"amount_unit,omitempty"`
	Currency      any    `json:"currency,omitempty"`
	Recipients    any    `json:"recipients,omitempty"`
	Public        any    `json:"public,omitempty"`
	Export        any    `json:"export,omitempty"`
	Share         any    `json:"share,omitempty"`
	TrainingOptIn any    `json:"training_opt_in,omitempty"`
	Production    any    `json:"production,omitempty"`
}

// MarshalJSON writes the table in its normal form (see the package
// documentation). Parse reads it back to an equal table, and the same
// table always gives the same bytes.
func (t *Table) MarshalJSON() ([]byte, error) {
	f := fileJSON{Operations: make([]defJSON, len(t.defs)), Headers: t.headers}
	for i, d := range t.defs {
		f.Operations[i] = defJSON{
			Name: d.name, Method: d.method, Path: d.pattern.text, Access: d.access,
			Points: d.points, Facts: d.facts.json(),
		}
	}
	return json.Marshal(f)
}

// json returns the normal form of the facts, or nil when there are none.
func (f *factSpec) json() *factsJSON {
	var j factsJSON
	j.Amount, j.Currency, j.Recipients = sourceJSON(f.amount), sourceJSON(f.currency), sourceJSON(f.recipients)
	if f.amount.kind != noSource {
		j.AmountUnit = unitName(f.major)
	}
	j.Public, j.Export, j.Share = sourceJSON(f.public), sourceJSON(f.export), sourceJSON(f.share)
	j.TrainingOptIn, j.Production = sourceJSON(f.trainingOp), sourceJSON(f.production)
	if j == (factsJSON{}) {
		return nil
	}
	return &j
}

func sourceJSON(s source) any {
	switch s.kind {
	case noSource:
		return nil
	case always:
		return true
	}
	return s.String()
}
