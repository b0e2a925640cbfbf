package policy

import (
	"strings"

	"github.com/aos-dev/aos"
)

// GrantIndex holds the grants on one connection by grantee, so that a
// decision reads only those that may apply to the caller rather than every
// grant ever made on the connection. Decide filters what For returns
// exactly as it filters every grant: the index only spares it the others.
type GrantIndex struct {
	byID    map[string]*aos.Grant
	byAgent map[int64][]*aos.Grant
	byDept  map[string][]*aos.Grant
	company []*aos.Grant
	other   []*aos.Grant // grantee forms the index does not know: passed to every decision
}

// NewGrantIndex indexes grants (in any state: a revoked or expired grant
// explains a denial).
func NewGrantIndex(grants []*aos.Grant) *GrantIndex {
	x := &GrantIndex{byID: make(map[string]*aos.Grant, len(grants)),
		byAgent: map[int64][]*aos.Grant{}, byDept: map[string][]*aos.Grant{}}
	for _, g := range grants {
		x.byID[g.ID] = g
		switch {
		case g.Grantee == "":
			x.company = append(x.company, g)
		case strings.HasPrefix(g.Grantee, "agent:") && g.GranteeID != 0:
			x.byAgent[g.GranteeID] = append(x.byAgent[g.GranteeID], g)
		case strings.HasPrefix(g.Grantee, "department:"):
			d := strings.TrimPrefix(g.Grantee, "department:")
			x.byDept[d] = append(x.byDept[d], g)
		default:
			x.other = append(x.other, g)
		}
	}
	return x
}

// For returns the grants that may apply to p: its own, its department's,
// the company's.
func (x *GrantIndex) For(p *aos.Principal) []*aos.Grant {
	own := x.byAgent[p.ID]
	var dept []*aos.Grant
	if p.Department != "" {
		dept = x.byDept[p.Department]
	}
	out := make([]*aos.Grant, 0, len(own)+len(dept)+len(x.company)+len(x.other))
	out = append(out, own...)
	out = append(out, dept...)
	out = append(out, x.company...)
	return append(out, x.other...)
}

// ByID returns the grant with the id, nil if it is not in the index.
func (x *GrantIndex) ByID(id string) *aos.Grant { return x.byID[id] }
