package secinfra

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// The access review looks at what every grant, connection, credential and
// mission was really used for over a tracking window, read from the
// evidence trail, and proposes for each mismatch a remedy that only ever
// narrows or revokes. Findings have stable ids (the kind and what they are
// about), so a finding can be applied or dismissed by id, and a dismissal
// holds until the evidence behind the finding changes.

// Kinds of finding.
const (
	ReviewGrantUnused       = "grant-unused"
	ReviewConnectionUnused  = "connection-unused"
	ReviewWriteUnused       = "write-unused"
	ReviewScopeWider        = "scope-wider"
	ReviewCredentialBroader = "credential-broader"
	ReviewRotationOverdue   = "rotation-overdue"
	ReviewGrantExpiring     = "grant-expiring"
	ReviewMissionQuiet      = "mission-quiet"
	ReviewDeniedRecurring   = "denied-recurring"
)

// Defaults of the review.
const (
	DefaultReviewWindow   = 90 * 24 * time.Hour
	DefaultReviewEvery    = 30 * 24 * time.Hour
	DefaultExpiringWithin = 14 * 24 * time.Hour
	// DefaultDeniedAtLeast is how many denials of one agent on one
	// connection with one code in the window make them recurring.
	DefaultDeniedAtLeast = 3
	// maxNarrowScopes bounds the scopes a grant is narrowed to: used
	// items beyond it are not a narrowing a person can sign off.
	maxNarrowScopes = 8
	// maxEvidenceEntries bounds the entry indexes a finding lists.
	maxEvidenceEntries = 20
)

// SecurityInfra is the department whose agents may read the review and
// apply its remedies (they only narrow and revoke).
const SecurityInfra = "security-infra"

// Remedy actions.
const (
	RemedyRevoke = "revoke" // revoke the grants in Revoke
	RemedyNarrow = "narrow" // replace the grant by one or more narrower ones
	RemedyAdvise = "advise" // something for a person to do; aos does not apply it
)

// Finding is one thing the review found, with the evidence behind it and
// the proposed remedy.
type Finding struct {
	// ID is stable across reviews: the kind and what it is about.
	ID         string         `json:"id"`
	Kind       string         `json:"kind"`
	Summary    string         `json:"summary"`
	Connection string         `json:"connection,omitempty"`
	Grant      string         `json:"grant,omitempty"`
	Mission    string         `json:"mission,omitempty"`
	Evidence   ReviewEvidence `json:"evidence"`
	Remedy     Remedy         `json:"remedy"`
	// Digest identifies the evidence: a dismissal holds while it is the same.
	Digest string `json:"digest"`
}

// ReviewEvidence is what a finding rests on: counts, times and the indexes
// of the evidence entries behind it (the newest, at most 20). It never
// holds a payload, a secret or customer data.
type ReviewEvidence struct {
	Since   time.Time  `json:"since"` // start of the window
	Count   int        `json:"count"` // uses, writes or denials in the window
	Entries []int64    `json:"entries,omitempty"`
	First   *time.Time `json:"first,omitempty"`
	Last    *time.Time `json:"last,omitempty"`
	// GrantCreatedAt is when the grant (or the connection) was made.
	GrantCreatedAt *time.Time `json:"created_at,omitempty"`
	LastUsedAt     *time.Time `json:"last_used_at,omitempty"`
	DueAt          *time.Time `json:"due_at,omitempty"`
	ExpiresAt      *time.Time `json:"expires_at,omitempty"`
	Scope          string     `json:"scope,omitempty"`
	Access         aos.Access `json:"access,omitempty"`
	// UsedScopes are the scopes that cover everything the grant was used on.
	UsedScopes []string `json:"used_scopes,omitempty"`
	// Excess is what a credential reaches beyond its grants.
	Excess            *aos.CredentialExcess `json:"excess,omitempty"`
	CredentialVersion int                   `json:"credential_version,omitempty"`
	Agent             string                `json:"agent,omitempty"`
	Code              string                `json:"code,omitempty"`
	Grants            []string              `json:"grants,omitempty"`
}

// Remedy is what the review proposes. Applicable remedies only revoke or
// narrow; advice is for a person.
type Remedy struct {
	Action string `json:"action"`
	// Revoke lists the grants a revoke remedy revokes.
	Revoke []string `json:"revoke,omitempty"`
	// Access and Scopes are what a narrow remedy replaces the grant with.
	Access aos.Access `json:"access,omitempty"`
	Scopes []string   `json:"scopes,omitempty"`
	// Text says it for a person; Command is the command that does it.
	Text       string `json:"text"`
	Command    string `json:"command,omitempty"`
	Applicable bool   `json:"applicable"`
}

// ReviewReport is one run of the review.
type ReviewReport struct {
	At          time.Time `json:"at"`
	Window      string    `json:"window"`
	WindowStart time.Time `json:"window_start"`
	// Scanned is the range of evidence entries read, [From, To).
	ScannedFrom int64          `json:"scanned_from"`
	ScannedTo   int64          `json:"scanned_to"`
	Findings    []Finding      `json:"findings"`
	Dismissed   []Dismissal    `json:"dismissed,omitempty"`
	Counts      map[string]int `json:"counts"`
}

