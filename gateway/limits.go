package gateway

import (
	"fmt"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// Defaults of the bounds on what one agent can keep waiting for the owner.
// A held call keeps its whole request, sealed, until the owner decides or it
// expires, so an agent with a valid token could otherwise fill the store
// and slow every hold with calls the owner never asked for.
const (
	// DefaultMaxPending is how many calls one agent may have pending.
	DefaultMaxPending = 20
	// DefaultMaxHeldRequest is the largest request, in bytes (see
	// HeldSize), that a call may be held with.
	DefaultMaxHeldRequest = 8 << 20
)

func (g *Gateway) maxPending() int {
	if g.MaxPending > 0 {
		return g.MaxPending
	}
	return DefaultMaxPending
}

func (g *Gateway) maxHeldRequest() int {
	if g.MaxHeldRequest > 0 {
		return g.MaxHeldRequest
	}
	return DefaultMaxHeldRequest
}

// HeldSize is the size of an upstream request as a hold counts it: its
// method, URL, header names and values, and body, in bytes.
func HeldSize(u *connector.Outbound) int {
	if u == nil {
		return 0
	}
	n := len(u.Method) + len(u.URL) + len(u.Body)
	for k, vs := range u.Header {
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	return n
}

// tooLargeToHold is the refusal of a call whose request is over the bound.
func (g *Gateway) tooLargeToHold(size int) *aos.Decision {
	return &aos.Decision{Code: aos.ETooLarge, Reason: fmt.Sprintf(
		"the call needs the owner's approval, and a held request may be at most %d bytes (body, URL and headers); this one is %d",
		g.maxHeldRequest(), size)}
}

// tooManyPending is the refusal of a hold past the agent's bound.
func (g *Gateway) tooManyPending(p *aos.Principal) *aos.Decision {
	return &aos.Decision{Code: aos.ETooManyPending, Reason: fmt.Sprintf(
		"%s already has %d calls waiting for the owner, the most allowed; wait for their decisions before holding more",
		p.Ref(), g.maxPending())}
}
