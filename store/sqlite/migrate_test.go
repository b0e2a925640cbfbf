package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// migrationsFS returns every real migration plus the extra files given as
// name, body pairs, whose names must sort after the real ones.
func migrationsFS(t *testing.T, extra ...string) fstest.MapFS {
	t.Helper()
	names, err := migrationNames(migrations)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, name := range names {
		fsys[name] = &fstest.MapFile{Data: []byte(mustRead(t, name))}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if len(names) > 0 && extra[i] <= names[len(names)-1] {
			t.Fatalf("extra migration %s does not sort after %s", extra[i], names[len(names)-1])
		}
		fsys[extra[i]] = &fstest.MapFile{Data: []byte(extra[i+1])}
	}
	return fsys
}

func tableExists(t *testing.T, s *Store, name string) bool {
	t.Helper()
	var n int
	err := s.db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func TestMigrate(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()

	// The extra migrations would fail if run twice (the tables exist).
	v1 := migrationsFS(t,
		"9998_a.sql", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);",
	)
	v2 := migrationsFS(t,
		"9998_a.sql", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);",
		"9999_b.sql", "CREATE TABLE b (y INTEGER);",
	)
	if err := migrate(ctx, s.db, v1); err != nil {
		t.Fatalf("migrate v1: %v", err)
	}
	if err := migrate(ctx, s.db, v1); err != nil {
		t.Fatalf("migrate v1 again: %v", err)
	}
	if err := migrate(ctx, s.db, v2); err != nil {
		t.Fatalf("migrate v2: %v", err)
	}
	if !tableExists(t, s, "a") || !tableExists(t, s, "b") {
		t.Errorf("tables of migrations 9998 and 9999 missing")
	}
	var rows int
	if err := s.db.QueryRow("SELECT count(*) FROM a").Scan(&rows); err != nil || rows != 1 {
		t.Errorf("table a has %d rows (%v), want 1", rows, err)
	}
	if err := checkMigrated(ctx, s.rdb, v2); err != nil {
		t.Errorf("checkMigrated(v2): %v", err)
	}

	// An older aos refuses a store migrated by a newer one.
	err = migrate(ctx, s.db, v1)
	if err == nil || !strings.Contains(err.Error(), "9999_b.sql") {
		t.Errorf("migrate with an older set = %v, want an error naming 9999_b.sql", err)
	}
}

func TestMigrate_FailureRollsBack(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	bad := migrationsFS(t,
		"9999_bad.sql", "CREATE TABLE half (x INTEGER); THIS IS NOT SQL;",
	)
	err = migrate(ctx, s.db, bad)
	if err == nil || !strings.Contains(err.Error(), "9999_bad.sql") {
		t.Fatalf("migrate with a bad migration = %v, want an error naming 9999_bad.sql", err)
	}
	if tableExists(t, s, "half") {
		t.Errorf("a failed migration left its first table behind")
	}
	if err := checkMigrated(ctx, s.rdb, bad); err == nil {
		t.Errorf("checkMigrated after a failed migration succeeded")
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := migrationFiles.ReadFile("migrations/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
