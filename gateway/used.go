package gateway

import (
	"context"
	"time"

	"github.com/aos-dev/aos"
)

// usedFlushEvery is how long a credential's last use may wait in memory
// before it is written to the store.
const usedFlushEvery = time.Second

// lastUsed keeps when each credential version was last used until it is
// flushed: writing it in every authorising transaction cost a store write
// per call. A stop loses at most usedFlushEvery of it; it is no part of
// the state the evidence log proves (a credential's image leaves it out).
type lastUsed struct {
	pending  map[credKey]time.Time
	flushing bool
}

// markUsed notes that the credential version of connection connID was
// used now, and makes sure a flush follows.
func (g *Gateway) markUsed(connID int64, version int) {
	now := g.Now().UTC()
	g.usedMu.Lock()
	defer g.usedMu.Unlock()
	if g.used.pending == nil {
		g.used.pending = map[credKey]time.Time{}
	}
	g.used.pending[credKey{connID, version}] = now
	if !g.used.flushing {
		g.used.flushing = true
		time.AfterFunc(usedFlushEvery, g.flushUsed)
	}
}

// flushUsed writes the last uses noted so far, each credential read again
// in the writing transaction so that only its last use changes, and never
// back in time.
func (g *Gateway) flushUsed() {
	g.usedMu.Lock()
	pending := g.used.pending
	g.used.pending = nil
	g.used.flushing = false
	g.usedMu.Unlock()
	if len(pending) == 0 {
		return
	}
	ctx := context.Background()
	_, err := g.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		byConn := map[int64][]*aos.Credential{}
		for k, at := range pending {
			creds, ok := byConn[k.conn]
			if !ok {
				var err error
				if creds, err = tx.ListCredentials(ctx, k.conn); err != nil {
					return nil, err
				}
				byConn[k.conn] = creds
			}
			for _, c := range creds {
				if c.Version != k.version || c.LastUsedAt != nil && !c.LastUsedAt.Before(at) {
					continue
				}
				at := at
				c.LastUsedAt = &at
				if err := tx.UpdateCredential(ctx, c); err != nil {
					return nil, err
				}
			}
		}
		return nil, nil
	})
	if err != nil && g.Logger != nil {
		g.Logger.Error("recording credentials' last use", "credentials", len(pending), "err", err)
	}
}
