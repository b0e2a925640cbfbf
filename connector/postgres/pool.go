package postgres

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// pools holds one pool of sessions per connection, base URL and
// credential: a rotated credential gets a new pool, and the old one is
// retired, its sessions closed as they come back. A pool holds at most max
// sessions; an acquire waits (up to its context) for one to come back.
// Sessions unused for idle are closed, and a pool left without sessions
// or users is dropped.
type pools struct {
	mu   sync.Mutex
	m    map[poolKey]*pool
	max  int
	idle time.Duration
	// dial opens a session; tests replace it.
	dial func(context.Context, *pgconn.Config) (*pgconn.PgConn, error)
}

// poolKey never holds the secret itself, only its hash.
type poolKey struct {
	conn     int64
	endpoint string
	secret   [32]byte
}

type pool struct {
	key     poolKey
	cfg     *pgconn.Config
	slots   chan struct{}
	free    []idleSession
	users   int
	retired bool
	timer   *time.Timer
}

type idleSession struct {
	conn  *pgconn.PgConn
	since time.Time
}

// session is a pooled database session lent to one call.
type session struct {
	conn *pgconn.PgConn
	p    *pool
	ps   *pools
}

func newPools(max int, idle time.Duration) *pools {
	return &pools{m: map[poolKey]*pool{}, max: max, idle: idle, dial: pgconn.ConnectConfig}
}

// acquire lends a session of connection connID as cred, opening one if
// none is free.
func (ps *pools) acquire(ctx context.Context, connID int64, ep *endpoint, cred credential) (*session, error) {
	key := poolKey{conn: connID, endpoint: ep.String(), secret: sha256.Sum256([]byte(cred.user + ":" + cred.password))}
	ps.mu.Lock()
	p, ok := ps.m[key]
	if !ok {
		cfg, err := ep.config(cred)
		if err != nil {
			ps.mu.Unlock()
			return nil, err
		}
		p = &pool{key: key, cfg: cfg, slots: make(chan struct{}, ps.max)}
		ps.m[key] = p
	}
	var stale []*pgconn.PgConn
	for k, other := range ps.m {
		if k.conn == connID && k != key {
			// A newer credential or base URL: the old pool serves no more.
			other.retired = true
			stale = append(stale, other.drain()...)
			if other.users == 0 {
				delete(ps.m, k)
			}
		}
	}
	p.users++
	ps.mu.Unlock()
	closeAll(stale)

	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		ps.done(p)
		return nil, ctx.Err()
	}
	ps.mu.Lock()
	var conn *pgconn.PgConn
	for conn == nil && len(p.free) > 0 {
		s := p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
		if !s.conn.IsClosed() {
			conn = s.conn
		}
	}
	ps.mu.Unlock()
	if conn == nil {
		var err error
		if conn, err = ps.dial(ctx, p.cfg); err != nil {
			<-p.slots
			ps.done(p)
			return nil, err
		}
	}
	return &session{conn: conn, p: p, ps: ps}, nil
}

// release gives the session back. A session that is not reusable, or
// that DISCARD ALL cannot reset, is closed.
func (s *session) release(reusable bool) {
	if reusable && !s.conn.IsClosed() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := simple(ctx, s.conn, "DISCARD ALL")
		cancel()
		reusable = err == nil && s.conn.TxStatus() == 'I'
	}
	ps, p := s.ps, s.p
	ps.mu.Lock()
	if reusable && !p.retired {
		p.free = append(p.free, idleSession{conn: s.conn, since: time.Now()})
		ps.schedule(p)
		s.conn = nil
	}
	ps.mu.Unlock()
	if s.conn != nil {
		closeAll([]*pgconn.PgConn{s.conn})
	}
	<-p.slots
	ps.done(p)
}

// done ends one use of p, dropping it if it is retired and unused.
func (ps *pools) done(p *pool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p.users--
	if p.users == 0 && (p.retired || len(p.free) == 0) && ps.m[p.key] == p {
		delete(ps.m, p.key)
		if p.timer != nil {
			p.timer.Stop()
		}
	}
}

// schedule arranges for p's idle sessions to be reaped. Callers hold mu.
func (ps *pools) schedule(p *pool) {
	if p.timer == nil {
		p.timer = time.AfterFunc(ps.idle, func() { ps.reap(p) })
	}
}

// reap closes p's sessions idle for longer than ps.idle and drops p once
// it has neither sessions nor users.
func (ps *pools) reap(p *pool) {
	ps.mu.Lock()
	p.timer = nil
	var old []*pgconn.PgConn
	keep := p.free[:0]
	for _, s := range p.free {
		if time.Since(s.since) >= ps.idle {
			old = append(old, s.conn)
		} else {
			keep = append(keep, s)
		}
	}
	p.free = keep
	if len(p.free) > 0 {
		ps.schedule(p)
	} else if p.users == 0 && ps.m[p.key] == p {
		delete(ps.m, p.key)
	}
	ps.mu.Unlock()
	closeAll(old)
}

// drain takes p's idle sessions. Callers hold mu.
func (p *pool) drain() []*pgconn.PgConn {
	var cs []*pgconn.PgConn
	for _, s := range p.free {
		cs = append(cs, s.conn)
	}
	p.free = nil
	return cs
}

// closeAll closes every pooled session; the pools stay usable.
func (ps *pools) closeAll() {
	ps.mu.Lock()
	var cs []*pgconn.PgConn
	for k, p := range ps.m {
		cs = append(cs, p.drain()...)
		p.retired = true
		if p.timer != nil {
			p.timer.Stop()
			p.timer = nil
		}
		if p.users == 0 {
			delete(ps.m, k)
		}
	}
	ps.mu.Unlock()
	closeAll(cs)
}

// size reports the pools and their idle sessions, for tests.
func (ps *pools) size() (pools, idle int) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, p := range ps.m {
		idle += len(p.free)
	}
	return len(ps.m), idle
}

func closeAll(cs []*pgconn.PgConn) {
	for _, c := range cs {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c.Close(ctx)
		cancel()
	}
}
