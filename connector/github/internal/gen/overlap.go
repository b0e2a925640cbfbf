package main

import (
	"fmt"

	"github.com/aos-dev/aos/connector/github/internal/pathpat"
)

// GitHub's paths overlap in a few places: GET /repos/{owner}/{repo}/issues/comments/{comment_id}
// and GET /repos/{owner}/{repo}/issues/{issue_number}/comments both match
// .../issues/comments/comments, and neither is more specific. One opdef
// table refuses such a pair, since it would leave that path in doubt, so
// the generator spreads the operations over as few tables as keep every
// pair of one method in a table related (disjoint or one more specific).
// The connector matches a request against every table and takes the most
// specific match; a path that two operations match with neither more
// specific is refused as unknown (GitHub's ids are numbers, so no real
// request has that shape).

// split returns the operations in tables, in order, each op going to the
// first table where it overlaps nothing.
func split(ops []op) ([][]op, error) {
	var tables [][]op
	for _, o := range ops {
		placed := false
		for i := range tables {
			if fits(tables[i], o) {
				tables[i] = append(tables[i], o)
				placed = true
				break
			}
		}
		if !placed {
			tables = append(tables, []op{o})
		}
	}
	if len(tables) > 9 {
		return nil, fmt.Errorf("the operations need %d tables; something is wrong with the paths", len(tables))
	}
	return tables, nil
}

// fits reports whether o can join table: no operation of its method there
// matches the same paths or overlaps it.
func fits(table []op, o op) bool {
	segs := pathpat.Parse(o.path)
	for _, other := range table {
		if other.method != o.method {
			continue
		}
		switch pathpat.Compare(segs, pathpat.Parse(other.path)) {
		case pathpat.Equivalent, pathpat.Overlapping:
			return false
		}
	}
	return true
}
