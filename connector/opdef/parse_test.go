package opdef_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/opdef"
)

var update = flag.Bool("update", false, "rewrite golden files")

// mustParse parses a testdata file.
func mustParse(t testing.TB, file string) *opdef.Table {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := opdef.Parse(file, data)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestParse(t *testing.T) {
	tab := mustParse(t, "payments.yaml")
	want := map[string]aos.Operation{
		"charges.list":   {Name: "charges.list", Access: aos.Read},
		"charges.create": {Name: "charges.create", Access: aos.Write, Points: []aos.ApprovalPoint{aos.PointMoney}},
		"emails.send": {Name: "emails.send", Access: aos.Write,
			Points: []aos.ApprovalPoint{aos.PointPublicClaim, aos.PointCustomerData}},
		"deploys.create": {Name: "deploys.create", Access: aos.Write, Points: []aos.ApprovalPoint{aos.PointProduction}},
	}
	ops := tab.Operations()
	if len(ops) != 13 || ops[0].Name != "charges.list" || ops[12].Name != "files.get-readme" {
		t.Fatalf("Operations() = %+v; want the 13 of the file, in file order", ops)
	}
	for _, op := range ops {
		if w, ok := want[op.Name]; ok && !reflect.DeepEqual(op, w) {
			t.Errorf("operation %+v, want %+v", op, w)
		}
	}
	d, ok := tab.Lookup("deploys.create")
	if !ok || d.Method() != "POST" || d.Pattern() != "/v1/apps/{app}/deploys" || d.Name() != "deploys.create" {
		t.Fatalf("Lookup(deploys.create) = %v, %v", d, ok)
	}
	if _, ok := d.FixedPath(); ok {
		t.Error("FixedPath of a pattern with a parameter reported true")
	}
	if d, _ := tab.Lookup("charges.list"); d != nil {
		if p, ok := d.FixedPath(); !ok || p != "/v1/charges" {
			t.Errorf("FixedPath = %q, %v", p, ok)
		}
	}
	if _, ok := tab.Lookup("charges.delete"); ok {
		t.Error("Lookup of an undeclared name reported true")
	}
	// Operation returns a copy: the table cannot be changed through it.
	op := tab.Operations()[2]
	op.Points[0] = aos.PointAuditEdit
	if tab.Operations()[2].Points[0] != aos.PointMoney {
		t.Error("Operations shares its points with the table")
	}
}

// TestTable_MarshalJSON checks the normal form against a golden file, and
// that it reads back to an equal table that writes the same bytes.
func TestTable_MarshalJSON(t *testing.T) {
	for _, file := range []string{"payments.yaml", "flow.yaml", "minimal.json", "normal.json"} {
		t.Run(file, func(t *testing.T) {
			tab := mustParse(t, file)
			normal, err := tab.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(file, filepath.Ext(file))+".json")
			if *update {
				if err := os.WriteFile(golden, append(normal, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(normal, bytes.TrimSuffix(want, []byte("\n"))) {
				t.Errorf("normal form\n%s\nwant (%s)\n%s", normal, golden, want)
			}
			assertRoundTrip(t, tab)
		})
	}
}

// assertRoundTrip checks that tab's normal form parses to an equal table.
func assertRoundTrip(t testing.TB, tab *opdef.Table) {
	t.Helper()
	normal, err := tab.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	again, err := opdef.Parse("normal", normal)
	if err != nil {
		t.Fatalf("Parse(normal form %s): %v", normal, err)
	}
	if !reflect.DeepEqual(again, tab) {
		t.Fatalf("the normal form %s parses to a different table", normal)
	}
	if second, _ := again.MarshalJSON(); !bytes.Equal(second, normal) {
		t.Fatalf("normal form not stable:\n%s\n%s", normal, second)
	}
}

// op is an operation file with one operation: the lines of head, then
// the lines of body, indented under it.
func op(lines ...string) string {
	var b strings.Builder
	b.WriteString("operations:\n") // line 1
	for i, l := range lines {
		if i == 0 {
			b.WriteString("  - " + l + "\n") // line 2
			continue
		}
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// base is a valid operation's first lines (2 to 5).
var base = []string{"name: refunds.create", "method: POST", "path: /v1/refunds", "access: write"}

func with(lines ...string) string { return op(append(append([]string{}, base...), lines...)...) }

func TestParse_errors(t *testing.T) {
	tests := []struct {
		name, file string
		line       int
		msg        string
	}{
		{"empty", "", 0, "empty"},
		{"comment only", "# nothing\n", 0, "empty"},
		{"not YAML", "operations: [\n", 1, "not valid YAML"},
		{"tab indent", "operations:\n\t- name: x\n", 2, "not valid YAML"},
		{"two documents", with() + "---\noperations: []\n", 6, "more than one YAML document"},
		{"not a mapping", "- a\n", 1, "must be a mapping"},
		{"unknown top key", "operations: []\nversion: 2\n", 2, `unknown key "version"`},
		{"no operations", "{}\n", 1, "must declare operations: (or headers: alone)"},
		{"operations not a list", "operations: {}\n", 1, "must be a list"},
		{"no operation", "operations: []\n", 1, "empty"},
		{"operation not a mapping", "operations:\n  - refunds\n", 2, "must be a mapping"},
		{"pattern with a normalisation lookalike", op("name: a", "method: GET", "path: /v1/a\u2047b", "access: read"), 4, "U+2047"},
		{"headers not a list", "headers: X-Tenant\n", 1, "headers must be a list"},
		{"headers empty", "headers: []\n", 1, "headers must be a list"},
		{"header not a name", "headers:\n  - [a]\n", 2, "must be header names"},
		{"header not a token", "headers:\n  - X Tenant\n", 2, "not a valid header name"},
		{"header repeated", "headers:\n  - X-Tenant\n  - x-tenant\n", 3, "listed twice"},
		{"header carries a credential", "headers: [X-Tenant, X-Api-Key]\n", 1, "credential"},
		{"header overrides the method", "headers:\n  - X-HTTP-Method-Override\n", 2, "overrides the method"},
		{"header frames the request", "headers:\n  - Content-Encoding\n", 2, "frames or routes"},
		{"headers with an empty operations list", "headers: [X-Tenant]\noperations: []\n", 2, "empty"},
		{"unknown key", with("amount: /amount"), 6, `unknown key "amount"`},
		{"repeated key", with("method: GET"), 6, `key "method" is repeated (first at line 3)`},
		{"no name", op("method: POST", "path: /x", "access: read"), 2, "has no name"},
		{"name not a string", op("name: 12", "method: POST", "path: /x", "access: read"), 2, "name must be a string"},
		{"name syntax", op("name: Refunds.Create", "method: POST", "path: /x", "access: read"), 2, "must be 1 to 100 of a-z"},
		{"no method", op("name: a", "path: /x", "access: read"), 2, `operation "a" has no method`},
		{"no path", op("name: a", "method: GET", "access: read"), 2, "has no path"},
		{"no access", op("name: a", "method: GET", "path: /x"), 2, "has no access"},
		{"bad method", op("name: a", "method: GE T", "path: /x", "access: read"), 3, "not an HTTP method"},
		{"trace", op("name: a", "method: trace", "path: /x", "access: read"), 3, "never forwarded"},
		{"bad access", op("name: a", "method: GET", "path: /x", "access: admin"), 5, "must be read or write"},
		{"relative path", op("name: a", "method: GET", "path: x", "access: read"), 4, "must start with /"},
		{"empty segment", op("name: a", "method: GET", "path: /a//b", "access: read"), 4, "empty segment"},
		{"dot segment", op("name: a", "method: GET", "path: /a/../b", "access: read"), 4, "dot segment"},
		{"partial param", op("name: a", "method: GET", "path: /a/x{id}", "access: read"), 4, "whole segment"},
		{"bad param name", op("name: a", "method: GET", "path: /a/{}", "access: read"), 4, "needs a name"},
		{"repeated param", op("name: a", "method: GET", "path: /{id}/{id}", "access: read"), 4, "appears twice"},
		{"rest not last", op("name: a", "method: GET", "path: /{p...}/x", "access: read"), 4, "last segment"},
		{"wildcard", op("name: a", "method: GET", "path: /a/*", "access: read"), 4, "not a wildcard"},
		{"encoded", op("name: a", "method: GET", "path: /a%20b", "access: read"), 4, "decoded"},
		{"query", op("name: a", "method: GET", `path: "/a?b"`, "access: read"), 4, "no query"},
		{"anchor", op("name: a", "method: &m GET", "path: /x", "access: read"), 3, "anchors and aliases"},
		{"alias", "operations:\n  - &o {name: a, method: GET, path: /x, access: read}\n  - *o\n", 2, "anchors and aliases"},
		{"tag", op("name: a", "method: !!str GET", "path: /x", "access: read"), 3, "tags"},
		{"merge key", op("name: a", "<<: {method: GET}", "path: /x", "access: read"), 3, "merge keys"},
		{"unknown point", with("points: [mony]"), 6,
			`operation "refunds.create": unknown point "mony" (want money, public-claim, customer-data, production)`},
		{"audit-edit", with("points: [audit-edit]"), 6, "belongs to the gateway"},
		{"repeated point", with("points: [production, production]"), 6, "listed twice"},
		{"points not a list", with("points: money"), 6, "must be a list"},
		{"facts unknown key", with("points: [money]", "facts:", "  amount: /a", "  currency: /c", "  amonut: /b"), 10, `unknown key "amonut"`},
		{"amount without money", with("facts:", "  amount: /amount"), 7, "facts.amount needs money in points"},
		{"public without point", with("points: [money]", "facts:", "  amount: /a", "  currency: /c", "  public: true"), 10,
			"facts.public needs public-claim in points"},
		{"money without amount", with("points: [money]", "facts:", "  currency: /currency"), 2, "the money point needs facts.amount and facts.currency"},
		{"money without facts", with("points: [money]"), 2, "the money point needs"},
		{"money without currency", with("points: [money]", "facts:", "  amount: /amount"), 2, "needs facts.amount and facts.currency"},
		{"unit without amount", "operations:\n  - {name: a, method: POST, path: /a, access: write, points: [money], facts: {amount_unit: major, currency: /c}}\n",
			2, "amount_unit is given without facts.amount"},
		{"bad unit", with("points: [money]", "facts:", "  amount: /a", "  amount_unit: cents", "  currency: /c"), 9, "must be minor or major"},
		{"bad pointer", with("points: [money]", "facts:", "  amount: /a/~2", "  currency: /c"), 8, "'~' must be followed by 0"},
		{"pointer ending in ~", with("points: [money]", "facts:", "  amount: /a~", "  currency: /c"), 8, "not a JSON pointer"},
		{"bare field", with("points: [money]", "facts:", "  amount: amount", "  currency: /c"), 8, "want a JSON pointer"},
		{"empty form field", with("points: [money]", "facts:", "  amount: 'form:'", "  currency: /c"), 8, "needs a field name"},
		{"amount a number", with("points: [money]", "facts:", "  amount: 1250", "  currency: /c"), 8, "must be a JSON pointer"},
		{"amount constant", with("points: [money]", "facts:", "  amount: value:12.50", "  currency: /c"), 7, "not a whole number of minor units (amount_unit minor)"},
		{"amount constant in yen", with("points: [money]", "facts:", "  amount: value:12.50", "  amount_unit: major", "  currency: value:JPY"), 7, "not a whole number"},
		{"bad currency constant", with("points: [money]", "facts:", "  amount: /a", "  currency: value:dollars"), 9, "three letters"},
		{"flag false", with("points: [production]", "facts:", "  production: false"), 8, "false is the same as leaving it out"},
		{"flag constant", with("points: [production]", "facts:", "  production: value:true"), 8, "want true, or"},
		{"flag string true", with("points: [production]", "facts:", `  production: "true"`), 8, "want true, or"},
		{"bad recipients constant", with("points: [public-claim]", "facts:", "  recipients: value:05"), 8, "whole number"},
		{"facts not a mapping", with("points: [production]", "facts: [production]"), 7, "must be a mapping"},
		{"duplicate name", "operations:\n  - {name: a, method: GET, path: /a, access: read}\n  - {name: a, method: GET, path: /b, access: read}\n",
			3, `operation "a" is declared twice (first at line 2)`},
		{"duplicate path", "operations:\n  - {name: a, method: GET, path: '/a/{x}', access: read}\n  - {name: b, method: get, path: '/a/{y}', access: read}\n",
			3, `operation "b": GET /a/{y} matches the same paths as operation "a" (line 2)`},
		{"overlap", "operations:\n  - {name: a, method: GET, path: '/a/{x}', access: read}\n  - {name: b, method: GET, path: '/{y}/b', access: read}\n",
			3, "both match /a/b and neither is more specific"},
		{"overlap with rest", "operations:\n  - {name: a, method: GET, path: '/a/{x...}', access: read}\n  - {name: b, method: GET, path: '/{y}/b/c', access: read}\n",
			3, "both match /a/b/c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := opdef.Parse("ops.yaml", []byte(tt.file))
			var pe *opdef.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, %v; want a *ParseError\n%s", tab, err, tt.file)
			}
			if pe.Line != tt.line || pe.Name != "ops.yaml" || !strings.Contains(pe.Msg, tt.msg) {
				t.Fatalf("Parse: %v\nwant line %d, message with %q\n%s", err, tt.line, tt.msg, tt.file)
			}
			prefix := "ops.yaml: "
			if tt.line > 0 {
				prefix = "ops.yaml:" + strconv.Itoa(tt.line) + ": "
			}
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("Error() = %q; want it to start with %q", err, prefix)
			}
		})
	}
}

func TestParse_accepted(t *testing.T) {
	tests := []struct{ name, file string }{
		{"read POST", op("name: search", "method: POST", "path: /v1/search", "access: read")},
		{"write GET", op("name: export", "method: GET", "path: /v1/export", "access: write")},
		{"same path, other method", "operations:\n  - {name: a, method: GET, path: /a, access: read}\n  - {name: b, method: POST, path: /a, access: write}\n"},
		{"nested specificity", "operations:\n  - {name: a, method: GET, path: '/a/{x}/{y}', access: read}\n  - {name: b, method: GET, path: '/a/b/{y}', access: read}\n" +
			"  - {name: c, method: GET, path: /a/b/c, access: read}\n  - {name: d, method: GET, path: '/{r...}', access: read}\n"},
		{"trailing slash apart", "operations:\n  - {name: a, method: GET, path: /a, access: read}\n  - {name: b, method: GET, path: /a/, access: read}\n" +
			"  - {name: c, method: GET, path: '/a/{x...}', access: read}\n"},
		{"points only", with("points: [customer-data]")},
		{"flow style", `{"operations": [{"name": "a", "method": "GET", "path": "/a", "access": "read", "points": []}]}`},
		{"major amount constant", with("points: [money]", "facts:", "  amount: value:12.50", "  amount_unit: major", "  currency: value:eur")},
		{"pointer escapes", with("points: [money]", "facts:", "  amount: /a~1b/~0/", "  currency: /")},
		{"headers alone", "headers: [x-tenant, Api-Version]\n"},
		{"headers and operations", "headers: [X-Tenant]\n" + with()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := opdef.Parse("ops.yaml", []byte(tt.file))
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, tt.file)
			}
			assertRoundTrip(t, tab)
		})
	}
}

