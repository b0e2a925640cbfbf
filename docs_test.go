package aos_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// markdownLink finds [text](target) links.
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocs_LinksStayInTheRepository checks that the README, the changelog
// and docs/ link only to files of the repository that exist: a clone has
// nothing else.
func TestDocs_LinksStayInTheRepository(t *testing.T) {
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := filepath.Glob("docs/*.md")
	files := append([]string{"README.md", "CHANGELOG.md"}, docs...)
	links := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markdownLink.FindAllStringSubmatch(string(b), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			links++
			if strings.Contains(target, "://") || strings.HasPrefix(target, "/") {
				t.Errorf("%s links to %s, outside the repository", f, m[1])
				continue
			}
			if target == "" {
				continue // an anchor in the same file
			}
			abs := filepath.Join(root, filepath.Dir(f), target)
			if rel, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s links to %s, outside the repository", f, m[1])
				continue
			}
			if _, err := os.Stat(abs); err != nil {
				t.Errorf("%s links to %s, which the repository does not have", f, m[1])
			}
		}
	}
	if links < 3 {
		t.Fatalf("found only %d links; is the pattern right?", links)
	}
}
