package secinfra

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/github"
	"github.com/aos-dev/aos/connector/rest"
)

var reviewT0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// world is a snapshot under construction: one http connection "crm" made
// at connAt, reviewed at reviewT0 with a 90-day window.
type world struct{ s *reviewSnapshot }

func newWorld(connAt time.Time) *world {
	s := &reviewSnapshot{now: reviewT0, since: reviewT0.Add(-DefaultReviewWindow),
		connectors:     connector.Registry{"http": rest.New()},
		creds:          map[int64]*aos.Credential{},
		expiringWithin: DefaultExpiringWithin, deniedAtLeast: DefaultDeniedAtLeast,
		usage: &reviewUsage{grants: map[string]*grantUse{}, conns: map[string]*grantUse{}, denied: map[deniedKey]*grantUse{}},
	}
	s.conns = []*aos.Connection{{ID: 1, Name: "crm", Type: "http", CreatedAt: connAt}}
	s.creds[1] = &aos.Credential{ConnectionID: 1, Version: 1, Status: aos.CredentialActive,
		CreatedAt: reviewT0.Add(-10 * day), RotationPeriod: aos.DefaultRotationPeriod}
	return &world{s}
}

func (w *world) grant(id, scope string, access aos.Access, at time.Time) *aos.Grant {
	g := &aos.Grant{ID: id, ConnectionID: 1, Connection: "crm", Scope: scope, Access: access, CreatedAt: at}
	w.s.grants = append(w.s.grants, g)
	return g
}

// use records n uses of grant id with access on resource ("" for a
// redacted payload), at entries from 100 on.
func (w *world) use(id string, access aos.Access, resource string, n int) {
	for i := 0; i < n; i++ {
		at := reviewT0.Add(-time.Duration(i+1) * time.Hour)
		e := &aos.Entry{Index: int64(100 + i), Time: at}
		for _, u := range []*grantUse{w.grantUse(id), w.connUse("crm")} {
			u.add(e)
		}
		gu := w.grantUse(id)
		if access != aos.Read {
			gu.writes++
		}
		if resource == "" {
			gu.unknown++
		} else {
			gu.resources[resource] = true
		}
	}
}

func (w *world) grantUse(id string) *grantUse {
	if w.s.usage.grants[id] == nil {
		w.s.usage.grants[id] = &grantUse{resources: map[string]bool{}}
	}
	return w.s.usage.grants[id]
}

func (w *world) connUse(c string) *grantUse {
	if w.s.usage.conns[c] == nil {
		w.s.usage.conns[c] = &grantUse{}
	}
	return w.s.usage.conns[c]
}

func (w *world) find(id string) *Finding {
	for _, f := range analyze(w.s) {
		if f.ID == id {
			return &f
		}
	}
	return nil
}

func (w *world) ids() []string {
	var out []string
	for _, f := range analyze(w.s) {
		out = append(out, f.ID)
	}
	return out
}

var (
	old   = reviewT0.Add(-100 * day) // before the window
	young = reviewT0.Add(-10 * day)  // inside it
)

