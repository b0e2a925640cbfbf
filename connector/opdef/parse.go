package opdef

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
	"gopkg.in/yaml.v3"
)

// Limits on an operation file. They are far above any real API's needs
// and keep a stored table small.
const (
	// MaxFileSize bounds the bytes of an operation file.
	MaxFileSize = 1 << 20
	// MaxOperations bounds the operations of a table.
	MaxOperations = 1000

	maxNameLen    = 100
	maxPatternLen = 1024
	maxSegments   = 64
	maxSourceLen  = 1024
)

// ParseError is a problem in an operation file. Its message is meant for
// the owner who wrote the file; it repeats only what the file says.
type ParseError struct {
	// Name is the file name given to Parse.
	Name string
	// Line is 1-based; 0 when the problem is not at one line.
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg)
	}
	return e.Name + ": " + e.Msg
}

// Parse reads an operation file, YAML or JSON, named name in messages. It
// accepts the normal form that Table.MarshalJSON writes and reads it back
// to an equal table. Every error is a *ParseError. Parse never panics,
// whatever data holds.
func Parse(name string, data []byte) (*Table, error) {
	p := &parser{name: name}
	if len(data) > MaxFileSize {
		return nil, p.errorf(nil, "the file is larger than %d KiB", MaxFileSize>>10)
	}
	root, err := p.document(data)
	if err != nil {
		return nil, err
	}
	return p.table(root)
}

// parser carries the file name into every error.
type parser struct {
	name string
}

// errorf returns a *ParseError at n's line (no line when n is nil).
func (p *parser) errorf(n *yaml.Node, format string, args ...any) *ParseError {
	e := &ParseError{Name: p.name, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line = n.Line
	}
	return e
}

// document decodes exactly one YAML document and returns its root node.
func (p *parser) document(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := decodeNode(dec, &doc)
	if errors.Is(err, io.EOF) {
		return nil, p.errorf(nil, "the file is empty; it must declare operations:")
	}
	if err != nil {
		return nil, p.yamlError(err)
	}
	var extra yaml.Node
	switch err := decodeNode(dec, &extra); {
	case err == nil:
		return nil, p.errorf(&extra, "the file has more than one YAML document")
	case !errors.Is(err, io.EOF):
		return nil, p.yamlError(err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, p.errorf(&doc, "the file is not a YAML document")
	}
	return doc.Content[0], nil
}

// decodeNode decodes the next document. The YAML library is third-party
// code reading untrusted input: a panic in it becomes an error here.
func decodeNode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: the file does not parse")
		}
	}()
	return dec.Decode(n)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into a *ParseError, keeping its line.
func (p *parser) yamlError(err error) *ParseError {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &ParseError{Name: p.name, Line: line, Msg: "not valid YAML or JSON: " + m[2]}
	}
	return &ParseError{Name: p.name, Msg: "not valid YAML or JSON: " + strings.TrimPrefix(msg, "yaml: ")}
}

// check rejects the YAML features that make a file more than data.
func (p *parser) check(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.AliasNode || n.Anchor != "":
		return p.errorf(n, "YAML anchors and aliases are not supported; write each value out")
	case n.Style&yaml.TaggedStyle != 0:
		return p.errorf(n, "YAML tags (%s) are not supported", n.Tag)
	}
	return nil
}

// entry is one key of a mapping and its value.
type entry struct {
	key, value *yaml.Node
}

// mapping checks that n is a mapping whose keys are all in allowed, each
// once, and returns its entries by key. what names n in messages.
func (p *parser) mapping(n *yaml.Node, what string, allowed ...string) (map[string]entry, error) {
	if err := p.check(n); err != nil {
		return nil, err
	}
	if n.Kind != yaml.MappingNode {
		return nil, p.errorf(n, "%s must be a mapping of %s", what, strings.Join(allowed, ", "))
	}
	m := make(map[string]entry, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if err := p.check(k); err != nil {
			return nil, err
		}
		if k.ShortTag() == "!!merge" {
			return nil, p.errorf(k, "YAML merge keys (<<) are not supported; write each key out")
		}
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			return nil, p.errorf(k, "%s has a key that is not a string", what)
		}
		if !slices.Contains(allowed, k.Value) {
			return nil, p.errorf(k, "%s: unknown key %q (want %s)", what, k.Value, strings.Join(allowed, ", "))
		}
		if prev, ok := m[k.Value]; ok {
			return nil, p.errorf(k, "%s: key %q is repeated (first at line %d)", what, k.Value, prev.key.Line)
		}
		m[k.Value] = entry{k, v}
	}
	return m, nil
}

