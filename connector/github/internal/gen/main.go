// Command gen writes the github connector's operation table
// (operations.yaml) and the query parameters of its writes
// (writequery.go) from GitHub's published OpenAPI description, as the
// npm package @octokit/openapi ships it (generated/api.github.com.json).
//
// Each operation of the families in families becomes one opdef entry: its
// name is the operationId with the first '/' turned into '.'
// ("repos/get" is repos.get), its method and path are the OpenAPI ones
// (a last path parameter marked x-multi-segment becomes a {name...} rest
// parameter, since a git ref or file path spans segments), GET and HEAD
// read and every other method writes, and the approval points come from
// the rules in rules.go. The output is deterministic: operations sorted by
// path, then method.
//
// Usage (see the go:generate line in the github package):
//
//	go run ./internal/gen -spec PATH/api.github.com.json -dir .
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

func main() {
	spec := flag.String("spec", os.Getenv("GITHUB_OPENAPI"), "path of api.github.com.json from @octokit/openapi (default $GITHUB_OPENAPI)")
	dir := flag.String("dir", ".", "folder to write operations.yaml (and operations-N.yaml) into")
	flag.Parse()
	if *spec == "" {
		fmt.Fprintln(os.Stderr, "gen: error: no OpenAPI description given")
		fmt.Fprintln(os.Stderr, "gen: hint: npm install --prefix /tmp/ghspec @octokit/openapi, then")
		fmt.Fprintln(os.Stderr, "gen: hint: GITHUB_OPENAPI=/tmp/ghspec/node_modules/@octokit/openapi/generated/api.github.com.json go generate ./connector/github")
		os.Exit(2)
	}
	if err := run(*spec, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen: error:", err)
		os.Exit(1)
	}
}

