package gateway

import "time"

// Observer is told what the evidence does not say of a call: how long its
// upstream took. (Decisions and outcomes are counted from the evidence
// records themselves.) Its methods must be quick and must not block.
type Observer interface {
	// Upstream reports the time connection's upstream took to answer,
	// or to fail.
	Upstream(connection string, took time.Duration)
}

// observeUpstream reports a call to the upstream of connection, started
// at start, to g.Observer if there is one.
func (g *Gateway) observeUpstream(connection string, start time.Time) {
	if g.Observer != nil {
		g.Observer.Upstream(connection, time.Since(start))
	}
}