// str returns the string value of a scalar.
func (p *parser) str(e entry, what string) (string, error) {
	if err := p.check(e.value); err != nil {
		return "", err
	}
	if e.value.Kind != yaml.ScalarNode || e.value.ShortTag() != "!!str" {
		return "", p.errorf(e.value, "%s: %s must be a string", what, e.key.Value)
	}
	return e.value.Value, nil
}

// table reads the root mapping.
func (p *parser) table(root *yaml.Node) (*Table, error) {
	top, err := p.mapping(root, "the file", "operations", "headers")
	if err != nil {
		return nil, err
	}
	t := newTable()
	if he, ok := top["headers"]; ok {
		if t.headers, err = p.headers(he); err != nil {
			return nil, err
		}
	}
	ops, ok := top["operations"]
	switch {
	case !ok && t.headers != nil:
		return t, nil // headers alone: the connection keeps its default operations
	case !ok:
		return nil, p.errorf(root, "the file must declare operations: (or headers: alone)")
	}
	if err := p.check(ops.value); err != nil {
		return nil, err
	}
	if ops.value.Kind != yaml.SequenceNode {
		return nil, p.errorf(ops.value, "operations must be a list")
	}
	if len(ops.value.Content) == 0 {
		return nil, p.errorf(ops.value, "operations is empty: declare at least one operation (every undeclared request is denied)")
	}
	if len(ops.value.Content) > MaxOperations {
		return nil, p.errorf(ops.value, "more than %d operations", MaxOperations)
	}
	lines := map[*Def]int{}
	for _, n := range ops.value.Content {
		d, err := p.operation(n)
		if err != nil {
			return nil, err
		}
		if prev, ok := t.byName[d.name]; ok {
			return nil, p.errorf(n, "operation %q is declared twice (first at line %d)", d.name, lines[prev])
		}
		if err := p.conflicts(t, d, n, lines); err != nil {
			return nil, err
		}
		lines[d] = n.Line
		t.add(d)
	}
	return t, nil
}

// maxHeaders bounds the header names a file adds.
const maxHeaders = 64

// headers reads the headers list: names of request headers that go
// upstream beyond the connector's own allow-list, returned in canonical
// form. Names that would let an agent frame, route, override or
// authenticate the request are refused (connector.CheckAddedHeader).
func (p *parser) headers(e entry) ([]string, error) {
	if err := p.check(e.value); err != nil {
		return nil, err
	}
	if e.value.Kind != yaml.SequenceNode || len(e.value.Content) == 0 {
		return nil, p.errorf(e.value, "headers must be a list of header names, such as [X-Request-Id]")
	}
	if len(e.value.Content) > maxHeaders {
		return nil, p.errorf(e.value, "headers lists more than %d names", maxHeaders)
	}
	var names []string
	for _, n := range e.value.Content {
		if err := p.check(n); err != nil {
			return nil, err
		}
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || len(n.Value) > maxNameLen {
			return nil, p.errorf(n, "headers must be header names, such as X-Request-Id")
		}
		if err := connector.CheckAddedHeader(n.Value); err != nil {
			return nil, p.errorf(n, "headers: %s", aos.ErrorMessage(err))
		}
		name := http.CanonicalHeaderKey(n.Value)
		if slices.Contains(names, name) {
			return nil, p.errorf(n, "headers: %s is listed twice", name)
		}
		names = append(names, name)
	}
	return names, nil
}

// conflicts rejects a new operation whose pattern leaves a path in doubt
// next to an operation of the same method already in t.
func (p *parser) conflicts(t *Table, d *Def, n *yaml.Node, lines map[*Def]int) error {
	for _, other := range t.byMethod[d.method] {
		switch compare(d.pattern.segs, other.pattern.segs) {
		case equivalent:
			return p.errorf(n, "operation %q: %s %s matches the same paths as operation %q (line %d)",
				d.name, d.method, d.pattern.text, other.name, lines[other])
		case overlapping:
			return p.errorf(n, "operation %q: %s %s and operation %q's %s (line %d) both match %s and neither is more specific, "+
				"so such a path would be in doubt; change one so that it matches only paths the other matches, or none of them",
				d.name, d.method, d.pattern.text, other.name, other.pattern.text, lines[other],
				commonPath(d.pattern.segs, other.pattern.segs))
		}
	}
	return nil
}

var nameSyntax = regexp.MustCompile(`^[a-z0-9_.-]+$`)

