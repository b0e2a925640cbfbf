package secinfra

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// reviewUsage is what the evidence in the window says was used: per grant,
// per connection, and the denials per agent, connection and code.
type reviewUsage struct {
	from, to int64 // entries read, [from, to)
	grants   map[string]*grantUse
	conns    map[string]*grantUse
	denied   map[deniedKey]*grantUse
}

// grantUse counts uses (or denials) in the window.
type grantUse struct {
	count   int
	writes  int
	entries []int64 // the newest maxEvidenceEntries
	first   time.Time
	last    time.Time
	// resources are the resources used, as the connector named them;
	// unknown counts uses whose resource could not be read (a redacted
	// payload), which forbid narrowing the scope.
	resources map[string]bool
	unknown   int
}

type deniedKey struct{ agent, connection, code string }

func (u *grantUse) add(e *aos.Entry) {
	if u.count == 0 {
		u.first = e.Time
	}
	u.count++
	u.last = e.Time
	u.entries = append(u.entries, e.Index)
	if len(u.entries) > maxEvidenceEntries {
		u.entries = u.entries[1:]
	}
}

// scanPage is how many entries one read takes.
const scanPage = 512

// scan reads the entries of the window. The log is in time order (each
// batch takes the time once, when it begins), so the first entry of the
// window is found by bisection, a day early in case clocks of replicas
// disagree; entries before the window start are then skipped by time.
//
// The resource of a call is read from its committed payload, which only
// this service (run for the owner) sees; a finding names the scopes derived
// from resources, never a payload. A redacted payload leaves the resource
// unknown, and a grant with unknown uses is never narrowed by scope.
func (r *Reviewer) scan(ctx context.Context, snap *reviewSnapshot) (*reviewUsage, error) {
	u := &reviewUsage{grants: map[string]*grantUse{}, conns: map[string]*grantUse{}, denied: map[deniedKey]*grantUse{}}
	var size int64
	if err := r.Store.View(ctx, func(tx aos.Tx) (err error) {
		size, err = tx.LogSize(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	from, err := r.firstAtOrAfter(ctx, size, snap.since.Add(-24*time.Hour))
	if err != nil {
		return nil, err
	}
	u.from, u.to = from, size
	grants := map[string]*aos.Grant{}
	for _, g := range snap.grants {
		grants[g.ID] = g
	}
	known := map[string]bool{}
	kinds := map[string]connector.Connector{}
	for _, c := range snap.conns {
		known[c.Name] = true
		kinds[c.Name] = snap.connectors[c.Type]
	}
	for at := from; at < size; at += scanPage {
		es, err := r.Entries.Entries(ctx, at, min(at+scanPage, size))
		if err != nil {
			return nil, err
		}
		for i := range es {
			e := &es[i]
			if e.Time.Before(snap.since) {
				continue
			}
			switch e.Kind {
			case "call.authorized", "call.held":
				if err := r.noteUse(ctx, u, e, grants, kinds); err != nil {
					return nil, err
				}
			case "call.denied":
				conn := e.Attrs["connection"]
				if !known[conn] {
					// An agent may name anything; only real connections
					// are named in a report.
					conn = "-"
				}
				k := deniedKey{e.Actor, conn, e.Attrs["code"]}
				if u.denied[k] == nil {
					u.denied[k] = &grantUse{}
				}
				u.denied[k].add(e)
			}
		}
	}
	return u, nil
}

// firstAtOrAfter returns the index of the first entry whose time is at or
// after t (size when none is).
func (r *Reviewer) firstAtOrAfter(ctx context.Context, size int64, t time.Time) (int64, error) {
	lo, hi := int64(0), size
	for lo < hi {
		mid := lo + (hi-lo)/2
		es, err := r.Entries.Entries(ctx, mid, mid+1)
		if err != nil {
			return 0, err
		}
		if len(es) == 1 && es[0].Time.Before(t) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// noteUse counts an authorised or held call against its grants and its
// connection. The access it needed is in the entry's attributes, or, for a
// call the owner approved, in the approval; so is its resource.
func (r *Reviewer) noteUse(ctx context.Context, u *reviewUsage, e *aos.Entry, grants map[string]*aos.Grant, kinds map[string]connector.Connector) error {
	if e.Kind == "call.authorized" && e.Attrs["decision"] != "allow" && e.Attrs["decision"] != "approved" {
		return nil
	}
	access := aos.Access(e.Attrs["access"])
	resource, ok := payloadResource(e.Payload)
	if id := e.Attrs["approval"]; id != "" && (access == "" || !ok) {
		err := r.Store.View(ctx, func(tx aos.Tx) error {
			a, err := tx.ApprovalWithoutBlobs(ctx, id)
			if err != nil {
				return err
			}
			if access == "" {
				access = a.Access
			}
			if !ok && a.Resource != "" {
				resource, ok = a.Resource, true
			}
			return nil
		})
		if err != nil && aos.ErrorCode(err) != aos.ENotFound {
			return err
		}
	}
	conn := e.Attrs["connection"]
	if u.conns[conn] == nil {
		u.conns[conn] = &grantUse{}
	}
	u.conns[conn].add(e)
	ids := strings.Split(e.Attrs["grant"], ",")
	for _, id := range ids {
		if id == "" {
			continue
		}
		gu := u.grants[id]
		if gu == nil {
			gu = &grantUse{resources: map[string]bool{}}
			u.grants[id] = gu
		}
		gu.add(e)
		if access != aos.Read {
			// Unknown access counts as a write: never narrow what may
			// have written.
			gu.writes++
		}
		g := grants[id]
		switch {
		case !ok || g == nil || kinds[g.Connection] == nil && len(ids) > 1:
			gu.unknown++
		case len(ids) == 1:
			gu.resources[resource] = true
		default:
			// Grants that together covered a compound resource: each
			// used the items it covers.
			items := itemsCovered(kinds[g.Connection], g, resource)
			if len(items) == 0 {
				gu.unknown++
			}
			for _, it := range items {
				gu.resources[it] = true
			}
		}
	}
	return nil
}

// itemsCovered returns the items of a compound resource that g covers.
func itemsCovered(k connector.Connector, g *aos.Grant, resource string) []string {
	c, ok := k.(connector.Compound)
	if !ok {
		return nil
	}
	var out []string
	for _, it := range c.Items(resource) {
		if g.Scope == "*" || g.Scope == it || k.Covers(g.Scope, it) {
			out = append(out, it)
		}
	}
	return out
}

// payloadResource reads the resource from a call's committed payload.
func payloadResource(p json.RawMessage) (string, bool) {
	if len(p) == 0 {
		return "", false
	}
	var pl struct {
		Resource *string `json:"resource"`
	}
	if json.Unmarshal(p, &pl) != nil || pl.Resource == nil || *pl.Resource == "" {
		return "", false
	}
	return *pl.Resource, true
}
