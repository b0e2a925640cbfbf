package secinfra

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// reviewSnapshot is everything the findings are computed from: the state
// (connected connections, their active credentials, active grants) and the
// usage the evidence shows in the window [since, now].
type reviewSnapshot struct {
	now, since     time.Time
	conns          []*aos.Connection
	creds          map[int64]*aos.Credential // active, by connection ID
	grants         []*aos.Grant              // active
	connectors     connector.Registry
	usage          *reviewUsage
	expiringWithin time.Duration
	deniedAtLeast  int
}

// analyze turns a snapshot into findings, in a stable order. It is pure.
//
// Usage findings (unused, write never used, scope wider than used) are
// only made about grants and connections that existed for the whole
// window: a grant younger than the window has not had the chance to be
// used, and is not flagged.
func analyze(s *reviewSnapshot) []Finding {
	var out []Finding
	byConn := map[int64][]*aos.Grant{}
	for _, g := range s.grants {
		byConn[g.ConnectionID] = append(byConn[g.ConnectionID], g)
	}
	for _, c := range s.conns {
		k := s.connectors[c.Type]
		grants := byConn[c.ID]
		out = append(out, connectionFindings(s, c, grants)...)
		for _, g := range grants {
			out = append(out, grantFindings(s, k, g)...)
		}
		if cred := s.creds[c.ID]; cred != nil {
			out = append(out, credentialFindings(s, c, k, cred, grants)...)
		}
	}
	out = append(out, missionFindings(s)...)
	out = append(out, deniedFindings(s)...)
	for i := range out {
		f := &out[i]
		f.Evidence.Since = s.since
	}
	return out
}

// old reports whether something created at t existed for the whole window.
func (s *reviewSnapshot) old(t time.Time) bool { return !t.After(s.since) }

func (s *reviewSnapshot) use(id string) *grantUse {
	if u := s.usage.grants[id]; u != nil {
		return u
	}
	return &grantUse{}
}

func digest(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:8])
}

