package aos

import "time"

// MinRotationPeriod is the shortest rotation period a connection may be
// given: a shorter one is a typo, not a schedule.
const MinRotationPeriod = time.Hour

// RotationBase is when the credential's rotation clock started: when it
// was last rotated, else when it was created.
func (c *Credential) RotationBase() time.Time {
	if c.RotatedAt != nil {
		return c.RotatedAt.UTC()
	}
	return c.CreatedAt.UTC()
}

// DueAt is when the credential is due for rotation: its rotation period
// after RotationBase. A period of zero (a row written before periods were
// kept) counts as DefaultRotationPeriod.
func (c *Credential) DueAt() time.Time {
	p := c.RotationPeriod
	if p <= 0 {
		p = DefaultRotationPeriod
	}
	return c.RotationBase().Add(p)
}

// Overdue reports whether an active credential is due at or before now.
// Only the active version can be overdue: a retired one is not used.
func (c *Credential) Overdue(now time.Time) bool {
	return c.Status == CredentialActive && !now.Before(c.DueAt())
}
