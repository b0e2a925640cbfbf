package pii

import (
	"maps"
	"slices"

	"github.com/aos-dev/aos"
)

// Assessment is what an outbound payload carries: customer data learnt from
// other connections, and the detectors' findings.
type Assessment struct {
	// Findings has the detector hits, and as Personal the emails and phones
	// never seen from any system of record.
	Findings
	// Matches are the customer data found, one per source connection,
	// ordered by source.
	Matches []Match
	// CustomerData and CustomerSources are the categories and sources of
	// all Matches, sorted, each once.
	CustomerData    []string
	CustomerSources []string
}

// Match is customer data from one source connection found in a payload: a
// flow, should the payload leave.
type Match struct {
	Source     string
	Categories []string // sorted, each once
	// Count is the number of distinct pieces of customer data.
	Count int
	// MACs are the fingerprints of those pieces, sorted: what the flow
	// map keeps to follow one customer's data, never the values.
	MACs [][]byte
	// Resources are the resources of Source they were last seen in,
	// sorted, each once ("" left out).
	Resources []string
}

// Assess combines the fingerprints found for a payload's candidates with
// the detectors. found is what the store returned for Candidates(mac,
// items), from any connection; destination is the name of the connection
// the payload is for: its own data going back to it is not customer data
// leaving, though it still means its emails and phones are not personal
// data of unknown origin.
func Assess(mac MAC, items []Item, found []aos.Fingerprint, destination string) Assessment {
	var a Assessment
	seen := make(map[string]bool, len(found))
	type source struct {
		categories, resources set
		macs                  map[string]bool
	}
	sources := make(map[string]*source)
	var all set
	for _, fp := range found {
		seen[string(fp.MAC)] = true
		if fp.Connection == destination {
			continue
		}
		s := sources[fp.Connection]
		if s == nil {
			s = &source{macs: make(map[string]bool)}
			sources[fp.Connection] = s
		}
		s.categories.add(fp.Category)
		if fp.Resource != "" {
			s.resources.add(fp.Resource)
		}
		s.macs[string(fp.MAC)] = true
		all.add(fp.Category)
	}
	for _, name := range slices.Sorted(maps.Keys(sources)) {
		s := sources[name]
		a.Matches = append(a.Matches, Match{Source: name, Categories: s.categories.sorted(), Count: len(s.macs),
			MACs: sortedMACs(s.macs), Resources: s.resources.sorted()})
		a.CustomerSources = append(a.CustomerSources, name)
	}
	a.CustomerData = all.sorted()
	a.Findings = scan(items, func(it Item) bool {
		if len(seen) == 0 {
			return false
		}
		for _, f := range forms(it) {
			if seen[string(mac(Purpose, []byte(f)))] {
				return true
			}
		}
		return false
	})
	return a
}

// Apply adds the assessment to the facts of a call: the customer data and
// its sources, the sensitive and the personal data. What f already holds
// is kept.
func (a Assessment) Apply(f *aos.Facts) {
	f.CustomerData = union(f.CustomerData, a.CustomerData)
	f.CustomerSources = union(f.CustomerSources, a.CustomerSources)
	f.Sensitive = union(f.Sensitive, a.Sensitive)
	f.Personal = union(f.Personal, a.Personal)
}

// union returns the names in a or b, sorted, each once; nil if none.
func union(a, b []string) []string {
	var s set
	for _, v := range a {
		s.add(v)
	}
	for _, v := range b {
		s.add(v)
	}
	return s.sorted()
}

// sortedMACs returns the MACs in m, sorted.
func sortedMACs(m map[string]bool) [][]byte {
	out := make([][]byte, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, []byte(k))
	}
	return out
}
