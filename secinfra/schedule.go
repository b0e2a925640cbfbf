package secinfra

import (
	"strconv"
	"time"

	"github.com/aos-dev/aos"
)

// Schedule is where a credential stands in its rotation schedule at a
// moment.
type Schedule struct {
	// Period is how often the credential is due; RotateEvery spells it
	// in days when it is a whole number of them ("90d").
	Period      time.Duration `json:"-"`
	RotateEvery string        `json:"rotate_every"`
	// LastRotated is when the credential replaced the previous version
	// (its creation), nil for a connection's first version.
	LastRotated *time.Time `json:"last_rotated,omitempty"`
	// DueAt is when it must be rotated; nil for a retired version.
	DueAt *time.Time `json:"due_at,omitempty"`
	// Overdue says an active credential's due date has passed.
	Overdue bool `json:"overdue"`
	// DueIn is the time left until DueAt, negative when overdue, in whole
	// days towards zero ("12d", "-3d"), or hours within a day ("5h0m0s").
	DueIn string `json:"due_in,omitempty"`
}

// ScheduleOf returns cred's rotation schedule at now. A credential whose
// version is above 1 was created by a rotation (or a reconnect), which is
// its last rotation.
func ScheduleOf(cred *aos.Credential, now time.Time) Schedule {
	s := Schedule{Period: cred.RotationPeriod}
	if s.Period <= 0 {
		s.Period = aos.DefaultRotationPeriod
	}
	s.RotateEvery = FormatPeriod(s.Period)
	if cred.Version > 1 {
		at := cred.CreatedAt.UTC()
		s.LastRotated = &at
	}
	if cred.Status != aos.CredentialActive {
		return s
	}
	due := cred.DueAt()
	s.DueAt = &due
	s.Overdue = cred.Overdue(now)
	s.DueIn = roughly(due.Sub(now))
	return s
}

// FormatPeriod spells a duration in days when it is a whole number of
// them ("90d"), else as Go does ("36h0m0s").
func FormatPeriod(d time.Duration) string {
	const day = 24 * time.Hour
	if d != 0 && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return d.String()
}

// roughly spells d in whole days towards zero, or in whole hours within a
// day.
func roughly(d time.Duration) string {
	const day = 24 * time.Hour
	if d > -day && d < day {
		return d.Truncate(time.Hour).String()
	}
	return strconv.FormatInt(int64(d/day), 10) + "d"
}