func TestParse_tooLarge(t *testing.T) {
	data := []byte(op("name: a", "method: GET", "path: /"+strings.Repeat("a", opdef.MaxFileSize), "access: read"))
	if _, err := opdef.Parse("ops.yaml", data); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("Parse of a large file: %v", err)
	}
}

func TestParse_defaults(t *testing.T) {
	tab, err := opdef.Parse("ops.yaml", []byte("operations:\n"+
		"  - {name: a, method: POST, path: /a, access: write, points: [public-claim, production]}\n"+
		"  - {name: b, method: POST, path: /b, access: write, points: [public-claim], facts: {recipients: /to}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tab.Lookup("a")
	if f := a.Facts("", nil, nil); !f.Public || !f.Production {
		t.Errorf("defaults: %+v; want public and production", f)
	}
	b, _ := tab.Lookup("b")
	if f := b.Facts("", nil, nil); f.Public {
		t.Errorf("public-claim with recipients: %+v; want no default public", f)
	}
}

// FuzzParse checks that Parse never panics, and that whatever it accepts
// has a normal form that parses to an equal table.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("testdata/*.json")
	for _, file := range append(files, more...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := opdef.Parse("fuzz", data)
		if err != nil {
			var pe *opdef.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %T is not a *ParseError: %v", err, err)
			}
			return
		}
		assertRoundTrip(t, tab)
		for _, d := range tab.Operations() {
			def, ok := tab.Lookup(d.Name)
			if !ok {
				t.Fatalf("operation %s listed but not found", d.Name)
			}
			if p, ok := def.FixedPath(); ok {
				if got, _, ok := tab.Match(def.Method(), p); !ok || got != def {
					t.Fatalf("the fixed path %s of %s matches %v", p, d.Name, got)
				}
			}
			def.Facts("application/json", nil, data)
		}
	})
}