func run(specPath, dir string) error {
	data, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	var s spec
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("%s: %w", specPath, err)
	}
	ops, err := operations(&s)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "writequery.go"), renderWriteQuery(&s, ops), 0o644); err != nil {
		return err
	}
	tables, err := split(ops)
	if err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "operations-*.yaml"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	for i, t := range tables {
		name := "operations.yaml"
		if i > 0 {
			name = fmt.Sprintf("operations-%d.yaml", i+1)
		}
		if err := os.WriteFile(filepath.Join(dir, name), render(&s, t, i+1, len(tables)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// spec is the part of an OpenAPI 3 description the generator reads.
type spec struct {
	Info struct {
		Title   string `json:"title"`
		Version string `json:"version"`
	} `json:"info"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Parameters map[string]parameter `json:"parameters"`
	} `json:"components"`
}

type operationObject struct {
	OperationID string      `json:"operationId"`
	Parameters  []parameter `json:"parameters"`
}

type parameter struct {
	Ref          string `json:"$ref"`
	Name         string `json:"name"`
	In           string `json:"in"`
	MultiSegment bool   `json:"x-multi-segment"`
}

// op is one row of the table.
type op struct {
	name, method, path string
	access             string
	points             []string
	note               string
	// query are the query parameters the description declares, sorted.
	query []string
}

var methods = map[string]bool{"get": true, "head": true, "post": true, "put": true, "patch": true, "delete": true}

var (
	paramRef   = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)
	wholeParam = regexp.MustCompile(`^\{[A-Za-z0-9_]+\}$`)
)

// operations selects and converts the operations of families.
func operations(s *spec) ([]op, error) {
	skipped = nil
	var ops []op
	seen := map[string]bool{}
	for path, item := range s.Paths {
		for method, raw := range item {
			if !methods[method] {
				continue
			}
			var o operationObject
			if err := json.Unmarshal(raw, &o); err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
			family, rest, ok := strings.Cut(o.OperationID, "/")
			if !ok || !families[family] {
				continue
			}
			if !wholeParams(path) {
				// Such as /compare/{base}...{head}, which the same
				// operation's {basehead} form covers.
				skipped = append(skipped, family+"."+rest)
				continue
			}
			row := op{name: family + "." + rest, method: strings.ToUpper(method)}
			row.path = restParam(path, multiSegment(s, o.Parameters))
			row.access = "write"
			if row.method == "GET" || row.method == "HEAD" {
				row.access = "read"
			}
			row.points, row.note = pointsFor(row)
			row.query = queryParams(s, append(pathParams(item), o.Parameters...))
			if seen[row.name] {
				return nil, fmt.Errorf("operation %s appears twice", row.name)
			}
			seen[row.name] = true
			ops = append(ops, row)
		}
	}
	for _, x := range extras {
		if seen[x.name] {
			return nil, fmt.Errorf("extra operation %s is already in the description", x.name)
		}
		x.points, x.note = pointsFor(x)
		ops = append(ops, x)
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].path != ops[j].path {
			return ops[i].path < ops[j].path
		}
		return ops[i].method < ops[j].method
	})
	return ops, nil
}

// skipped are the operations whose paths opdef cannot express.
var skipped []string

// wholeParams reports whether every parameter in path is a whole segment.
func wholeParams(path string) bool {
	for seg := range strings.SplitSeq(path, "/") {
		if strings.ContainsAny(seg, "{}") && !wholeParam.MatchString(seg) {
			return false
		}
	}
	return true
}

// multiSegment returns the path parameters marked x-multi-segment.
func multiSegment(s *spec, params []parameter) map[string]bool {
	m := map[string]bool{}
	for _, p := range params {
		if p.Ref != "" {
			p = s.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
		}
		if p.In == "path" && p.MultiSegment {
			m[p.Name] = true
		}
	}
	return m
}

// pathParams are the parameters a path item declares for all its
// operations.
func pathParams(item map[string]json.RawMessage) []parameter {
	var ps []parameter
	if raw, ok := item["parameters"]; ok {
		_ = json.Unmarshal(raw, &ps) // a path item without them has none
	}
	return ps
}

// queryParams returns the names of the query parameters, sorted.
func queryParams(s *spec, params []parameter) []string {
	var names []string
	for _, p := range params {
		if p.Ref != "" {
			p = s.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
		}
		if p.In == "query" && !slices.Contains(names, p.Name) {
			names = append(names, p.Name)
		}
	}
	sort.Strings(names)
	return names
}

// renderWriteQuery writes writequery.go: the query parameters of each
// write operation that declares any. The connector refuses any other
// query parameter on a write.
func renderWriteQuery(s *spec, ops []op) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by connector/github/internal/gen from %s %s; DO NOT EDIT.\n\n", s.Info.Title, s.Info.Version)
	b.WriteString("package github\n\n")
	b.WriteString("// writeQuery are the query parameters GitHub's description declares for\n")
	b.WriteString("// each write operation that takes any; a write takes no other (query.go).\n")
	b.WriteString("var writeQuery = map[string][]string{\n")
	for _, o := range sortedByName(ops) {
		if o.access != "write" || len(o.query) == 0 {
			continue
		}
		quoted := make([]string, len(o.query))
		for i, q := range o.query {
			quoted[i] = fmt.Sprintf("%q", q)
		}
		fmt.Fprintf(&b, "\t%q: {%s},\n", o.name, strings.Join(quoted, ", "))
	}
	b.WriteString("}\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		panic(fmt.Sprintf("gen: writequery.go does not format: %v", err))
	}
	return out
}

func sortedByName(ops []op) []op {
	out := slices.Clone(ops)
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// restParam turns a last path parameter that spans segments into a rest
// parameter. A multi-segment parameter elsewhere stays one segment:
// clients send its slashes encoded (%2F), as Octokit does.
func restParam(path string, multi map[string]bool) string {
	i := strings.LastIndex(path, "/")
	last := path[i+1:]
	if m := paramRef.FindStringSubmatch(last); m != nil && m[0] == last && multi[m[1]] {
		return path[:i+1] + "{" + m[1] + "...}"
	}
	return path
}

// render writes table n of count as opdef YAML, one operation a line.
func render(s *spec, ops []op, n, count int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Code generated by connector/github/internal/gen from %s %s; DO NOT EDIT.\n", s.Info.Title, s.Info.Version)
	fmt.Fprintf(&b, "# Table %d of %d of the GitHub REST operations the github connector knows; any other request is unknown_operation.\n", n, count)
	if len(skipped) > 0 {
		sort.Strings(skipped)
		fmt.Fprintf(&b, "# Left out, since a parameter is not a whole segment (another operation covers the path): %s.\n", strings.Join(skipped, ", "))
	}
	if count > 1 {
		b.WriteString("# Operations whose paths overlap with neither more specific are kept in separate tables.\n")
	}
	b.WriteString("# Points marked \"(code)\" are raised by the connector's code only when the request calls for them.\n")
	b.WriteString("operations:\n")
	for _, o := range ops {
		fmt.Fprintf(&b, "  - {name: %s, method: %s, path: %q, access: %s", o.name, o.method, o.path, o.access)
		if len(o.points) > 0 {
			fmt.Fprintf(&b, ", points: [%s]", strings.Join(o.points, ", "))
		}
		b.WriteString("}")
		if o.note != "" {
			b.WriteString("  # (code) " + o.note)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}