func TestReview_GrantUnused(t *testing.T) {
	t.Run("old and unused is revoked", func(t *testing.T) {
		w := newWorld(old)
		w.grant("g1", "/v1", aos.Read, old)
		f := w.find("grant-unused/g1")
		if f == nil {
			t.Fatalf("no grant-unused finding: %v", w.ids())
		}
		if f.Remedy.Action != RemedyRevoke || !f.Remedy.Applicable || !slices.Equal(f.Remedy.Revoke, []string{"g1"}) {
			t.Fatalf("remedy %+v", f.Remedy)
		}
		if f.Evidence.Count != 0 || !f.Evidence.Since.Equal(reviewT0.Add(-DefaultReviewWindow)) {
			t.Fatalf("evidence %+v", f.Evidence)
		}
	})
	t.Run("younger than the window is not flagged", func(t *testing.T) {
		w := newWorld(old)
		w.grant("g1", "/v1", aos.Write, young)
		if ids := w.ids(); len(ids) != 0 {
			t.Fatalf("a grant younger than the window was flagged: %v", ids)
		}
	})
	t.Run("made exactly at the window start is flagged", func(t *testing.T) {
		w := newWorld(old)
		w.grant("g1", "/v1", aos.Read, reviewT0.Add(-DefaultReviewWindow))
		if w.find("grant-unused/g1") == nil {
			t.Fatalf("not flagged: %v", w.ids())
		}
	})
	t.Run("used is not unused", func(t *testing.T) {
		w := newWorld(old)
		w.grant("g1", "/v1", aos.Read, old)
		w.use("g1", aos.Read, "/v1", 1)
		if w.find("grant-unused/g1") != nil {
			t.Fatal("a used grant was flagged unused")
		}
	})
}

func TestReview_ConnectionUnused(t *testing.T) {
	t.Run("old and unused", func(t *testing.T) {
		w := newWorld(old)
		w.grant("g1", "/v1", aos.Read, old)
		f := w.find("connection-unused/crm")
		if f == nil || f.Remedy.Action != RemedyRevoke || !slices.Equal(f.Remedy.Revoke, []string{"g1"}) {
			t.Fatalf("finding %+v", f)
		}
	})
	t.Run("without grants it is advice", func(t *testing.T) {
		w := newWorld(old)
		f := w.find("connection-unused/crm")
		if f == nil || f.Remedy.Applicable || f.Remedy.Command != "aos disconnect crm" {
			t.Fatalf("finding %+v", f)
		}
	})
	t.Run("younger than the window", func(t *testing.T) {
		w := newWorld(young)
		if f := w.find("connection-unused/crm"); f != nil {
			t.Fatalf("young connection flagged: %+v", f)
		}
	})
}

func TestReview_WriteUnused(t *testing.T) {
	w := newWorld(old)
	w.grant("g1", "/v1/contacts", aos.Write, old)
	w.use("g1", aos.Read, "/v1/contacts", 3)
	f := w.find("write-unused/g1")
	if f == nil {
		t.Fatalf("no write-unused: %v", w.ids())
	}
	if f.Remedy.Action != RemedyNarrow || f.Remedy.Access != aos.Read || len(f.Remedy.Scopes) != 0 || f.Evidence.Count != 3 ||
		len(f.Evidence.Entries) != 3 {
		t.Fatalf("finding %+v", f)
	}
	t.Run("a write was made", func(t *testing.T) {
		w := newWorld(old)
		w.grant("g1", "/v1/contacts", aos.Write, old)
		w.use("g1", aos.Read, "/v1/contacts", 3)
		w.use("g1", aos.Write, "/v1/contacts", 1)
		if w.find("write-unused/g1") != nil {
			t.Fatal("flagged although it wrote")
		}
	})
}

func TestReview_ScopeWider(t *testing.T) {
	for _, c := range []struct {
		name     string
		scope    string
		used     []string
		redacted bool
		want     []string // nil: no finding
	}{
		{"one item", "/v1", []string{"/v1/contacts", "/v1/contacts/42"}, false, []string{"/v1/contacts"}},
		{"two items", "*", []string{"/v1/contacts", "/repos/a"}, false, []string{"/repos/a", "/v1/contacts"}},
		{"used all of it", "/v1/contacts", []string{"/v1/contacts"}, false, nil},
		{"used below a used item", "/v1/contacts", []string{"/v1/contacts", "/v1/contacts/42"}, false, nil},
		{"a redacted use", "/v1", []string{"/v1/contacts"}, true, nil},
		{"too many items", "/v1", []string{"/v1/a", "/v1/b", "/v1/c", "/v1/d", "/v1/e", "/v1/f", "/v1/g", "/v1/h", "/v1/i"}, false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(old)
			w.grant("g1", c.scope, aos.Read, old)
			for _, r := range c.used {
				w.use("g1", aos.Read, r, 1)
			}
			if c.redacted {
				w.use("g1", aos.Read, "", 1)
			}
			f := w.find("scope-wider/g1")
			if c.want == nil {
				if f != nil {
					t.Fatalf("unexpected finding %+v", f)
				}
				return
			}
			if f == nil || !slices.Equal(f.Remedy.Scopes, c.want) || f.Remedy.Action != RemedyNarrow || f.Remedy.Access != "" {
				t.Fatalf("finding %+v, want scopes %v", f, c.want)
			}
		})
	}
}