// Dismissal is a recorded decision to keep what a finding is about.
type Dismissal struct {
	ID     string    `json:"id"`
	Digest string    `json:"digest"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// EntryReader reads decoded evidence entries; *evidence.Log is one.
type EntryReader interface {
	Entries(ctx context.Context, from, to int64) ([]aos.Entry, error)
}

// Reviewer runs the access review and carries out its remedies. Its
// fields are set once, before use.
type Reviewer struct {
	Store      aos.Store
	Log        aos.EvidenceLog
	Entries    EntryReader
	Connectors connector.Registry
	Now        func() time.Time
	// Window is the tracking window; DefaultReviewWindow if zero.
	Window time.Duration
	// ExpiringWithin says how soon an expiry is "soon";
	// DefaultExpiringWithin if zero.
	ExpiringWithin time.Duration
	// DeniedAtLeast is DefaultDeniedAtLeast if zero.
	DeniedAtLeast int
}

// ReviewOptions adjust one run.
type ReviewOptions struct {
	// Window overrides Reviewer.Window when positive.
	Window time.Duration
	// All includes dismissed findings among Findings.
	All bool
}

// MayReadReview reports whether p may read the review: the owner,
// auditors and agents of the security-infra department.
func MayReadReview(p *aos.Principal) bool {
	return p != nil && (p.Kind == aos.Owner || p.Kind == aos.Auditor ||
		p.Kind == aos.Agent && p.Department == SecurityInfra)
}

// mayRemedy reports whether p may apply remedies: the owner and agents of
// the security-infra department. Auditors only read.
func mayRemedy(p *aos.Principal) bool {
	return p != nil && (p.Kind == aos.Owner || p.Kind == aos.Agent && p.Department == SecurityInfra)
}

func (r *Reviewer) window(o ReviewOptions) time.Duration {
	switch {
	case o.Window > 0:
		return o.Window
	case r.Window > 0:
		return r.Window
	}
	return DefaultReviewWindow
}

// Review runs the review now. Owner, auditors and security-infra agents.
// Errors: EForbidden.
func (r *Reviewer) Review(ctx context.Context, actor *aos.Principal, o ReviewOptions) (*ReviewReport, error) {
	if !MayReadReview(actor) {
		return nil, aos.Errorf(aos.EForbidden, "only the owner, auditors and agents of department %s may read the access review", SecurityInfra)
	}
	return r.run(ctx, o)
}

// run computes a report: the state, the usage in the window, the findings,
// and the dismissals that still hold.
func (r *Reviewer) run(ctx context.Context, o ReviewOptions) (*ReviewReport, error) {
	now := r.Now().UTC()
	win := r.window(o)
	snap := &reviewSnapshot{now: now, since: now.Add(-win), connectors: r.Connectors,
		expiringWithin: r.ExpiringWithin, deniedAtLeast: r.DeniedAtLeast, creds: map[int64]*aos.Credential{}}
	if snap.expiringWithin <= 0 {
		snap.expiringWithin = DefaultExpiringWithin
	}
	if snap.deniedAtLeast <= 0 {
		snap.deniedAtLeast = DefaultDeniedAtLeast
	}
	dismissed := map[string]Dismissal{}
	err := r.Store.View(ctx, func(tx aos.Tx) error {
		conns, err := tx.ListConnections(ctx)
		if err != nil {
			return err
		}
		for _, c := range conns {
			if !c.Connected() {
				continue
			}
			snap.conns = append(snap.conns, c)
			cred, err := tx.ActiveCredential(ctx, c.ID)
			if aos.ErrorCode(err) == aos.ENotFound {
				continue
			} else if err != nil {
				return err
			}
			snap.creds[c.ID] = cred
		}
		gs, err := tx.ListGrants(ctx, aos.GrantFilter{})
		if err != nil {
			return err
		}
		for _, g := range gs {
			if g.Active(now) {
				snap.grants = append(snap.grants, g)
			}
		}
		settings, err := tx.ListSettings(ctx)
		if err != nil {
			return err
		}
		for k, v := range settings {
			id, ok := strings.CutPrefix(k, dismissedPrefix)
			if !ok {
				continue
			}
			var d Dismissal
			if json.Unmarshal([]byte(v), &d) == nil {
				d.ID = id
				dismissed[id] = d
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if snap.usage, err = r.scan(ctx, snap); err != nil {
		return nil, err
	}
	rep := &ReviewReport{At: now, Window: win.String(), WindowStart: snap.since,
		ScannedFrom: snap.usage.from, ScannedTo: snap.usage.to, Findings: []Finding{}, Counts: map[string]int{}}
	for _, f := range analyze(snap) {
		if d, ok := dismissed[f.ID]; ok && d.Digest == f.Digest {
			rep.Dismissed = append(rep.Dismissed, d)
			if !o.All {
				continue
			}
		}
		rep.Findings = append(rep.Findings, f)
		rep.Counts[f.Kind]++
	}
	sort.Slice(rep.Dismissed, func(i, j int) bool { return rep.Dismissed[i].ID < rep.Dismissed[j].ID })
	return rep, nil
}

// dismissedPrefix starts the setting that keeps a dismissal of a finding.
const dismissedPrefix = "review.dismissed."
