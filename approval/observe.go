package approval

import "github.com/aos-dev/aos"

// Observer is told of holds and decisions once they are durable. Its
// methods must be quick and must not block; they must not keep a.
type Observer interface {
	// Held reports a new hold (a retry that joins one is not new).
	Held(a *aos.Approval)
	// Decided reports an approval the owner approved or denied, or that
	// expired; a.CreatedAt and a.DecidedAt say how long it waited.
	Decided(a *aos.Approval)
}

func (s *Service) observeHeld(a *aos.Approval) {
	if s.Observer != nil {
		s.Observer.Held(a)
	}
}

func (s *Service) observeDecided(a *aos.Approval) {
	if s.Observer != nil {
		s.Observer.Decided(a)
	}
}
