package main

import (
	"fmt"
	"sort"
	"strings"
)

// GitHub's paths overlap in a few places: GET /orgs/{org}/rulesets/{id}/history
// and GET /orgs/{org}/rulesets/rule-suites/{id} both match
// /orgs/{org}/rulesets/rule-suites/history, and neither is more specific.
// opdef refuses such a table, since it would leave that path in doubt. For
// each such pair the generator declares the common path on its own as an
// "ambiguous." operation, which the connector refuses as unknown: GitHub's
// ids are numbers, so no real request has that shape, and guessing which
// operation GitHub would pick is not the gateway's to do.

// ambiguousPrefix starts the name of every operation that declares an
// ambiguous path.
const ambiguousPrefix = "ambiguous."

type segKind int

const (
	lit segKind = iota
	par
	rest
)

type seg struct {
	kind segKind
	text string
}

func segments(path string) []seg {
	parts := strings.Split(path[1:], "/")
	out := make([]seg, len(parts))
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "...}"):
			out[i] = seg{rest, p}
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
			out[i] = seg{par, p}
		default:
			out[i] = seg{lit, p}
		}
	}
	return out
}

// commonPattern returns the pattern of the paths both a and b match when
// they overlap with neither more specific, and false otherwise. It covers
// the shapes GitHub's paths take: rest parameters only last.
func commonPattern(a, b []seg) (string, bool) {
	if len(a) != len(b) || a[len(a)-1].kind == rest || b[len(b)-1].kind == rest {
		return "", false
	}
	aMore, bMore := false, false
	common := make([]string, len(a))
	for i := range a {
		x, y := a[i], b[i]
		switch {
		case x.kind == lit && y.kind == lit:
			if x.text != y.text {
				return "", false
			}
			common[i] = x.text
		case x.kind == lit:
			aMore, common[i] = true, x.text
		case y.kind == lit:
			bMore, common[i] = true, y.text
		default:
			common[i] = x.text
		}
	}
	if !aMore || !bMore {
		return "", false
	}
	return "/" + strings.Join(common, "/"), true
}

// ambiguous returns an operation for every path that two operations of one
// method match with neither more specific.
func ambiguous(ops []op) []op {
	seen := map[string]bool{}
	var out []op
	for i := range ops {
		for j := i + 1; j < len(ops); j++ {
			a, b := ops[i], ops[j]
			if a.method != b.method {
				continue
			}
			p, ok := commonPattern(segments(a.path), segments(b.path))
			if !ok || seen[a.method+" "+p] {
				continue
			}
			seen[a.method+" "+p] = true
			access := "read"
			if a.access == "write" || b.access == "write" {
				access = "write"
			}
			out = append(out, op{method: a.method, path: p, access: access,
				note: fmt.Sprintf("refused: %s or %s", a.name, b.name)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	for i := range out {
		out[i].name = fmt.Sprintf("%s%d", ambiguousPrefix, i+1)
	}
	return out
}
