package secinfra

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/pii"
)

// FlowMap is where customer data went: one edge per source connection and
// resource, destination connection and resource, over every flow the
// gateway recorded (or, for a subject, every flow that carried it). It
// holds names, categories, counts, times and approval ids; never a value.
type FlowMap struct {
	// BySubject is set when the map follows one subject's data; the
	// subject itself is never kept or returned.
	BySubject bool   `json:"by_subject,omitempty"`
	Edges     []Edge `json:"edges"`
}

// Edge is customer data crossing from one connection to a resource of
// another, over one or more calls.
type Edge struct {
	// Source is the connection the data was learnt from ("unattributed"
	// for personal data never seen from a system of record).
	Source string `json:"source"`
	// SourceResource is where in Source the data was last read from.
	SourceResource string `json:"source_resource,omitempty"`
	Destination    string `json:"destination"`
	Resource       string `json:"resource,omitempty"`
	// Categories are every category that crossed, sorted, each once.
	Categories []string `json:"categories"`
	// Count sums the pieces of customer data each crossing carried.
	Count int `json:"count"`
	// Crossings is the number of calls that carried it.
	Crossings int       `json:"crossings"`
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
	// Approvals are the approvals that let crossings through, each once,
	// in the order of the crossings; Unapproved counts the crossings that
	// no approval let through (data the policy passes without one, such
	// as personal data of unknown origin outside strict mode).
	Approvals  []string `json:"approvals"`
	Unapproved int      `json:"unapproved,omitempty"`
	// Flows are the crossings themselves, by time.
	Flows []*aos.Flow `json:"flows"`
}

// edgeKey is what one edge groups.
type edgeKey struct{ source, sourceResource, destination, resource string }

// BuildMap groups flows into edges, ordered by source, its resource,
// destination and its resource. The flows are taken in the order given (ListFlows' order: by
// time, then ID) and are not changed.
func BuildMap(flows []*aos.Flow) *FlowMap {
	m := &FlowMap{Edges: []Edge{}}
	index := make(map[edgeKey]int)
	for _, f := range flows {
		k := edgeKey{f.Source, f.SourceResource, f.Destination, f.Resource}
		i, ok := index[k]
		if !ok {
			i = len(m.Edges)
			index[k] = i
			m.Edges = append(m.Edges, Edge{Source: f.Source, SourceResource: f.SourceResource,
				Destination: f.Destination, Resource: f.Resource,
				Categories: []string{}, Approvals: []string{}, First: f.At, Last: f.At})
		}
		e := &m.Edges[i]
		for _, c := range f.Categories {
			if !slices.Contains(e.Categories, c) {
				e.Categories = append(e.Categories, c)
			}
		}
		e.Count += f.Count
		e.Crossings++
		if f.At.Before(e.First) {
			e.First = f.At
		}
		if f.At.After(e.Last) {
			e.Last = f.At
		}
		switch {
		case f.ApprovalID == "":
			e.Unapproved++
		case !slices.Contains(e.Approvals, f.ApprovalID):
			e.Approvals = append(e.Approvals, f.ApprovalID)
		}
		e.Flows = append(e.Flows, f)
	}
	for i := range m.Edges {
		slices.Sort(m.Edges[i].Categories)
	}
	slices.SortStableFunc(m.Edges, func(a, b Edge) int {
		return compareKeys(edgeKey{a.Source, a.SourceResource, a.Destination, a.Resource},
			edgeKey{b.Source, b.SourceResource, b.Destination, b.Resource})
	})
	return m
}

func compareKeys(a, b edgeKey) int {
	return cmp.Or(cmp.Compare(a.source, b.source), cmp.Compare(a.sourceResource, b.sourceResource),
		cmp.Compare(a.destination, b.destination), cmp.Compare(a.resource, b.resource))
}

// Map reads the flow map from store: every flow, or when subject is not
// empty, only the flows that carried it. A subject (an email address, a
// phone number, a record id, a name...) is followed by its keyed
// fingerprints, made with mac exactly as the gateway makes them when it
// learns customer data (pii.Subject); the value is neither stored nor
// returned, and errors never quote it. A subject that nothing is ever
// learnt as is a bad request (EBadRequest); a subject never seen maps
// nowhere: an empty map.
func Map(ctx context.Context, store aos.Store, mac pii.MAC, subject string) (*FlowMap, error) {
	var macs [][]byte
	if subject != "" {
		if macs = pii.Subject(mac, subject); len(macs) == 0 {
			return nil, aos.Errorf(aos.EBadRequest,
				"the subject is not an email address, phone number, record id, name or address that aos would recognise as customer data")
		}
	}
	var flows []*aos.Flow
	err := store.View(ctx, func(tx aos.Tx) (err error) {
		if macs != nil {
			flows, err = tx.FlowsOfSubjects(ctx, macs)
		} else {
			flows, err = tx.ListFlows(ctx)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	m := BuildMap(flows)
	m.BySubject = subject != ""
	return m, nil
}
