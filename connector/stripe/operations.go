package stripe

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/opdef"
)

//go:embed operations.yaml
var operationsYAML []byte

// namespaces are the path segments under /v1 that group object types
// rather than name one: /v1/reporting/report_runs is the type
// "reporting.report_runs".
var namespaces = map[string]bool{"reporting": true, "sigma": true}

// everyType is the member of a resource that only the account-wide scope
// covers: events carry snapshots of every type, and an expansion the
// connector cannot place may reach any.
const everyType = "*"

// opTable is the parsed table with what code adds to it.
type opTable struct {
	table *opdef.Table
	// typeOf is the object type of each operation, from its path.
	typeOf map[string]string
	// types are the object types a scope may name, sorted.
	types []string
}

// operations is the table every connector value shares. A table that does
// not parse is a programming error, caught by any test.
var operations = mustLoad(operationsYAML)

func mustLoad(yaml []byte) *opTable {
	t, err := loadTable(yaml)
	if err != nil {
		panic(err)
	}
	return t
}

// loadTable parses the table and checks that every path is a Stripe v1
// path naming an object type, and that every operation code adds a point
// to exists.
func loadTable(yaml []byte) (*opTable, error) {
	tab, err := opdef.Parse("operations.yaml", yaml)
	if err != nil {
		return nil, err
	}
	t := &opTable{table: tab, typeOf: map[string]string{}}
	seen := map[string]bool{}
	for _, op := range tab.Operations() {
		d, _ := tab.Lookup(op.Name)
		typ, ok := typeOfPattern(d.Pattern())
		if !ok {
			return nil, fmt.Errorf("operations.yaml: operation %q: %s does not start with /v1/TYPE", op.Name, d.Pattern())
		}
		t.typeOf[op.Name] = typ
		if !seen[typ] {
			seen[typ] = true
			t.types = append(t.types, typ)
		}
	}
	sort.Strings(t.types)
	for name := range moneyRules {
		if _, ok := tab.Lookup(name); !ok {
			return nil, fmt.Errorf("rules.go: money rule for unknown operation %q", name)
		}
	}
	for _, name := range moneyParamOps {
		if _, ok := tab.Lookup(name); !ok {
			return nil, fmt.Errorf("rules.go: money parameters of unknown operation %q", name)
		}
	}
	for name := range readAmount {
		if _, ok := tab.Lookup(name); !ok {
			return nil, fmt.Errorf("money.go: amount read on unknown operation %q", name)
		}
	}
	for _, op := range tab.Operations() {
		_, listed := withinAmount[op.Name]
		if slices.Contains(op.Points, aos.PointMoney) != listed {
			return nil, fmt.Errorf("money.go: operation %q: withinAmount must list exactly the operations whose amount the table reads", op.Name)
		}
	}
	return t, nil
}

// typeOfPattern returns the object type a path pattern starts with.
func typeOfPattern(pattern string) (string, bool) {
	segs := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	if len(segs) < 2 || segs[0] != "v1" || !isTypeName(segs[1]) {
		return "", false
	}
	if namespaces[segs[1]] {
		if len(segs) < 3 || !isTypeName(segs[2]) {
			return "", false
		}
		return segs[1] + "." + segs[2], true
	}
	return segs[1], true
}

// isTypeName reports whether s is a plain type name: a-z and '_'.
func isTypeName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// knownType reports whether typ is the type of some operation.
func (t *opTable) knownType(typ string) bool {
	_, ok := slices.BinarySearch(t.types, typ)
	return ok
}

// operation returns the operation of a definition as the policy sees it:
// the table's points, plus money when code reads its amount (rules.go)
// or its parameters can move money (money.go).
func (t *opTable) operation(d *opdef.Def) aos.Operation {
	op := d.Operation()
	_, ruled := moneyRules[op.Name]
	if (ruled || slices.Contains(moneyParamOps, op.Name)) && !slices.Contains(op.Points, aos.PointMoney) {
		op.Points = append([]aos.ApprovalPoint{aos.PointMoney}, op.Points...)
	}
	return op
}

// describe lists every operation, in table order.
func (t *opTable) describe() []aos.Operation {
	var ops []aos.Operation
	for _, op := range t.table.Operations() {
		d, _ := t.table.Lookup(op.Name)
		ops = append(ops, t.operation(d))
	}
	return ops
}
