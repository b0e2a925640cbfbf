package gateway

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/policy"
)

// Generations is what an evidence log offers a cache of the state that
// decides calls (evidence.Log implements it): a generation that moves
// whenever that state changes, and, inside a Record function, whether the
// state is still that of a generation.
type Generations interface {
	StateGeneration() uint64
	StateCurrent(tx aos.Tx, gen uint64) bool
}

// errStale says that a call was decided on a cached state that changed
// before its evidence was written; nothing was recorded or sent, and the
// call is decided again on the store's state.
var errStale = errors.New("gateway: the state changed since the decision")

// maxCachedConnections and maxCachedPrincipals bound the cache; past them
// it starts again empty.
const (
	maxCachedConnections = 4096
	maxCachedPrincipals  = 65536
)

// stateCache keeps, between calls, the part of the state that decides them:
// principals by token hash, connections with their grants indexed by
// grantee, and the caps. It is filled from the store on a miss and emptied
// whenever the evidence log's state generation moves, which it does once a
// change committed by this process is in the store, and once a batch of
// this process finds another replica's change. A decision made on the
// cache is recorded only if, inside the recording batch, the state is still
// that of the generation the cache had (Generations.StateCurrent);
// otherwise the call is decided again on the store's state. So a revoke on
// any replica denies the very next call on every replica.
type stateCache struct {
	mu         sync.Mutex
	gen        uint64
	principals map[string]*aos.Principal
	conns      map[string]*connState
	caps       *aos.Caps
}

// connState is a connection and everything the decision reads of it.
type connState struct {
	conn   *aos.Connection
	cred   *aos.Credential // the active credential; nil if none
	grants *policy.GrantIndex
}

// generations returns the log's generations, if it has them.
func (g *Gateway) generations() Generations {
	gens, _ := g.Log.(Generations)
	return gens
}

// cached returns the cache at the log's current generation, emptied if the
// generation moved, and that generation; nil when the log has none.
func (g *Gateway) cached() (*stateCache, uint64) {
	gens := g.generations()
	if gens == nil {
		return nil, 0
	}
	gen := gens.StateGeneration()
	c := &g.state
	c.mu.Lock()
	if c.gen != gen || c.conns == nil {
		c.gen, c.principals, c.conns, c.caps = gen, map[string]*aos.Principal{}, map[string]*connState{}, nil
	}
	c.mu.Unlock()
	return c, gen
}

// principal returns the cached principal with the token hash.
func (c *stateCache) principal(gen uint64, hash string) *aos.Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil
	}
	return c.principals[hash]
}

func (c *stateCache) putPrincipal(gen uint64, hash string, p *aos.Principal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return // read at an older generation: not kept
	}
	if len(c.principals) >= maxCachedPrincipals {
		c.principals = map[string]*aos.Principal{}
	}
	c.principals[hash] = p
}

func (c *stateCache) conn(gen uint64, name string) (*connState, *aos.Caps) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil, nil
	}
	return c.conns[name], c.caps
}

func (c *stateCache) putConn(gen uint64, name string, cs *connState, caps *aos.Caps) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if len(c.conns) >= maxCachedConnections {
		c.conns = map[string]*connState{}
	}
	c.conns[name] = cs
	c.caps = caps
}

// loadConn reads a connection, its grants and the caps from the store.
func (g *Gateway) loadConn(ctx context.Context, name string) (*connState, *aos.Caps, error) {
	var cs *connState
	var caps aos.Caps
	err := g.Store.View(ctx, func(tx aos.Tx) error {
		c, grants, err := readConn(ctx, tx, name, &caps)
		if err != nil {
			return err
		}
		cred, err := tx.ActiveCredential(ctx, c.ID)
		if aos.ErrorCode(err) == aos.ENotFound {
			cred, err = nil, nil
		} else if err != nil {
			return err
		}
		cs = &connState{conn: c, cred: cred, grants: policy.NewGrantIndex(grants)}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return cs, &caps, nil
}

// readConn reads in tx what every decision on connection name needs: the
// connection, every grant ever made on it (a revoked one still explains a
// denial) and the caps, into caps.
// Errors: EUnknownConnection for a name no connection has.
func readConn(ctx context.Context, tx aos.Tx, name string, caps *aos.Caps) (*aos.Connection, []*aos.Grant, error) {
	c, err := tx.ConnectionByName(ctx, name)
	if aos.ErrorCode(err) == aos.ENotFound {
		return nil, nil, aos.Errorf(aos.EUnknownConnection, "no connection named %q", name)
	} else if err != nil {
		return nil, nil, err
	}
	grants, err := tx.ListGrants(ctx, aos.GrantFilter{ConnectionID: c.ID, IncludeRevoked: true})
	if err != nil {
		return nil, nil, err
	}
	if *caps, err = aos.LoadCaps(ctx, tx); err != nil {
		return nil, nil, err
	}
	return c, grants, nil
}

// current fails a Record function of a call decided on the cache when the
// state is no longer the one it was decided on.
func (g *Gateway) current(tx aos.Tx, t *target) error {
	if t == nil || !t.cached {
		return nil
	}
	if gens := g.generations(); gens == nil || !gens.StateCurrent(tx, t.gen) {
		return errStale
	}
	if t.fp.cached {
		if o := g.others(); o == nil || !o.OthersCurrent(tx, t.fp.others) {
			return errStale // another writer may have added customer data the scan took as absent
		}
	}
	return nil
}

// standing is Gateway.standing on the cached state, for a call decided on
// it whose authorising batch found the state current (Gateway.current):
// the grants, the connection and the credential are then those the
// decision saw, and only the grants' expiry, which is time, not state,
// needs checking again. It returns nothing when the cache cannot tell
// (not cached, a grant or the credential missing): the store decides.
func (t *target) standing(grantIDs []string, now time.Time) (*aos.Credential, *aos.Decision) {
	if !t.cached || t.cs == nil || t.cs.cred == nil || len(grantIDs) == 0 {
		return nil, nil
	}
	for _, id := range grantIDs {
		gr := t.cs.grants.ByID(id)
		if gr == nil {
			return nil, nil
		}
		if !gr.Active(now) {
			return nil, &aos.Decision{Code: aos.ENotGranted, Reason: "grant " + id + " was revoked or expired"}
		}
	}
	if !t.conn.Connected() {
		return nil, nil
	}
	c := *t.cs.cred
	return &c, nil
}
