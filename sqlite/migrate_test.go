package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func migrationsFS(files ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := 0; i+1 < len(files); i += 2 {
		fsys[files[i]] = &fstest.MapFile{Data: []byte(files[i+1])}
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
	v1 := migrationsFS(
		"0001_init.sql", mustRead(t, "0001_init.sql"),
		"0002_a.sql", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);",
	)
	v2 := migrationsFS(
		"0001_init.sql", mustRead(t, "0001_init.sql"),
		"0002_a.sql", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);",
		"0003_b.sql", "CREATE TABLE b (y INTEGER);",
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
		t.Errorf("tables of migrations 0002 and 0003 missing")
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
	if err == nil || !strings.Contains(err.Error(), "0003_b.sql") {
		t.Errorf("migrate with an older set = %v, want an error naming 0003_b.sql", err)
	}
}

func TestMigrate_FailureRollsBack(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	bad := migrationsFS(
		"0001_init.sql", mustRead(t, "0001_init.sql"),
		"0002_bad.sql", "CREATE TABLE half (x INTEGER); THIS IS NOT SQL;",
	)
	if err := migrate(ctx, s.db, bad); err == nil {
		t.Fatal("migrate with a bad migration succeeded")
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
