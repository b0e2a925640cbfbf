// Package policy decides whether a call may pass the boundary. Decide is a
// pure function of the grants, the operation, the resource, the facts and
// the caps: it does no I/O and reads no clock, so every decision can be
// replayed and tested exhaustively.
package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aos-dev/aos"
)

// Input is everything a decision depends on.
type Input struct {
	// Principal is the authenticated caller.
	Principal *aos.Principal
	// Connection is the connection called.
	Connection *aos.Connection
	// Grants are the grants on Connection, in any state; Decide filters them.
	Grants    []*aos.Grant
	Operation aos.Operation
	// Resource is canonical, in the connector's syntax.
	Resource string
	Facts    aos.Facts
	// Covers is the connector's pure scope matcher.
	Covers func(scope, resource string) bool
	// Items, if set, splits a compound resource (a join of two tables, an
	// association of two object types) into resources that grants cover
	// one by one; the call is allowed when every item is. Nil: the
	// resource is one item.
	Items func(resource string) []string
	// Now is the time of the call.
	Now time.Time
	// Caps are the owner's limits; SpentThisWeek is the money (US cents)
	// that moved in the rolling 7 days before Now, not counting this call.
	Caps          aos.Caps
	SpentThisWeek int64
}

// Decide returns allow, deny (with a code and a reason) or hold. It denies
// unless an active grant that applies to the caller covers the resource
// with the access the operation needs (for a compound resource, every item
// covered by some grant: the decision then names each grant in GrantIDs). A call the grants allow is held when
// its facts reach an approval point: money over a cap (or in a currency
// without a rate), a public claim, customer data leaving, or production. Among the grants that would allow
// the call it reports the narrowest: one naming the agent before one naming
// its department before one for the whole company, then the longest scope.
func Decide(in Input) aos.Decision {
	if in.Principal == nil || in.Principal.Kind != aos.Agent {
		return deny(aos.ENotGranted, "only agents call tools")
	}
	if in.Connection == nil || !in.Connection.Connected() {
		return deny(aos.EUnknownConnection, "connection is not connected")
	}
	if in.Operation.Access != aos.Read && in.Operation.Access != aos.Write {
		return deny(aos.EUnknownOperation, fmt.Sprintf("operation %q has no access level", in.Operation.Name))
	}
	var mine, active []*aos.Grant
	for _, g := range in.Grants {
		if g.ConnectionID == in.Connection.ID && g.AppliesTo(in.Principal) {
			mine = append(mine, g)
			if g.Active(in.Now) {
				active = append(active, g)
			}
		}
	}
	if len(active) == 0 {
		return deny(aos.ENotGranted, noGrantReason(mine, in))
	}
	items := []string{in.Resource}
	if in.Items != nil {
		if items = in.Items(in.Resource); len(items) == 0 {
			return deny(aos.EOutOfScope, fmt.Sprintf("%s is not a resource this connection knows", in.Resource))
		}
	}
	var ids []string
	for _, item := range items {
		g, d := allowItem(in, mine, active, item)
		if g == nil {
			return d
		}
		if !slices.Contains(ids, g.ID) {
			ids = append(ids, g.ID)
		}
	}
	if points, reasons := holds(in); len(points) > 0 {
		return aos.Decision{Verdict: aos.Hold, Points: points, Reason: strings.Join(reasons, "; "), Reasons: reasons, GrantIDs: ids}
	}
	return aos.Decision{Verdict: aos.Allow, GrantIDs: ids}
}

// allowItem returns the narrowest active grant that covers one item of
// the resource with the access the operation needs, or the denial.
func allowItem(in Input, mine, active []*aos.Grant, item string) (*aos.Grant, aos.Decision) {
	var covering []*aos.Grant
	for _, g := range active {
		if in.Covers(g.Scope, item) {
			covering = append(covering, g)
		}
	}
	if len(covering) == 0 {
		// A grant that would have covered it but has ended explains more
		// than "out of scope" does.
		var ended []*aos.Grant
		for _, g := range mine {
			if !g.Active(in.Now) && in.Covers(g.Scope, item) {
				ended = append(ended, g)
			}
		}
		if len(ended) > 0 {
			return nil, deny(aos.ENotGranted, noGrantReason(ended, in))
		}
		return nil, deny(aos.EOutOfScope, fmt.Sprintf("%s is outside the granted scope (%s)",
			item, scopes(active)))
	}
	var allowing []*aos.Grant
	for _, g := range covering {
		if g.Access.Allows(in.Operation.Access) {
			allowing = append(allowing, g)
		}
	}
	if len(allowing) == 0 {
		return nil, deny(aos.EReadOnly, fmt.Sprintf("%s needs write access; the grant for %s is read-only",
			in.Operation.Name, item))
	}
	return narrowest(allowing), aos.Decision{}
}

func deny(code, reason string) aos.Decision {
	return aos.Decision{Verdict: aos.Deny, Code: code, Reason: reason}
}

// noGrantReason explains why none of the caller's grants is active.
func noGrantReason(mine []*aos.Grant, in Input) string {
	for _, g := range mine {
		if g.RevokedAt == nil && g.Expired(in.Now) {
			return fmt.Sprintf("grant %s on %s expired at %s", g.ID, in.Connection.Name,
				g.ExpiresAt.UTC().Format(time.RFC3339))
		}
	}
	for _, g := range mine {
		if g.RevokedAt != nil {
			return fmt.Sprintf("grant %s on %s was revoked", g.ID, in.Connection.Name)
		}
	}
	return fmt.Sprintf("%s has no grant on %s", in.Principal.Ref(), in.Connection.Name)
}

func scopes(gs []*aos.Grant) string {
	seen := map[string]bool{}
	var s []string
	for _, g := range gs {
		if !seen[g.Scope] {
			seen[g.Scope] = true
			s = append(s, g.Scope)
		}
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// granteeRank orders grantees from narrowest to broadest.
func granteeRank(g *aos.Grant) int {
	switch {
	case strings.HasPrefix(g.Grantee, "agent:"):
		return 0
	case strings.HasPrefix(g.Grantee, "department:"):
		return 1
	}
	return 2
}

func narrowest(gs []*aos.Grant) *aos.Grant {
	best := gs[0]
	for _, g := range gs[1:] {
		switch rb, rg := granteeRank(best), granteeRank(g); {
		case rg < rb:
			best = g
		case rg == rb && scopeBreadth(g.Scope) < scopeBreadth(best.Scope):
			best = g
		case rg == rb && scopeBreadth(g.Scope) == scopeBreadth(best.Scope) && g.Access == aos.Read && best.Access == aos.Write:
			best = g
		}
	}
	return best
}

// scopeBreadth ranks scopes: "*" is broadest, then shorter patterns.
func scopeBreadth(scope string) int {
	if scope == "*" {
		return 1 << 30
	}
	return 1<<20 - len(scope)
}
