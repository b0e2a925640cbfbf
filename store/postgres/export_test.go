package postgres

import (
	"context"
	"io/fs"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
)

// MigrateBefore applies to the database at url the migrations whose names
// sort before name, leaving the schema an older aos left.
func MigrateBefore(ctx context.Context, url, name string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	names, err := migrationNames(migrations)
	if err != nil {
		return err
	}
	older := fstest.MapFS{}
	for _, n := range names {
		if n < name {
			b, err := fs.ReadFile(migrations, n)
			if err != nil {
				return err
			}
			older[n] = &fstest.MapFile{Data: b}
		}
	}
	return migrate(ctx, conn, older)
}
