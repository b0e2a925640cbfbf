package secinfra

import (
	"testing"
	"time"

	"github.com/aos-dev/aos"
)

func TestScheduleOf(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	at := func(d time.Duration) *time.Time { x := t0.Add(d); return &x }
	for _, c := range []struct {
		name        string
		cred        aos.Credential
		now         time.Time
		due         *time.Time
		overdue     bool
		dueIn       string
		every       string
		lastRotated *time.Time
	}{
		{name: "fresh key, default period",
			cred: aos.Credential{Version: 1, Status: aos.CredentialActive, CreatedAt: t0},
			now:  t0.Add(89 * day), due: at(90 * day), dueIn: "1d", every: "90d"},
		{name: "due to the second is overdue",
			cred: aos.Credential{Version: 1, Status: aos.CredentialActive, CreatedAt: t0, RotationPeriod: 30 * day},
			now:  t0.Add(30 * day), due: at(30 * day), overdue: true, dueIn: "0s", every: "30d"},
		{name: "long overdue",
			cred: aos.Credential{Version: 1, Status: aos.CredentialActive, CreatedAt: t0, RotationPeriod: 30 * day},
			now:  t0.Add(45*day + time.Hour), due: at(30 * day), overdue: true, dueIn: "-15d", every: "30d"},
		{name: "hours left",
			cred: aos.Credential{Version: 1, Status: aos.CredentialActive, CreatedAt: t0, RotationPeriod: 36 * time.Hour},
			now:  t0.Add(30*time.Hour + 10*time.Minute), due: at(36 * time.Hour), dueIn: "5h0m0s", every: "36h0m0s"},
		{name: "a rotated-in version counts from its creation",
			cred: aos.Credential{Version: 2, Status: aos.CredentialActive, CreatedAt: t0.Add(80 * day), RotationPeriod: 90 * day},
			now:  t0.Add(100 * day), due: at(170 * day), dueIn: "70d", every: "90d", lastRotated: at(80 * day)},
		{name: "a retired version is never due",
			cred: aos.Credential{Version: 1, Status: aos.CredentialRevoked, CreatedAt: t0, RotatedAt: at(10 * day)},
			now:  t0.Add(400 * day), every: "90d"},
		{name: "an exposed version is never due",
			cred: aos.Credential{Version: 3, Status: aos.CredentialExposed, CreatedAt: t0},
			now:  t0.Add(400 * day), every: "90d", lastRotated: at(0)},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := ScheduleOf(&c.cred, c.now)
			if (s.DueAt == nil) != (c.due == nil) || s.DueAt != nil && !s.DueAt.Equal(*c.due) {
				t.Errorf("DueAt = %v, want %v", s.DueAt, c.due)
			}
			if s.Overdue != c.overdue || s.DueIn != c.dueIn || s.RotateEvery != c.every {
				t.Errorf("overdue %v, due in %q, every %q; want %v, %q, %q", s.Overdue, s.DueIn, s.RotateEvery, c.overdue, c.dueIn, c.every)
			}
			if (s.LastRotated == nil) != (c.lastRotated == nil) || s.LastRotated != nil && !s.LastRotated.Equal(*c.lastRotated) {
				t.Errorf("LastRotated = %v, want %v", s.LastRotated, c.lastRotated)
			}
		})
	}
}
