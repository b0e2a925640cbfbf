package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations holds the schema migrations, applied in file name order. fs.Sub
// fails only for an invalid directory name, which this one is not.
var migrations, _ = fs.Sub(migrationFiles, "migrations")

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	name       TEXT PRIMARY KEY,
	applied_at TEXT NOT NULL
) STRICT`

// migrationNames returns the names of the *.sql files in fsys, sorted.
func migrationNames(fsys fs.FS) ([]string, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// migrate applies, in name order, each migration in fsys that the database has
// not recorded in schema_migrations. Each runs in its own transaction
// together with its record, so a failed migration leaves no trace and a
// re-open retries it. It refuses a database that records a migration fsys
// does not have: a newer aos wrote it.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	if _, err := db.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := migrationNames(fsys)
	if err != nil {
		return err
	}
	applied, err := appliedMigrations(ctx, db)
	if err != nil {
		return err
	}
	if err := checkKnown(applied, names); err != nil {
		return err
	}
	for _, name := range names {
		if applied[name] {
			continue
		}
		if err := applyMigration(ctx, db, fsys, name); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, fsys fs.FS, name string) error {
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Another process may have applied it since appliedMigrations looked;
	// the write lock taken by BEGIN IMMEDIATE makes this check final.
	var done int
	err = tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE name = ?", name).Scan(&done)
	if err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	if done > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	now := formatTime(time.Now())
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", name, now); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	return nil
}

// checkMigrated reports an error unless every migration in fsys has been
// applied. It writes nothing. Migrations the database has and fsys does not
// are tolerated: a read-only reader of a newer store is harmless.
func checkMigrated(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	var n int
	err := db.QueryRowContext(ctx,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("not an aos store (no schema_migrations table)")
	}
	names, err := migrationNames(fsys)
	if err != nil {
		return err
	}
	applied, err := appliedMigrations(ctx, db)
	if err != nil {
		return err
	}
	for _, name := range names {
		if !applied[name] {
			return fmt.Errorf("store schema is out of date (migration %s not applied); open it read-write once to migrate", name)
		}
	}
	return nil
}

func appliedMigrations(ctx context.Context, db *sql.DB) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := make(map[string]bool)
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		applied[name] = true
	}
	return applied, rows.Err()
}

func checkKnown(applied map[string]bool, names []string) error {
	known := make(map[string]bool, len(names))
	for _, name := range names {
		known[name] = true
	}
	var unknown []string
	for name := range applied {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("store has migration %s unknown to this version of aos; upgrade aos", unknown[0])
	}
	return nil
}