func TestReview_NarrowScopes_GitHub(t *testing.T) {
	// An organisation-wide grant used on two repositories (and on the
	// token's own user, which every scope covers) narrows to those two.
	k := github.New()
	got, ok := narrowScopes(k, "org:acme", map[string]bool{"repo:acme/api": true, "repo:acme/web": true, "self": true})
	if !ok || !slices.Equal(got, []string{"repo:acme/api", "repo:acme/web"}) {
		t.Fatalf("narrowed to %v %t", got, ok)
	}
	// A use that only the old scope covers (the organisation itself)
	// forbids narrowing to the repositories.
	if got, ok := narrowScopes(k, "*", map[string]bool{"repo:acme/api": true, "account": true}); ok {
		t.Fatalf("narrowed to %v, losing the account-level use", got)
	}
}

func TestReview_NarrowScopes_NeverWidens(t *testing.T) {
	k := rest.New()
	// A resource outside the old scope (which no allowed call has) is
	// never proposed.
	if s, ok := narrowScopes(k, "/v1/contacts", map[string]bool{"/v2": true}); ok {
		t.Fatalf("proposed %v outside /v1/contacts", s)
	}
	if s, ok := narrowScopes(k, "/v1", map[string]bool{"*": true}); ok {
		t.Fatalf("proposed %v", s)
	}
}

func TestReview_CredentialBroader(t *testing.T) {
	w := newWorld(young)
	w.grant("g1", "/v1/contacts", aos.Read, young)
	w.s.creds[1].Breadth = &aos.CredentialInfo{Kind: "token", AccountWide: true, CanWrite: true}
	f := w.find("credential-broader/crm")
	if f == nil || f.Evidence.Excess == nil || !f.Evidence.Excess.AccountWide || !f.Evidence.Excess.Write || f.Remedy.Applicable {
		t.Fatalf("finding %+v", f)
	}
	t.Run("as broad as its grants", func(t *testing.T) {
		w := newWorld(young)
		w.grant("g1", "/v1/contacts", aos.Write, young)
		w.s.creds[1].Breadth = &aos.CredentialInfo{Kind: "token", Resources: []string{"/v1/contacts"}, CanWrite: true}
		if f := w.find("credential-broader/crm"); f != nil {
			t.Fatalf("finding %+v", f)
		}
	})
}

func TestReview_RotationOverdue(t *testing.T) {
	for _, c := range []struct {
		age  time.Duration
		want bool
	}{{89 * day, false}, {90 * day, true}, {200 * day, true}} {
		t.Run(fmt.Sprint(c.age/day, " days"), func(t *testing.T) {
			w := newWorld(young)
			w.s.creds[1].CreatedAt = reviewT0.Add(-c.age)
			f := w.find("rotation-overdue/crm")
			if (f != nil) != c.want {
				t.Fatalf("finding %+v, want %t", f, c.want)
			}
			if f != nil && (f.Remedy.Applicable || !f.Evidence.DueAt.Equal(reviewT0.Add(-c.age+90*day))) {
				t.Fatalf("finding %+v", f)
			}
		})
	}
	t.Run("rotated recently", func(t *testing.T) {
		w := newWorld(young)
		w.s.creds[1].CreatedAt = reviewT0.Add(-200 * day)
		rot := reviewT0.Add(-day)
		w.s.creds[1].RotatedAt = &rot
		if f := w.find("rotation-overdue/crm"); f != nil {
			t.Fatalf("finding %+v", f)
		}
	})
}

