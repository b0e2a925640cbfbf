// Package sqlite is the embedded store of an aos instance: one SQLite file in
// the home folder, in WAL mode, so that a write is on disk once Update
// returns. The write connection commits with synchronous=NORMAL (the commit
// is written to the write-ahead log, not synced) and Update then syncs the
// log file itself; UpdateUnsynced leaves the sync to a later Sync, so that
// the evidence log can commit its next batch while the last one syncs
// (evidence.DeferredSyncer). The write-ahead log is one file written in
// commit order, so one sync makes every earlier commit durable, and a crash
// keeps a prefix of the commits.
//
// Writes go through a single connection and begin IMMEDIATE, so Update calls
// are serialised, within the process by the one-connection pool and across
// processes by SQLite's write lock. Reads go through a separate pool of
// read-only connections, each View seeing one consistent snapshot.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aos-dev/aos"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

var _ aos.Store = (*Store)(nil)

// busyTimeoutMillis is how long a connection waits for another process's lock
// before failing with SQLITE_BUSY.
const busyTimeoutMillis = "10000"

// Store is an aos.Store in a SQLite file. It is safe for concurrent use.
type Store struct {
	db       *sql.DB // the one write connection; nil when read-only
	rdb      *sql.DB // read-only connections for View
	readOnly bool
	path     string // the database file's absolute path
}

// Open opens the store at path, creating the file if it does not exist, and
// applies any migrations it has not applied yet. The directory must exist.
func Open(path string) (*Store, error) {
	abs, err := filePath(path)
	if err != nil {
		return nil, err
	}
	// SQLite's own error for these is a bare "unable to open database file".
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		return nil, aos.Errorf(aos.EBadRequest, "store %s is a directory", path)
	}
	if _, err := os.Stat(filepath.Dir(abs)); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	ctx := context.Background()
	// The store holds sealed credentials, token hashes and the evidence
	// payloads: only its owner may read it. SQLite gives the -wal and
	// -shm files the database file's mode.
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	}

	db, err := openDB(abs, url.Values{
		"_journal_mode": {"WAL"},
		"_txlock":       {"immediate"},
		// Commits are synced by Sync (see the package comment).
		"_synchronous": {"NORMAL"},
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if err := checkWAL(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := migrate(ctx, db, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}

	s := &Store{db: db, path: abs}
	if err := s.Sync(ctx); err != nil { // the migrations
		db.Close()
		return nil, err
	}
	rdb, err := openDB(abs, url.Values{"_query_only": {"1"}})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	setReadPool(rdb)
	s.rdb = rdb
	return s, nil
}

// OpenReadOnly opens an existing store without changing it: no migration
// runs, and Update fails. It returns an *aos.Error with code ENotFound if
// there is no file at path, and an error if the file is not an aos store with
// every migration this version knows applied.
func OpenReadOnly(path string) (*Store, error) {
	abs, err := filePath(path)
	if err != nil {
		return nil, err
	}
	switch fi, err := os.Stat(abs); {
	case errors.Is(err, fs.ErrNotExist):
		return nil, aos.Errorf(aos.ENotFound, "no store at %s", path)
	case err != nil:
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	case !fi.Mode().IsRegular():
		return nil, aos.Errorf(aos.EBadRequest, "store %s is not a regular file", path)
	}

	// mode=ro makes SQLite refuse to create a missing file or write a page.
	rdb, err := openDB(abs, url.Values{"mode": {"ro"}, "_query_only": {"1"}})
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	setReadPool(rdb)
	if err := checkMigrated(context.Background(), rdb, migrations); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return &Store{rdb: rdb, readOnly: true}, nil
}

// DB returns the write handle, for tests that deliberately tamper with rows.
// It shares the store's one write connection, so using it inside Update
// deadlocks. For a store opened with OpenReadOnly it returns the read-only
// handle.
func (s *Store) DB() *sql.DB {
	if s.readOnly {
		return s.rdb
	}
	return s.db
}

// Close closes the store's connections. The last connection to close
// checkpoints the write-ahead log into the database file.
func (s *Store) Close() error {
	err := s.rdb.Close()
	if s.db != nil {
		err = errors.Join(err, s.db.Close())
	}
	if err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// Update runs fn in a read-write transaction, committed when fn returns nil
// and rolled back otherwise (also if fn panics). Once Update returns nil the
// writes are durable. Update calls are serialised: fn must not call Update on
// the same Store, or it waits for itself until ctx is done.
func (s *Store) Update(ctx context.Context, fn func(aos.Tx) error) error {
	if err := s.UpdateUnsynced(ctx, fn); err != nil {
		return err
	}
	return s.Sync(ctx)
}

// Sync makes every transaction committed before it was called durable: it
// syncs the write-ahead log file (any descriptor of a file syncs the file's
// data). Where no write-ahead log file exists, its content has been copied
// into the database file, which SQLite synced before removing it; Sync then
// syncs the database file.
func (s *Store) Sync(ctx context.Context) error {
	if s.readOnly {
		return errors.New("sqlite: sync: store is opened read-only")
	}
	f, err := os.OpenFile(s.path+"-wal", os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(s.path, os.O_RDWR, 0)
	}
	if err != nil {
		return fmt.Errorf("sqlite: sync: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sqlite: sync: %w", err)
	}
	return nil
}

// UpdateUnsynced is Update without the sync: once it returns nil the writes
// are committed and visible to every later transaction, and durable once a
// later Sync returns (or a later Update does).
func (s *Store) UpdateUnsynced(ctx context.Context, fn func(aos.Tx) error) error {
	if s.readOnly {
		return errors.New("sqlite: update: store is opened read-only")
	}
	if fn == nil {
		return errors.New("sqlite: update: nil function")
	}
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer sqlTx.Rollback() // no-op after Commit
	if err := fn(&tx{tx: sqlTx}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// View runs fn in a read-only transaction that sees one consistent snapshot:
// writes committed while fn runs are not visible to it. Tx write methods fail
// inside View.
func (s *Store) View(ctx context.Context, fn func(aos.Tx) error) error {
	if fn == nil {
		return errors.New("sqlite: view: nil function")
	}
	sqlTx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer sqlTx.Rollback()
	if err := fn(&tx{tx: sqlTx, readOnly: true}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlite: end read: %w", err)
	}
	return nil
}

// filePath checks that path names a file rather than an in-memory database
// (which each pooled connection would see as a different, empty database)
// and makes it absolute.
func filePath(path string) (string, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return "", aos.Errorf(aos.EBadRequest, "sqlite store path %q is not a file path", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("sqlite: %w", err)
	}
	return abs, nil
}

// openDB opens a pool on the file at abs. Every connection gets the settings
// both pools share plus extra. The file: URI form escapes any character in
// the path and lets SQLite see its own parameters (mode).
func openDB(abs string, extra url.Values) (*sql.DB, error) {
	q := url.Values{
		"_busy_timeout": {busyTimeoutMillis},
		"_synchronous":  {"FULL"},
		"_foreign_keys": {"1"},
	}
	for k, v := range extra {
		q[k] = v
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // file:///C:/... on Windows
	}
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}
	db, err := openCached(u.String())
	if err != nil {
		return nil, err
	}
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func setReadPool(db *sql.DB) {
	n := max(4, runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
}

// checkWAL confirms that the database really is in WAL mode: SQLite keeps the
// old mode without error where WAL is unavailable.
func checkWAL(ctx context.Context, db *sql.DB) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	return nil
}
