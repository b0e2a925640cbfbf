package mcpapi

import (
	"context"
	"sync"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/gateway"
)

// stateCache keeps, between calls, what a tools/call reads of the store
// to find the connection a tool name stands for: connections by name and
// the upstream names of the instance. It is tagged with the generation of
// the evidence log's state (gateway.Generations), read before the store
// is, and emptied whenever the generation moves, as the gateway's own
// cache is. It only names the connection and operation called: the
// gateway then decides on its own reading of the state, which it checks
// is still current when it records the decision, so a stale name never
// lets through anything the state at that moment refuses.
type stateCache struct {
	mu    sync.Mutex
	gen   uint64
	conns map[string]*aos.Connection
	bare  *bareNames
}

// maxCachedConnections bounds the cache; past it, it starts again empty.
const maxCachedConnections = 4096

// generation returns the log's state generation, and false when the log
// has none (nothing is cached then).
func (s *Server) generation() (uint64, bool) {
	gens, ok := s.Gateway.Log.(gateway.Generations)
	if !ok {
		return 0, false
	}
	return gens.StateGeneration(), true
}

// at returns the cache emptied if it was filled at another generation
// than gen; the caller holds c.mu.
func (c *stateCache) at(gen uint64) *stateCache {
	if c.gen != gen || c.conns == nil {
		c.gen, c.conns, c.bare = gen, map[string]*aos.Connection{}, nil
	}
	return c
}

// connection returns the connection named name. Errors: those of
// aos.Tx.ConnectionByName (ENotFound for no such connection).
func (s *Server) connection(ctx context.Context, name string) (*aos.Connection, error) {
	gen, cached := s.generation()
	if cached {
		s.state.mu.Lock()
		c := s.state.at(gen).conns[name]
		s.state.mu.Unlock()
		if c != nil {
			return c, nil
		}
	}
	var c *aos.Connection
	err := s.Gateway.Store.View(ctx, func(tx aos.Tx) (err error) {
		c, err = tx.ConnectionByName(ctx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	if cached {
		s.state.mu.Lock()
		if st := &s.state; st.gen == gen && st.conns != nil {
			if len(st.conns) >= maxCachedConnections {
				st.conns = map[string]*aos.Connection{}
			}
			st.conns[name] = c
		}
		s.state.mu.Unlock()
	}
	return c, nil
}

// bare returns the upstream names of the connections (see names.go).
func (s *Server) bare(ctx context.Context) (*bareNames, error) {
	gen, cached := s.generation()
	if cached {
		s.state.mu.Lock()
		b := s.state.at(gen).bare
		s.state.mu.Unlock()
		if b != nil {
			return b, nil
		}
	}
	var conns []*aos.Connection
	err := s.Gateway.Store.View(ctx, func(tx aos.Tx) (err error) {
		conns, err = tx.ListConnections(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	b := s.computeBare(conns)
	if cached {
		s.state.mu.Lock()
		if s.state.gen == gen && s.state.conns != nil {
			s.state.bare = b
		}
		s.state.mu.Unlock()
	}
	return b, nil
}