func TestReview_GrantExpiring(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want bool
	}{{3 * day, true}, {14 * day, true}, {15 * day, false}} {
		t.Run(fmt.Sprint(c.in/day, " days"), func(t *testing.T) {
			w := newWorld(young)
			g := w.grant("g1", "/v1", aos.Read, young)
			exp := reviewT0.Add(c.in)
			g.ExpiresAt = &exp
			if f := w.find("grant-expiring/g1"); (f != nil) != c.want || f != nil && f.Remedy.Applicable {
				t.Fatalf("finding %+v, want %t", f, c.want)
			}
		})
	}
}

func TestReview_MissionQuiet(t *testing.T) {
	t.Run("quiet", func(t *testing.T) {
		w := newWorld(old)
		w.grant("g1", "/v1/a", aos.Read, old).Mission = "launch"
		w.grant("g2", "/v1/b", aos.Write, old).Mission = "launch"
		f := w.find("mission-quiet/launch")
		if f == nil || !slices.Equal(f.Remedy.Revoke, []string{"g1", "g2"}) || !f.Remedy.Applicable {
			t.Fatalf("finding %+v", f)
		}
	})
	t.Run("one grant used", func(t *testing.T) {
		w := newWorld(old)
		w.grant("g1", "/v1/a", aos.Read, old).Mission = "launch"
		w.grant("g2", "/v1/b", aos.Write, old).Mission = "launch"
		w.use("g2", aos.Write, "/v1/b", 1)
		if f := w.find("mission-quiet/launch"); f != nil {
			t.Fatalf("finding %+v", f)
		}
	})
	t.Run("a grant younger than the window", func(t *testing.T) {
		w := newWorld(old)
		w.grant("g1", "/v1/a", aos.Read, old).Mission = "launch"
		w.grant("g2", "/v1/b", aos.Write, young).Mission = "launch"
		if f := w.find("mission-quiet/launch"); f != nil {
			t.Fatalf("finding %+v", f)
		}
	})
}

func TestReview_DeniedRecurring(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprint(n, " denials"), func(t *testing.T) {
			w := newWorld(young)
			u := &grantUse{}
			for i := 0; i < n; i++ {
				u.add(&aos.Entry{Index: int64(10 + i), Time: reviewT0.Add(-time.Duration(n-i) * time.Hour)})
			}
			w.s.usage.denied[deniedKey{"agent:bob", "crm", aos.EOutOfScope}] = u
			f := w.find("denied-recurring/agent:bob/crm/out_of_scope")
			if (f != nil) != (n >= 3) {
				t.Fatalf("finding %+v for %d denials", f, n)
			}
			if f != nil && (f.Evidence.Count != n || !slices.Equal(f.Evidence.Entries, []int64{10, 11, 12}) || f.Remedy.Applicable) {
				t.Fatalf("finding %+v", f)
			}
		})
	}
}

func TestReview_Digest(t *testing.T) {
	// A dismissal holds while the evidence is the same: the digest does
	// not move with the window, and moves when the evidence does.
	w := newWorld(old)
	w.grant("g1", "/v1", aos.Write, old)
	w.use("g1", aos.Read, "/v1/contacts", 1)
	a := w.find("scope-wider/g1").Digest
	w.s.now, w.s.since = w.s.now.Add(day), w.s.since.Add(day)
	if b := w.find("scope-wider/g1").Digest; a != b {
		t.Fatal("the digest moved with the window")
	}
	w.use("g1", aos.Read, "/v1/deals", 1)
	if c := w.find("scope-wider/g1").Digest; a == c {
		t.Fatal("the digest stayed when the evidence changed")
	}
}
