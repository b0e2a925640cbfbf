package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestFindFingerprints_UsesPrimaryKey checks that a chunk of MACs is looked
// up through the primary key, not by scanning every fingerprint.
func TestFindFingerprints_UsesPrimaryKey(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	args := []any{[]byte("a"), []byte("b"), []byte("c")}
	rows, err := s.db.QueryContext(t.Context(),
		"EXPLAIN QUERY PLAN "+fingerprintSelect+" WHERE f.mac IN ("+placeholders(len(args))+")", args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, d := range plan {
		if strings.Contains(d, "f USING PRIMARY KEY (mac=?)") {
			return
		}
	}
	t.Errorf("query plan %q does not search fingerprints by primary key", plan)
}
