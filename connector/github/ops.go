package github

import (
	"embed"
	"fmt"
	"sort"
	"sync"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/github/internal/pathpat"
	"github.com/aos-dev/aos/connector/opdef"
)

//go:generate go run ./internal/gen -spec=$GITHUB_OPENAPI -dir .

// tableFiles are the generated operation tables: operations.yaml, then
// operations-2.yaml and so on, holding operations whose paths overlap
// those of the first.
//
//go:embed operations*.yaml
var tableFiles embed.FS

// tables are the parsed operation tables, in order. The files are part of
// the binary and a test parses them, so a failure is a build defect.
var tables = sync.OnceValue(func() []*opdef.Table {
	names, err := tableFiles.ReadDir(".")
	if err != nil {
		panic(err)
	}
	// operations.yaml, then operations-2.yaml, ... operations-10.yaml.
	sort.Slice(names, func(i, j int) bool {
		a, b := names[i].Name(), names[j].Name()
		return len(a) < len(b) || len(a) == len(b) && a < b
	})
	var ts []*opdef.Table
	for _, n := range names {
		data, err := tableFiles.ReadFile(n.Name())
		if err != nil {
			panic(err)
		}
		t, err := opdef.Parse(n.Name(), data)
		if err != nil {
			panic(fmt.Sprintf("github: the embedded operation table does not parse: %v", err))
		}
		ts = append(ts, t)
	}
	return ts
})

// operations lists every operation of the tables.
func operations() []aos.Operation {
	var ops []aos.Operation
	for _, t := range tables() {
		ops = append(ops, t.Operations()...)
	}
	return ops
}

// lookup returns the operation named name.
func lookup(name string) (*opdef.Def, bool) {
	for _, t := range tables() {
		if d, ok := t.Lookup(name); ok {
			return d, true
		}
	}
	return nil, false
}

// match returns the operation a request performs and its path parameters,
// decoded. Of the operations that match, the one more specific than every
// other wins; when there is none (paths that overlap, such as
// .../issues/comments/comments), or nothing matches, the request is
// unknown: EUnknownOperation.
func match(method string, p *reqPath) (*opdef.Def, map[string]string, error) {
	mp := p.matchPath()
	type hit struct {
		def    *opdef.Def
		params map[string]string
	}
	var hits []hit
	for _, t := range tables() {
		if d, params, ok := t.Match(method, mp); ok {
			hits = append(hits, hit{d, params})
		}
	}
	if len(hits) == 0 {
		return nil, nil, aos.Errorf(aos.EUnknownOperation, "%s %s is not a GitHub operation this connector knows", method, shortPath(mp))
	}
	best := hits[0]
	for _, h := range hits[1:] {
		if pathpat.Compare(pathpat.Parse(h.def.Pattern()), pathpat.Parse(best.def.Pattern())) == pathpat.MoreSpecific {
			best = h
		}
	}
	for _, h := range hits {
		if h.def != best.def && pathpat.Compare(pathpat.Parse(best.def.Pattern()), pathpat.Parse(h.def.Pattern())) != pathpat.MoreSpecific {
			return nil, nil, aos.Errorf(aos.EUnknownOperation, "%s %s could be %s or %s; GitHub's ids are numbers, so no operation has this path",
				method, shortPath(mp), best.def.Name(), h.def.Name())
		}
	}
	for k, v := range best.params {
		best.params[k] = unmatch(v)
	}
	return best.def, best.params, nil
}

// shortPath keeps messages about unknown paths short.
func shortPath(p string) string {
	if len(p) > 200 {
		return p[:200] + "..."
	}
	return p
}
