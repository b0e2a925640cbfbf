package console

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/evidence"
)

// The evidence page reads the newest scanTail entries and shows at most
// showEntries of those that match its filters, newest first.
const (
	scanTail    = 5000
	showEntries = 200
)

// verifiedCache keeps the last verification of the whole log: verifying
// reads every entry, so it runs when the page is first opened and when the
// owner asks, and the page says which log size it covered.
type verifiedCache struct {
	mu     sync.Mutex
	report *evidence.Report
	at     time.Time
}

func (v *verifiedCache) get() (*evidence.Report, time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.report, v.at
}

func (c *Console) verify(ctx context.Context) (*evidence.Report, time.Time, error) {
	rep, err := c.Evidence.Verify(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := time.Now()
	c.verified.mu.Lock()
	c.verified.report, c.verified.at = rep, now
	c.verified.mu.Unlock()
	return rep, now, nil
}

// evidenceFilter is what the evidence page is asked to show.
type evidenceFilter struct {
	Actor, Connection, Point, From, To string
	from, to                           time.Time
}

func parseWhen(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if end && layout == "2006-01-02" {
				t = t.Add(24*time.Hour - time.Nanosecond)
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, aos.Errorf(aos.EBadRequest, "%q is not a time (use 2026-12-04 or 2026-12-04T15:04, UTC)", s)
}

func (f *evidenceFilter) match(e *aos.Entry) bool {
	if f.Actor != "" && !strings.Contains(e.Actor, f.Actor) {
		return false
	}
	if f.Connection != "" && e.Attrs["connection"] != f.Connection && !(strings.HasPrefix(e.Kind, "connection.") && e.Subject == f.Connection) {
		return false
	}
	if f.Point != "" && !slices.Contains(strings.Split(e.Attrs["points"], ","), f.Point) && e.Attrs["point"] != f.Point {
		return false
	}
	if !f.from.IsZero() && e.Time.Before(f.from) {
		return false
	}
	if !f.to.IsZero() && e.Time.After(f.to) {
		return false
	}
	return true
}

// evidencePage is the data of the evidence page.
type evidencePage struct {
	Filter     evidenceFilter
	Entries    []entryRow
	Scanned    int
	More       bool
	Report     *evidence.Report
	VerifiedAt time.Time
	LogSize    int64
	Points     []aos.ApprovalPoint
}

// entryRow is an entry as the page shows it: its public attributes, never
// its payload (only the commitment to it is shown).
type entryRow struct {
	E     aos.Entry
	Attrs string
}

func (c *Console) handleEvidence(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	f := evidenceFilter{Actor: strings.TrimSpace(q.Get("actor")), Connection: strings.TrimSpace(q.Get("connection")),
		Point: strings.TrimSpace(q.Get("point")), From: q.Get("from"), To: q.Get("to")}
	var err error
	if f.from, err = parseWhen(f.From, false); err != nil {
		return err
	}
	if f.to, err = parseWhen(f.To, true); err != nil {
		return err
	}
	entries, err := c.Evidence.Tail(r.Context(), scanTail)
	if err != nil {
		return err
	}
	p := evidencePage{Filter: f, Scanned: len(entries),
		Points: []aos.ApprovalPoint{aos.PointMoney, aos.PointPublicClaim, aos.PointCustomerData, aos.PointProduction, aos.PointAuditEdit}}
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if !f.match(&e) {
			continue
		}
		if len(p.Entries) == showEntries {
			p.More = true
			break
		}
		p.Entries = append(p.Entries, entryRow{E: e, Attrs: attrsText(e.Attrs)})
	}
	st, err := c.Owner.Status(r.Context())
	if err != nil {
		return err
	}
	p.LogSize = st.LogSize
	if p.Report, p.VerifiedAt = c.verified.get(); p.Report == nil {
		if p.Report, p.VerifiedAt, err = c.verify(r.Context()); err != nil {
			return err
		}
	}
	c.render(w, r, v.session, http.StatusOK, "evidence", pageData{Title: "Evidence", Nav: "evidence", Data: p})
	return nil
}

func attrsText(attrs map[string]string) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + attrs[k]
	}
	return strings.Join(parts, " ")
}

func (c *Console) handleVerify(w http.ResponseWriter, r *http.Request, v *visit) error {
	rep, _, err := c.verify(r.Context())
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Verified: %d entries and %d signed checkpoints hold.", rep.Size, rep.Checkpoints)
	if !rep.OK {
		msg = "The evidence log does NOT verify: " + rep.FirstBad().Message
	}
	return c.done(w, r, v.session, Prefix+"evidence", msg)
}
