package aos_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/aos-dev/aos"

// pkg is one package of the module as its non-test files declare it.
type pkg struct {
	path    string   // import path
	imports []string // what its non-test files import
}

// packages walks the module and returns every package with non-test files.
func packages(t *testing.T) []pkg {
	t.Helper()
	byDir := map[string]*pkg{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		af, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(p))
		ip := module
		if dir != "." {
			ip = module + "/" + dir
		}
		k := byDir[dir]
		if k == nil {
			k = &pkg{path: ip}
			byDir[dir] = k
		}
		for _, im := range af.Imports {
			k.imports = append(k.imports, strings.Trim(im.Path.Value, `"`))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []pkg
	for _, k := range byDir {
		sort.Strings(k.imports)
		k.imports = slices.Compact(k.imports)
		out = append(out, *k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

func standard(path string) bool { return !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") }

// under reports whether p is the module package rel or one below it.
func under(p, rel string) bool {
	full := module + "/" + rel
	return p == full || strings.HasPrefix(p, full+"/")
}

// testSupport reports whether a module package exists for tests only: the
// root internal/ folder (fakes, the in-process harness, what tests need from
// the machine) and every package named *test (conformance suites, fakes kept
// beside what they imitate).
func testSupport(p string) bool {
	if !strings.HasPrefix(p, module+"/") {
		return false
	}
	return under(p, "internal") || strings.HasSuffix(path.Base(p), "test")
}

func transport(p string) bool {
	return under(p, "httpapi") || under(p, "console") || under(p, "mcpapi")
}

// store reports whether p is a store driver: one of the module's stores or
// a database driver.
func store(p string) bool {
	return under(p, "store") || under(p, "sqlite") || under(p, "postgres") || p == "database/sql" ||
		strings.HasPrefix(p, "github.com/jackc/pgx") || strings.HasPrefix(p, "modernc.org/sqlite")
}

// io reports whether a standard-library package reaches outside the process.
func io(p string) bool {
	for _, bad := range []string{"os", "net", "database/sql", "io/fs", "io/ioutil", "syscall", "log", "crypto/rand", "plugin", "embed"} {
		if p == bad || strings.HasPrefix(p, bad+"/") {
			return true
		}
	}
	return false
}

// connectorPkg reports whether p is one tool's connector (not the shared
// connector package, its internal helpers, or what connectors share:
// opdef, which reads operation files, and mcprelay, which relays an
// agent's MCP session).
func connectorPkg(p string) bool {
	rest, ok := strings.CutPrefix(p, module+"/connector/")
	if !ok || rest == "opdef" || rest == "mcprelay" || strings.HasPrefix(rest, "internal/") || testSupport(p) {
		return false
	}
	return true
}

// tool returns the tool a connector package belongs to ("github" for
// connector/github/internal/pathpat).
func tool(p string) string {
	return strings.SplitN(strings.TrimPrefix(p, module+"/connector/"), "/", 2)[0]
}

// rules is the intended layering (docs/design.md §8). Each returns why
// package p may not import im, or "".
var rules = []func(p, im string) string{
	func(p, im string) string {
		if p == module && !standard(im) {
			return "the root package imports only the standard library"
		}
		return ""
	},
	func(p, im string) string {
		if !under(p, "policy") {
			return ""
		}
		if !standard(im) && im != module && !under(im, "policy") {
			return "the policy decides from the domain alone (no transport, store, gateway or tool)"
		}
		if standard(im) && io(im) {
			return "the policy does no I/O"
		}
		return ""
	},
	func(p, im string) string {
		if !under(p, "connector") || testSupport(p) {
			return ""
		}
		switch {
		case under(im, "gateway"):
			return "connectors describe calls; the gateway decides and sends them"
		case under(im, "policy"):
			return "connectors describe; only the pipeline decides"
		case under(im, "approval") || under(im, "owner") || under(im, "evidence"):
			return "connectors know the domain, not the packages that use them"
		case strings.HasPrefix(im, module+"/") && store(im):
			return "connectors import no store"
		case transport(im):
			return "connectors import no transport"
		case connectorPkg(p) && connectorPkg(im) && tool(p) != tool(im):
			return "a connector shares machinery through package connector, not through another connector"
		}
		return ""
	},
	func(p, im string) string {
		if !under(p, "gateway") || testSupport(p) {
			return ""
		}
		if transport(im) {
			return "the gateway imports no transport"
		}
		if store(im) {
			return "the gateway imports no store driver; it works through aos.Store"
		}
		return ""
	},
	func(p, im string) string {
		if !under(p, "evidence") {
			return ""
		}
		if transport(im) || im == "net" || strings.HasPrefix(im, "net/") {
			return "evidence imports no transport"
		}
		if store(im) || under(im, "gateway") {
			return "evidence works through aos.Store only"
		}
		return ""
	},
	func(p, im string) string {
		if under(p, "metrics") && strings.HasPrefix(im, module+"/") && im != module {
			return "metrics sees the pipeline only through the observer interfaces and aos"
		}
		return ""
	},
	func(p, im string) string {
		if testSupport(p) {
			return ""
		}
		if testSupport(im) || im == "testing" || strings.HasPrefix(im, "testing/") {
			return "production code imports no test support"
		}
		return ""
	},
}

// exceptions are the breaches of the layering not yet mended, as
// "package -> import" relative to the module. Mending one means deleting
// its line; a line that no longer matches anything fails the test.
var exceptions = map[string]bool{}

// TestLayout_DependenciesPointInward checks every rule of the layering in
// docs/design.md §8 on every package of the module.
func TestLayout_DependenciesPointInward(t *testing.T) {
	used := map[string]bool{}
	for _, k := range packages(t) {
		for _, im := range k.imports {
			for _, rule := range rules {
				why := rule(k.path, im)
				if why == "" {
					continue
				}
				key := strings.TrimPrefix(strings.TrimPrefix(k.path, module), "/") + " -> " + strings.TrimPrefix(im, module+"/")
				if exceptions[key] {
					used[key] = true
					continue
				}
				t.Errorf("package %s imports %s: %s", k.path, im, why)
			}
		}
	}
	for key := range exceptions {
		if !used[key] && !strings.HasPrefix(key, "cmd/aos -> ") {
			t.Errorf("exception %q matches nothing any more: delete it", key)
		}
	}
}

// TestLayout_RulesBite makes sure the rules see what they are meant to see.
func TestLayout_RulesBite(t *testing.T) {
	bad := []struct{ p, im string }{
		{module, "golang.org/x/mod/sumdb/note"},
		{module + "/policy", "os"},
		{module + "/policy", module + "/gateway"},
		{module + "/policy", module + "/store/sqlite"},
		{module + "/connector/github", module + "/policy"},
		{module + "/connector/github", module + "/gateway"},
		{module + "/connector/opdef", module + "/policy"},
		{module + "/connector/slack", module + "/connector/rest"},
		{module + "/connector/email", module + "/store/postgres"},
		{module + "/gateway", module + "/httpapi"},
		{module + "/gateway", module + "/store/sqlite"},
		{module + "/gateway", "database/sql"},
		{module + "/evidence", module + "/httpapi"},
		{module + "/evidence", "net/http"},
		{module + "/store/sqlite", module + "/internal/harness"},
		{module + "/store/sqlite", module + "/store/storetest"},
		{module + "/owner", module + "/connector/github/githubtest"},
		{module + "/view", "testing"},
	}
	for _, c := range bad {
		refused := false
		for _, rule := range rules {
			if rule(c.p, c.im) != "" {
				refused = true
			}
		}
		if !refused {
			t.Errorf("no rule refuses %s importing %s", c.p, c.im)
		}
	}
	good := []struct{ p, im string }{
		{module, "strings"},
		{module + "/policy", module},
		{module + "/connector/github", module + "/connector"},
		{module + "/connector/github", module + "/connector/opdef"},
		{module + "/connector/mcp", module + "/connector/mcprelay"},
		{module + "/connector/github", module + "/connector/github/internal/pathpat"},
		{module + "/connector/github/githubtest", "testing"},
		{module + "/gateway", module + "/approval"},
		{module + "/internal/harness", module + "/store/sqlite"},
		{module + "/store/sqlite", module + "/store/storecheck"},
	}
	for _, c := range good {
		for _, rule := range rules {
			if why := rule(c.p, c.im); why != "" {
				t.Errorf("%s importing %s refused: %s", c.p, c.im, why)
			}
		}
	}
}

// TestLayout_BinaryHasNoTestDependencies checks that nothing made for tests
// (fakes, the in-process instance, script runners, SDKs used as clients)
// is linked into the aos binary.
func TestLayout_BinaryHasNoTestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./cmd/aos").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if testSupport(dep) && !exceptions["cmd/aos -> "+strings.TrimPrefix(dep, module+"/")] {
			t.Errorf("the aos binary depends on test support %s", dep)
		}
		for _, bad := range []string{"github.com/rogpeppe/go-internal", "github.com/stripe/stripe-go", "testing"} {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("the aos binary depends on %s", dep)
			}
		}
	}
}
