package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync/atomic"

	sqlitedrv "modernc.org/sqlite"
)

// maxCachedStmts bounds the statements one connection keeps prepared. The
// store's statements are fixed text, a few dozen; the bound only matters
// for IN lists, whose text varies with their length: past it, a statement
// is prepared for its one use.
const maxCachedStmts = 256

// openCached opens a pool on dsn whose connections keep every statement
// they prepare, by its text, until they close.
//
// SQLite parses and plans a statement when it is prepared, which costs more
// than running the small statements of the call path, and the driver
// prepares each query it is given afresh. database/sql runs a query on a
// connection that does not execute queries itself by preparing it, running
// the statement and closing it: the connections of this pool answer the
// preparation from their cache and keep the statement open on close.
func openCached(dsn string) (*sql.DB, error) {
	base, err := sqlitedrv.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(cachedConnector{base}), nil
}

type cachedConnector struct{ base driver.Connector }

func (c cachedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachedConn{conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

func (c cachedConnector) Driver() driver.Driver { return c.base.Driver() }

// driverConn is what the SQLite driver's connections implement.
type driverConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachedConn is a connection with its statement cache. database/sql uses a
// connection from one goroutine at a time, so the cache needs no lock.
type cachedConn struct {
	conn  driver.Conn
	stmts map[string]*cachedStmt
}

// Unwrap returns the driver's connection.
func (c *cachedConn) Unwrap() driver.Conn { return c.conn }

func (c *cachedConn) inner() (driverConn, error) {
	d, ok := c.conn.(driverConn)
	if !ok {
		return nil, errors.New("sqlite: driver connection lacks a context method")
	}
	return d, nil
}

func (c *cachedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext returns the connection's statement for query, prepared on
// first use. A statement still busy (its rows open while the same text is
// run again) is not shared: the second use gets a statement of its own.
func (c *cachedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if s := c.stmts[query]; s != nil && s.busy.CompareAndSwap(false, true) {
		return s, nil
	}
	d, err := c.inner()
	if err != nil {
		return nil, err
	}
	st, err := d.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, taken := c.stmts[query]; taken || len(c.stmts) >= maxCachedStmts {
		return st, nil // closed by its user, as uncached statements are
	}
	s := &cachedStmt{Stmt: st}
	s.busy.Store(true)
	c.stmts[query] = s
	return s, nil
}

func (c *cachedConn) Close() error {
	var err error
	for _, s := range c.stmts {
		err = errors.Join(err, s.Stmt.Close())
	}
	c.stmts = nil
	return errors.Join(err, c.conn.Close())
}

func (c *cachedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	d, err := c.inner()
	if err != nil {
		return nil, err
	}
	return d.BeginTx(ctx, opts)
}

func (c *cachedConn) Ping(ctx context.Context) error {
	d, err := c.inner()
	if err != nil {
		return err
	}
	return d.Ping(ctx)
}

func (c *cachedConn) ResetSession(ctx context.Context) error {
	d, err := c.inner()
	if err != nil {
		return err
	}
	return d.ResetSession(ctx)
}

func (c *cachedConn) IsValid() bool {
	d, err := c.inner()
	return err == nil && d.IsValid()
}

// cachedStmt is a statement kept by its connection. Close hands it back
// (the statement stays prepared); the connection finalizes it on close.
type cachedStmt struct {
	driver.Stmt
	busy atomic.Bool // handed out and not yet handed back
}

// stmtContext is what the SQLite driver's statements implement.
type stmtContext interface {
	driver.StmtExecContext
	driver.StmtQueryContext
}

func (s *cachedStmt) Close() error {
	s.busy.Store(false)
	return nil
}

func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	sc, ok := s.Stmt.(stmtContext)
	if !ok {
		return nil, errors.New("sqlite: driver statement lacks a context method")
	}
	return sc.ExecContext(ctx, args)
}

func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	sc, ok := s.Stmt.(stmtContext)
	if !ok {
		return nil, errors.New("sqlite: driver statement lacks a context method")
	}
	return sc.QueryContext(ctx, args)
}