func timeOf(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func connectionFindings(s *reviewSnapshot, c *aos.Connection, grants []*aos.Grant) []Finding {
	if !s.old(c.CreatedAt) {
		return nil
	}
	if u := s.usage.conns[c.Name]; u != nil && u.count > 0 {
		return nil
	}
	for _, g := range grants {
		if !s.old(g.CreatedAt) {
			return nil // a grant made in the window has not had its chance
		}
	}
	f := Finding{ID: ReviewConnectionUnused + "/" + c.Name, Kind: ReviewConnectionUnused, Connection: c.Name,
		Summary:  fmt.Sprintf("connection %s was not used since %s", c.Name, s.since.Format(time.DateOnly)),
		Evidence: ReviewEvidence{GrantCreatedAt: timeOf(c.CreatedAt)},
	}
	if cred := s.creds[c.ID]; cred != nil && cred.LastUsedAt != nil {
		f.Evidence.LastUsedAt = timeOf(*cred.LastUsedAt)
	}
	ids := make([]string, 0, len(grants))
	for _, g := range grants {
		ids = append(ids, g.ID)
	}
	f.Evidence.Grants = ids
	f.Remedy = Remedy{Action: RemedyAdvise, Command: "aos disconnect " + c.Name,
		Text: "disconnect it (the owner): nothing used it in the window"}
	if len(ids) > 0 {
		f.Remedy = Remedy{Action: RemedyRevoke, Revoke: ids, Applicable: true,
			Text:    fmt.Sprintf("revoke its %d grant(s); the owner may then disconnect it with `aos disconnect %s`", len(ids), c.Name),
			Command: "aos review --apply " + f.ID}
	}
	f.Digest = digest(f.Kind, c.Name, strings.Join(ids, ","))
	return []Finding{f}
}

func grantFindings(s *reviewSnapshot, k connector.Connector, g *aos.Grant) []Finding {
	var out []Finding
	if g.ExpiresAt != nil && g.ExpiresAt.Sub(s.now) <= s.expiringWithin {
		f := Finding{ID: ReviewGrantExpiring + "/" + g.ID, Kind: ReviewGrantExpiring, Connection: g.Connection, Grant: g.ID,
			Mission: g.Mission,
			Summary: fmt.Sprintf("grant %s (%s %s to %s) expires on %s", g.ID, g.Access, g.Scope, g.GranteeLabel(),
				g.ExpiresAt.UTC().Format(time.DateOnly)),
			Evidence: ReviewEvidence{ExpiresAt: timeOf(*g.ExpiresAt), Scope: g.Scope, Access: g.Access,
				GrantCreatedAt: timeOf(g.CreatedAt), Count: s.use(g.ID).count, Entries: s.use(g.ID).entries},
			Remedy: Remedy{Action: RemedyAdvise,
				Text: "let it lapse, or have the owner grant it again if the work still needs it"},
		}
		f.Digest = digest(f.Kind, g.ID, g.ExpiresAt.UTC().Format(time.RFC3339))
		out = append(out, f)
	}
	if !s.old(g.CreatedAt) {
		return out
	}
	u := s.use(g.ID)
	ev := ReviewEvidence{Scope: g.Scope, Access: g.Access, GrantCreatedAt: timeOf(g.CreatedAt), Count: u.count,
		Entries: u.entries, First: timeOf(u.first), Last: timeOf(u.last)}
	what := fmt.Sprintf("%s %s on %s to %s", g.Access, g.Scope, g.Connection, g.GranteeLabel())
	if u.count == 0 {
		f := Finding{ID: ReviewGrantUnused + "/" + g.ID, Kind: ReviewGrantUnused, Connection: g.Connection, Grant: g.ID,
			Mission:  g.Mission,
			Summary:  fmt.Sprintf("grant %s (%s) was not used since %s", g.ID, what, s.since.Format(time.DateOnly)),
			Evidence: ev,
		}
		f.ID = ReviewGrantUnused + "/" + g.ID
		f.Remedy = Remedy{Action: RemedyRevoke, Revoke: []string{g.ID}, Applicable: true,
			Text: "revoke it", Command: "aos review --apply " + f.ID}
		f.Digest = digest(f.Kind, g.ID, g.Scope, string(g.Access))
		return append(out, f)
	}
	if g.Access == aos.Write && u.writes == 0 {
		f := Finding{ID: ReviewWriteUnused + "/" + g.ID, Kind: ReviewWriteUnused, Connection: g.Connection, Grant: g.ID,
			Mission: g.Mission,
			Summary: fmt.Sprintf("grant %s (%s) was used %d time(s) since %s, never to write",
				g.ID, what, u.count, s.since.Format(time.DateOnly)),
			Evidence: ev,
		}
		f.Remedy = Remedy{Action: RemedyNarrow, Access: aos.Read, Applicable: true,
			Text: "narrow it to read", Command: "aos review --apply " + f.ID}
		f.Digest = digest(f.Kind, g.ID, g.Scope, string(g.Access))
		out = append(out, f)
	}
	if k != nil && u.unknown == 0 {
		if scopes, ok := narrowScopes(k, g.Scope, u.resources); ok {
			ev := ev
			ev.UsedScopes = scopes
			f := Finding{ID: ReviewScopeWider + "/" + g.ID, Kind: ReviewScopeWider, Connection: g.Connection, Grant: g.ID,
				Mission: g.Mission,
				Summary: fmt.Sprintf("grant %s (%s) was used only on %s since %s",
					g.ID, what, strings.Join(scopes, ", "), s.since.Format(time.DateOnly)),
				Evidence: ev,
			}
			f.Remedy = Remedy{Action: RemedyNarrow, Scopes: scopes, Applicable: true,
				Text: "narrow it to " + strings.Join(scopes, ", "), Command: "aos review --apply " + f.ID}
			f.Digest = digest(f.Kind, g.ID, g.Scope, string(g.Access), strings.Join(scopes, ","))
			out = append(out, f)
		}
	}
	return out
}

// narrowScopes returns the fewest scopes, each within old, that cover every
// resource used, when that is narrower than old. Each scope is a resource
// that was used and can be granted as it is; a used resource that cannot
// (GitHub's "self") must be covered by one of them. It reports false when
// some resource would be left uncovered, or when the narrowing would take
// more than maxNarrowScopes scopes.
func narrowScopes(k connector.Connector, old string, used map[string]bool) ([]string, bool) {
	var cands, rest []string
	for r := range used {
		if s, err := k.CheckScope(r); err == nil && s == r && scopeWithin(k, old, s) {
			cands = append(cands, s)
		} else {
			rest = append(rest, r)
		}
	}
	if len(cands) == 0 {
		return nil, false
	}
	sort.Strings(cands)
	var out []string
	for _, c := range cands {
		inner := false
		for _, o := range cands {
			if o != c && (o == "*" || k.Covers(o, c)) {
				inner = true
				break
			}
		}
		if !inner {
			out = append(out, c)
		}
	}
	for _, r := range rest {
		covered := false
		for _, s := range out {
			covered = covered || k.Covers(s, r)
		}
		if !covered {
			return nil, false
		}
	}
	if len(out) > maxNarrowScopes || len(out) == 1 && out[0] == old {
		return nil, false
	}
	return out, true
}

// scopeWithin reports whether scope s grants nothing beyond old: s is old,
// old is account-wide, or old covers s read as a resource (scopes here are
// always resources the connector produced, so what s covers lies under s).
func scopeWithin(k connector.Connector, old, s string) bool {
	return s == old || old == "*" || s != "*" && k.Covers(old, s)
}

func credentialFindings(s *reviewSnapshot, c *aos.Connection, k connector.Connector, cred *aos.Credential, grants []*aos.Grant) []Finding {
	var out []Finding
	// The same due date as the key inventory's.
	if due := cred.DueAt(); cred.Overdue(s.now) {
		f := Finding{ID: ReviewRotationOverdue + "/" + c.Name, Kind: ReviewRotationOverdue, Connection: c.Name,
			Summary: fmt.Sprintf("the credential of %s (version %d) was due for rotation on %s",
				c.Name, cred.Version, due.UTC().Format(time.DateOnly)),
			Evidence: ReviewEvidence{DueAt: timeOf(due), CredentialVersion: cred.Version, GrantCreatedAt: timeOf(cred.CreatedAt)},
			Remedy: Remedy{Action: RemedyAdvise, Command: "aos keys rotate " + c.Name,
				Text: "rotate it (the owner): make a new key at the provider, then `aos keys rotate " + c.Name + "`"},
		}
		f.Digest = digest(f.Kind, c.Name, strconv.Itoa(cred.Version), due.UTC().Format(time.RFC3339))
		out = append(out, f)
	}
	if cred.Breadth != nil {
		var covers func(string, string) bool
		if k != nil {
			covers = k.Covers
		}
		ex := cred.Breadth.Excess(grants, covers)
		if ex.Broader() {
			var parts []string
			if ex.AccountWide {
				parts = append(parts, "the whole account")
			}
			if ex.Write {
				parts = append(parts, "writes")
			}
			if len(ex.Resources) > 0 {
				parts = append(parts, strings.Join(ex.Resources, ", "))
			}
			f := Finding{ID: ReviewCredentialBroader + "/" + c.Name, Kind: ReviewCredentialBroader, Connection: c.Name,
				Summary: fmt.Sprintf("the credential of %s reaches more than every grant that uses it: %s",
					c.Name, strings.Join(parts, "; ")),
				Evidence: ReviewEvidence{Excess: &ex, CredentialVersion: cred.Version},
				Remedy: Remedy{Action: RemedyAdvise, Command: "aos keys rotate " + c.Name,
					Text: "replace it at the provider with a key limited to what the grants use, then rotate to it"},
			}
			f.Digest = digest(f.Kind, c.Name, strconv.Itoa(cred.Version), strconv.FormatBool(ex.AccountWide),
				strconv.FormatBool(ex.Write), strings.Join(ex.Resources, ","))
			out = append(out, f)
		}
	}
	return out
}

func missionFindings(s *reviewSnapshot) []Finding {
	byMission := map[string][]*aos.Grant{}
	var names []string
	for _, g := range s.grants {
		if g.Mission == "" {
			continue
		}
		if byMission[g.Mission] == nil {
			names = append(names, g.Mission)
		}
		byMission[g.Mission] = append(byMission[g.Mission], g)
	}
	sort.Strings(names)
	var out []Finding
	for _, m := range names {
		quiet, ids := true, []string{}
		var newest time.Time
		for _, g := range byMission[m] {
			ids = append(ids, g.ID)
			if !s.old(g.CreatedAt) || s.use(g.ID).count > 0 {
				quiet = false
			}
			if g.CreatedAt.After(newest) {
				newest = g.CreatedAt
			}
		}
		if !quiet {
			continue
		}
		f := Finding{ID: ReviewMissionQuiet + "/" + m, Kind: ReviewMissionQuiet, Mission: m,
			Summary:  fmt.Sprintf("mission %s has %d grant(s) and none was used since %s", m, len(ids), s.since.Format(time.DateOnly)),
			Evidence: ReviewEvidence{Grants: ids, GrantCreatedAt: timeOf(newest)},
		}
		f.Remedy = Remedy{Action: RemedyRevoke, Revoke: ids, Applicable: true,
			Text:    "end the mission's grants (as `aos mission close " + m + "` would)",
			Command: "aos review --apply " + f.ID}
		f.Digest = digest(f.Kind, m, strings.Join(ids, ","))
		out = append(out, f)
	}
	return out
}

func deniedFindings(s *reviewSnapshot) []Finding {
	keys := make([]deniedKey, 0, len(s.usage.denied))
	for k, u := range s.usage.denied {
		if u.count >= s.deniedAtLeast {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.agent != b.agent {
			return a.agent < b.agent
		}
		if a.connection != b.connection {
			return a.connection < b.connection
		}
		return a.code < b.code
	})
	var out []Finding
	for _, k := range keys {
		u := s.usage.denied[k]
		f := Finding{ID: ReviewDeniedRecurring + "/" + k.agent + "/" + k.connection + "/" + k.code, Kind: ReviewDeniedRecurring,
			Summary: fmt.Sprintf("%s was denied %d time(s) on %s (%s) since %s", k.agent, u.count, k.connection, k.code,
				s.since.Format(time.DateOnly)),
			Evidence: ReviewEvidence{Count: u.count, Entries: u.entries, First: timeOf(u.first), Last: timeOf(u.last),
				Agent: k.agent, Code: k.code},
			Remedy: Remedy{Action: RemedyAdvise,
				Text: "find out why the agent keeps trying: a task that needs a grant the owner has not given, or an agent probing the boundary"},
		}
		if k.connection != "-" {
			f.Connection = k.connection
		}
		f.Digest = digest(f.Kind, k.agent, k.connection, k.code, strconv.FormatInt(u.entries[len(u.entries)-1], 10))
		out = append(out, f)
	}
	return out
}
