// Package testenv finds what tests need outside Go — tools installed by
// scripts/test (stripe-mock, mailpit), Node packages, PostgreSQL — and
// decides what happens when something is missing: on a laptop the test is
// skipped with a hint; under CI=true it fails, because scripts/test
// provides everything there.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// CI reports whether missing dependencies must fail tests.
func CI() bool { return os.Getenv("CI") == "true" || os.Getenv("CI") == "1" }

// Missing skips t, or fails it under CI, saying what is missing and how to
// get it.
func Missing(t testing.TB, what, hint string) {
	t.Helper()
	if CI() {
		t.Fatalf("%s is missing (CI=true, so this fails instead of skipping); %s", what, hint)
	}
	t.Skipf("%s is missing; %s", what, hint)
}

// Root returns the repository's root folder.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Tool returns the path of a command installed by scripts/test into
// .cache/bin, or found on PATH.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Root(), ".cache", "bin", name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	Missing(t, name, "run scripts/test once, which installs it into .cache/bin")
	return ""
}

// NodeDir returns the folder holding the Node packages the tests use
// (internal/testtools/node, with node_modules installed) and the node
// binary.
func NodeDir(t testing.TB) (dir, node string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		Missing(t, "node", "install Node.js 20 or later")
		return "", ""
	}
	dir = filepath.Join(Root(), "internal", "testtools", "node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		Missing(t, "the test Node packages", "run scripts/test once, or npm ci in "+dir)
		return "", ""
	}
	return dir, node
}
