package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations holds the schema migrations, applied in file name order. fs.Sub
// fails only for an invalid directory name, which this one is not.
var migrations, _ = fs.Sub(migrationFiles, "migrations")

// migrationLock is the key of the transaction-level advisory lock every
// migration step holds, so that replicas starting together take turns. It
// is database-wide: stores in other schemas of the database wait too, only
// while they migrate.
const migrationLock int64 = 0x616f732d6d696772 // "aos-migr"

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	name       text PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// migrationNames returns the names of the *.sql files in fsys, sorted.
func migrationNames(fsys fs.FS) ([]string, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// migrate applies, in name order, each migration in fsys that the database
// has not recorded in schema_migrations. Each runs in its own transaction
// together with its record, under the advisory lock, so a failed migration
// leaves no trace and two processes never apply one twice. It refuses a
// database that records a migration fsys does not have: a newer aos wrote it.
func migrate(ctx context.Context, conn *pgx.Conn, fsys fs.FS) error {
	names, err := migrationNames(fsys)
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(names))
	for _, name := range names {
		known[name] = true
	}
	// The first step also creates schema_migrations and checks that every
	// recorded migration is known; the later ones apply one file each.
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, createMigrationsTable); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		applied, err := appliedMigrations(ctx, tx)
		if err != nil {
			return err
		}
		for _, name := range applied {
			if !known[name] {
				return fmt.Errorf("store has migration %s unknown to this version of aos; upgrade aos", name)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := applyMigration(ctx, conn, fsys, name); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration applies the migration name unless it is recorded already.
// The advisory lock makes the check final: another process may have applied
// it meanwhile.
func applyMigration(ctx context.Context, conn *pgx.Conn, fsys fs.FS, name string) error {
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		var done bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = $1)`, name).Scan(&done)
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if done {
			return nil
		}
		// No arguments: the simple protocol, which runs every statement
		// of the file.
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		return nil
	})
}

func appliedMigrations(ctx context.Context, tx pgx.Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return names, nil
}
