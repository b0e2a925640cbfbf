// Package pathpat relates opdef path patterns ("/repos/{owner}/{repo}",
// "/repos/{owner}/{repo}/contents/{path...}") by the sets of paths they
// match, with opdef's rules: a literal is more specific than a parameter,
// and a parameter than a rest parameter beginning at the same segment.
//
// The github connector's operations overlap in a few places, which one
// opdef table cannot hold; the generator spreads them over several tables
// and the connector picks among the tables' matches with Compare.
package pathpat

import "strings"

// Kind is the kind of one segment.
type Kind uint8

const (
	Literal Kind = iota // matches itself; "" is a trailing slash
	Param               // {name}: any one non-empty segment
	Rest                // {name...}: the remaining segments, at least one
)

// Seg is one segment of a pattern.
type Seg struct {
	Kind Kind
	Text string // a literal's text or a parameter's name
}

// Parse splits a pattern that opdef accepted into segments.
func Parse(pattern string) []Seg {
	parts := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	segs := make([]Seg, len(parts))
	for i, p := range parts {
		name, isParam := strings.CutPrefix(p, "{")
		name, closed := strings.CutSuffix(name, "}")
		switch {
		case !isParam || !closed:
			segs[i] = Seg{Literal, p}
		case strings.HasSuffix(name, "..."):
			segs[i] = Seg{Rest, strings.TrimSuffix(name, "...")}
		default:
			segs[i] = Seg{Param, name}
		}
	}
	return segs
}

// Relation is how the path sets of two patterns relate.
type Relation uint8

const (
	Disjoint     Relation = iota // no path matches both
	Equivalent                   // the same paths
	MoreSpecific                 // the first matches a strict subset of the second's
	LessSpecific                 // the second matches a strict subset of the first's
	Overlapping                  // some paths match both, neither contains the other
)

// Compare relates the paths that a and b match, segment by segment from
// the left, as opdef does.
func Compare(a, b []Seg) Relation {
	result := Equivalent
	for i := 0; ; i++ {
		aEnd, bEnd := i == len(a), i == len(b)
		if aEnd || bEnd {
			if aEnd && bEnd {
				return result
			}
			return Disjoint
		}
		x, y := a[i], b[i]
		switch {
		case x.Kind == Rest && y.Kind == Rest:
			return result
		case y.Kind == Rest:
			if x.Kind == Literal && x.Text == "" {
				return Disjoint
			}
			return combine(result, MoreSpecific)
		case x.Kind == Rest:
			if y.Kind == Literal && y.Text == "" {
				return Disjoint
			}
			return combine(result, LessSpecific)
		case x.Kind == Literal && y.Kind == Literal:
			if x.Text != y.Text {
				return Disjoint
			}
		case x.Kind == Literal:
			if x.Text == "" {
				return Disjoint
			}
			result = combine(result, MoreSpecific)
		case y.Kind == Literal:
			if y.Text == "" {
				return Disjoint
			}
			result = combine(result, LessSpecific)
		}
	}
}

func combine(so, next Relation) Relation {
	switch {
	case so == Equivalent:
		return next
	case so == next:
		return so
	}
	return Overlapping
}