// TestTable_Headers checks the headers a file adds: canonical, in file
// order, kept by the normal form after the operations, and absent from
// the normal form of a file without them.
func TestTable_Headers(t *testing.T) {
	tab, err := opdef.Parse("ops.yaml", []byte("headers: [x-tenant, api-version]\n"+with()))
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Headers(); !reflect.DeepEqual(got, []string{"X-Tenant", "Api-Version"}) || !tab.HasOperations() {
		t.Fatalf("Headers() = %q, HasOperations() = %v", got, tab.HasOperations())
	}
	b, _ := tab.MarshalJSON()
	if !bytes.HasSuffix(b, []byte(`],"headers":["X-Tenant","Api-Version"]}`)) {
		t.Fatalf("normal form %s", b)
	}
	alone, err := opdef.Parse("ops.yaml", []byte("headers: [X-Tenant]\n"))
	if err != nil || alone.HasOperations() || len(alone.Operations()) != 0 {
		t.Fatalf("Parse(headers alone) = %v, %v", alone, err)
	}
	if b, _ := alone.MarshalJSON(); string(b) != `{"headers":["X-Tenant"]}` {
		t.Fatalf("normal form %s", b)
	}
	plain, _ := opdef.Parse("ops.yaml", []byte(with()))
	if b, _ := plain.MarshalJSON(); bytes.Contains(b, []byte("headers")) || plain.Headers() != nil {
		t.Fatalf("normal form of a file without headers: %s", b)
	}
}
