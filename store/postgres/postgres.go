// Package postgres is the shared store of an aos instance: the state of
// several aos serve replicas in one PostgreSQL database (or schema, chosen
// with search_path in the URL).
//
// Update calls are serialised across every process sharing the database:
// each Update runs at READ COMMITTED and first locks the one row of
// evidence_head (SELECT ... FOR UPDATE), so a second Update waits until the
// first commits or rolls back and then sees its writes. The gateway's
// exactly-once approvals and the evidence log rely on this. View runs in a
// READ ONLY REPEATABLE READ transaction: one consistent snapshot that never
// blocks or waits for writers.
//
// Times are kept to the microsecond (timestamptz), the precision storetest
// asks for; SQLite keeps nanoseconds.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
)

var _ aos.Store = (*Store)(nil)

// rollbackTimeout bounds the rollback that ends a failed or cancelled
// transaction; it runs even when the caller's context is done.
const rollbackTimeout = 5 * time.Second

// Store is an aos.Store in PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool *pool
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string) and applies any migrations it has not applied yet. It
// returns an error if the database cannot be reached or records a migration
// this version of aos does not know.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, aos.Errorf(aos.EBadRequest, "postgres store URL: %v", err)
	}
	p := newPool(cfg, max(4, runtime.GOMAXPROCS(0)))
	conn, err := p.acquire(ctx)
	if err != nil {
		p.close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	err = migrate(ctx, conn, migrations)
	p.release(conn)
	if err != nil {
		p.close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	return &Store{pool: p}, nil
}

// Close closes the store's connections. Update and View must have returned.
func (s *Store) Close() error {
	s.pool.close()
	return nil
}

// Update runs fn in a read-write transaction, committed when fn returns nil
// and rolled back otherwise (also if fn panics or ctx is done). Once Update
// returns nil the writes are durable. Update calls are serialised across
// processes: fn must not call Update on a Store of the same database, or it
// waits for itself until ctx is done.
func (s *Store) Update(ctx context.Context, fn func(aos.Tx) error) error {
	if fn == nil {
		return errors.New("postgres: update: nil function")
	}
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite}, func(ptx pgx.Tx) error {
		// The writers' lock, held until commit or rollback.
		if _, err := ptx.Exec(ctx, `SELECT size FROM evidence_head FOR UPDATE`); err != nil {
			return fmt.Errorf("postgres: lock: %w", err)
		}
		return fn(&tx{tx: ptx})
	})
}

// View runs fn in a read-only transaction that sees one consistent snapshot:
// writes committed while fn runs are not visible to it. Tx write methods fail
// inside View.
func (s *Store) View(ctx context.Context, fn func(aos.Tx) error) error {
	if fn == nil {
		return errors.New("postgres: view: nil function")
	}
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(ptx pgx.Tx) error {
		return fn(&tx{tx: ptx, readOnly: true})
	})
}

// run runs fn in a transaction with opts on a pooled connection, committing
// if fn returns nil and rolling back otherwise.
func (s *Store) run(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	conn, err := s.pool.acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer s.pool.release(conn)
	ptx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer func() {
		// A no-op after Commit. Its own context, so that a cancelled
		// ctx still ends the transaction rather than leaving it open.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		ptx.Rollback(rctx)
	}()
	if err := fn(ptx); err != nil {
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}
