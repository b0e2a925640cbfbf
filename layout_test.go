package aos_test

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/aos-dev/aos"

// imports returns the packages the non-test files of dir import.
func imports(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range af.Imports {
			out = append(out, strings.Trim(im.Path.Value, `"`))
		}
	}
	return out
}

func standard(path string) bool { return !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") }

// TestLayout_DependenciesPointInward checks docs/design.md §5: the root package
// knows nothing but the standard library, and the policy decides from the
// domain alone.
func TestLayout_DependenciesPointInward(t *testing.T) {
	for _, im := range imports(t, ".") {
		if !standard(im) {
			t.Errorf("package aos imports %s; the root package imports only the standard library", im)
		}
	}
	for _, im := range imports(t, "policy") {
		if !standard(im) && im != module {
			t.Errorf("package policy imports %s; decisions depend on the domain alone", im)
		}
		for _, io := range []string{"os", "net", "net/http", "database/sql", "io/fs"} {
			if im == io {
				t.Errorf("package policy imports %s; it does no I/O", im)
			}
		}
	}
	for _, im := range imports(t, "metrics") {
		if strings.HasPrefix(im, module+"/") {
			t.Errorf("package metrics imports %s; it sees the pipeline only through the observer interfaces and aos", im)
		}
	}
	for _, im := range imports(t, "evidence") {
		for _, bad := range []string{"net", "net/http", "database/sql", module + "/sqlite", module + "/gateway"} {
			if im == bad {
				t.Errorf("package evidence imports %s; it works through aos.Store only", im)
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
		for _, bad := range []string{module + "/internal/fake", module + "/internal/gatewaytest", module + "/internal/testenv",
			module + "/storetest", "github.com/rogpeppe/go-internal", "github.com/stripe/stripe-go", "testing"} {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("the aos binary depends on %s", dep)
			}
		}
	}
}
