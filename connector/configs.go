package connector

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"

	"github.com/aos-dev/aos"
)

// Configs holds what a connector parsed from its connections' settings
// (endpoint, auth mode, operation table), one immutable value per
// connection version: the connection's id, name, type, base URL, auth
// mode and config. Configure checks the settings once at connect time;
// mapping and sending take the parsed value from here, so a connection's
// settings are parsed once per version, not once per call, and a changed
// connection (a reconnect with other settings) is parsed again. Values
// must not be modified by their users. Safe for concurrent use.
type Configs[T any] struct {
	parse func(*aos.Connection) (T, error)

	mu sync.Mutex
	m  map[configKey]T
}

// maxConfigs bounds a Configs: past it, the cache starts over (connections
// are few; a bound only guards against settings that keep changing).
const maxConfigs = 4096

type configKey struct {
	id     int64
	digest [sha256.Size]byte
}

// NewConfigs returns a cache that parses a connection's settings with
// parse. parse must depend only on the connection's settings, and its
// errors are not cached.
func NewConfigs[T any](parse func(*aos.Connection) (T, error)) *Configs[T] {
	return &Configs[T]{parse: parse, m: map[configKey]T{}}
}

// Get returns the parsed settings of c's version, parsing them the first
// time.
func (cs *Configs[T]) Get(c *aos.Connection) (T, error) {
	if c == nil {
		var zero T
		return zero, aos.Errorf(aos.EInternal, "no connection")
	}
	key := versionOf(c)
	cs.mu.Lock()
	v, ok := cs.m[key]
	cs.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := cs.parse(c)
	if err != nil {
		return v, err
	}
	cs.mu.Lock()
	if len(cs.m) >= maxConfigs {
		clear(cs.m)
	}
	cs.m[key] = v
	cs.mu.Unlock()
	return v, nil
}

// versionOf identifies the version of a connection's settings.
func versionOf(c *aos.Connection) configKey {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(c.Name), []byte(c.Type), []byte(c.BaseURL), []byte(c.Auth), c.Config} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	k := configKey{id: c.ID}
	h.Sum(k.digest[:0])
	return k
}