// operation reads one entry of operations.
func (p *parser) operation(n *yaml.Node) (*Def, error) {
	m, err := p.mapping(n, "an operation", "name", "method", "path", "access", "points", "facts")
	if err != nil {
		return nil, err
	}
	ne, ok := m["name"]
	if !ok {
		return nil, p.errorf(n, "an operation has no name")
	}
	name, err := p.str(ne, "an operation")
	if err != nil {
		return nil, err
	}
	if len(name) > maxNameLen || !nameSyntax.MatchString(name) {
		return nil, p.errorf(ne.value, "operation name %q must be 1 to %d of a-z, 0-9, '_', '.' and '-'", name, maxNameLen)
	}
	what := fmt.Sprintf("operation %q", name)
	for _, key := range []string{"method", "path", "access"} {
		if _, ok := m[key]; !ok {
			return nil, p.errorf(n, "%s has no %s", what, key)
		}
	}
	d := &Def{name: name}
	if d.method, err = p.method(m["method"], what); err != nil {
		return nil, err
	}
	if d.pattern, err = p.pattern(m["path"], what); err != nil {
		return nil, err
	}
	if d.access, err = p.access(m["access"], what); err != nil {
		return nil, err
	}
	if e, ok := m["points"]; ok {
		if d.points, err = p.points(e, what); err != nil {
			return nil, err
		}
	}
	if d.facts, err = p.facts(n, m, d.points, what); err != nil {
		return nil, err
	}
	return d, nil
}

// method reads an HTTP method and returns it in upper case.
func (p *parser) method(e entry, what string) (string, error) {
	s, err := p.str(e, what)
	if err != nil {
		return "", err
	}
	if len(s) > 32 || !httpsyntax.IsToken(s) {
		return "", p.errorf(e.value, "%s: method %q is not an HTTP method name", what, s)
	}
	s = strings.ToUpper(s)
	switch s {
	case "TRACE", "TRACK", "CONNECT":
		return "", p.errorf(e.value, "%s: method %s is never forwarded", what, s)
	}
	return s, nil
}

func (p *parser) pattern(e entry, what string) (pattern, error) {
	s, err := p.str(e, what)
	if err != nil {
		return pattern{}, err
	}
	pat, msg := parsePattern(s)
	if msg != "" {
		return pattern{}, p.errorf(e.value, "%s: path %q: %s", what, s, msg)
	}
	return pat, nil
}

func (p *parser) access(e entry, what string) (aos.Access, error) {
	s, err := p.str(e, what)
	if err != nil {
		return "", err
	}
	switch a := aos.Access(s); a {
	case aos.Read, aos.Write:
		return a, nil
	}
	return "", p.errorf(e.value, "%s: access %q must be read or write", what, s)
}

// declarable are the points an operation can declare, in their order.
var declarable = []aos.ApprovalPoint{aos.PointMoney, aos.PointPublicClaim, aos.PointCustomerData, aos.PointProduction}

const declarableList = "money, public-claim, customer-data, production"

// points reads the points list and returns it in the order of declarable.
func (p *parser) points(e entry, what string) ([]aos.ApprovalPoint, error) {
	if err := p.check(e.value); err != nil {
		return nil, err
	}
	if e.value.Kind != yaml.SequenceNode {
		return nil, p.errorf(e.value, "%s: points must be a list, such as [money]", what)
	}
	seen := map[aos.ApprovalPoint]bool{}
	for _, n := range e.value.Content {
		if err := p.check(n); err != nil {
			return nil, err
		}
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			return nil, p.errorf(n, "%s: points must be names (want %s)", what, declarableList)
		}
		pt := aos.ApprovalPoint(n.Value)
		switch {
		case pt == aos.PointAuditEdit:
			return nil, p.errorf(n, "%s: point audit-edit belongs to the gateway and cannot be declared (want %s)", what, declarableList)
		case !containsPoint(declarable, pt):
			return nil, p.errorf(n, "%s: unknown point %q (want %s)", what, n.Value, declarableList)
		case seen[pt]:
			return nil, p.errorf(n, "%s: point %s is listed twice", what, pt)
		}
		seen[pt] = true
	}
	var out []aos.ApprovalPoint
	for _, pt := range declarable {
		if seen[pt] {
			out = append(out, pt)
		}
	}
	return out, nil
}

func containsPoint(list []aos.ApprovalPoint, pt aos.ApprovalPoint) bool {
	for _, x := range list {
		if x == pt {
			return true
		}
	}
	return false
}
