package evidence

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
)

// Kinds of the entries that explain a redaction.
const (
	kindApprove = "approval.approve"
	kindRedact  = "evidence.redact"
)

// replayer rebuilds, as the checker is fed entries in order, the state the
// log's entries build and what explains each redaction.
type replayer struct {
	state *State
	// approved are the approvals the owner approved, by id.
	approved map[string]bool
	// redactions maps an entry index to the redaction entries that name
	// it: an evidence.redact entry, after an approval.approve of its
	// approval.
	redactions map[int64][]int64
	// incomplete is set when an entry could not be read or is missing:
	// the state built is then not the log's.
	incomplete bool
	// unanswered maps each authorised call still without an outcome (by
	// "e:" and its entry index, or "a:" and its approval id) to the index
	// of its call.authorized entry.
	unanswered map[string]int64
}

// Kinds of the entries that open and close an authorised call.
const (
	kindAuthorized = "call.authorized"
	kindOutcome    = "call.outcome"
)

func newReplayer() *replayer {
	return &replayer{state: NewState(), approved: map[string]bool{}, redactions: map[int64][]int64{},
		unanswered: map[string]int64{}}
}

// replayReads reports whether the replayer reads the attribute: Verify's
// decoder keeps only those (decodeCanonicalLeafIn).
func replayReads(attr string) bool {
	return attr == "entry" || attr == "approval" || attr == "authorized_entry"
}

// entry replays e. Of e.Attrs it reads only those replayReads names.
func (r *replayer) entry(e aos.Entry) {
	replayEntry(r.state, e)
	switch e.Kind {
	case kindApprove:
		r.approved[e.Subject] = true
	case kindRedact:
		target, err := strconv.ParseInt(e.Attrs["entry"], 10, 64)
		if err == nil && r.approved[e.Subject] && target < e.Index {
			r.redactions[target] = append(r.redactions[target], e.Index)
		}
	case kindAuthorized:
		if id := e.Attrs["approval"]; id != "" {
			r.unanswered["a:"+id] = e.Index
		} else {
			r.unanswered["e:"+strconv.FormatInt(e.Index, 10)] = e.Index
		}
	case kindOutcome:
		if id := e.Attrs["approval"]; id != "" {
			delete(r.unanswered, "a:"+id)
		}
		if x := e.Attrs["authorized_entry"]; x != "" {
			delete(r.unanswered, "e:"+x)
		}
	}
}

// unansweredEntries returns the call.authorized entries without an
// outcome, in order.
func (r *replayer) unansweredEntries() []int64 {
	out := make([]int64, 0, len(r.unanswered))
	for _, i := range r.unanswered {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// checkRedactions reports every redacted entry that no approved audit-edit
// redaction explains: its payload was removed by hand. With entries
// missing (already reported) the explanation may be among them.
func (c *checker) checkRedactions() {
	if c.replay.incomplete {
		return
	}
	for _, i := range c.redacted {
		if len(c.replay.redactions[i]) == 0 {
			c.add(i, i, "entry %d: payload removed without an approved audit-edit redaction of it in the log", i)
		}
	}
}

// checkNewestState compares the state digest the newest checkpoint states
// with the state the entries build. It is the digest `aos serve` proves the
// store against; the entries must explain it.
func (c *checker) checkNewestState() {
	if c.leaves != c.size || c.size == 0 {
		return // entries are missing: already reported
	}
	var newest *signedTree
	for i := range c.trees {
		if t := &c.trees[i]; t.Size == c.size && t.State != "" && t.StateVersion == StateVersion && c.matches(*t) {
			newest = t
		}
	}
	if newest == nil {
		return
	}
	if got := c.replay.state.Digest(); got != newest.State {
		c.add(-1, -1, "%s: the signed tree of size %d states a state digest that the entries do not build", newest.source, newest.Size)
	}
}

// compareState compares the stored state with the state the entries build
// and reports each row the log does not explain, each row the store lacks
// and each field that differs, naming the row and the entry that last wrote
// it.
func (c *checker) compareState(stored *State) {
	want := c.replay.state
	keys := map[stateKey]bool{}
	for k := range want.rows {
		keys[k] = true
	}
	for k := range stored.rows {
		keys[k] = true
	}
	sorted := slices.Collect(maps.Keys(keys))
	slices.SortFunc(sorted, compareKeys)
	for _, k := range sorted {
		w, inLog := want.rows[k]
		s, inStore := stored.rows[k]
		name := k.table + " " + k.key
		switch {
		case !inLog:
			c.add(-1, -1, "state: %s is in the store but no entry of the log makes it (%s)", name, describeRow(s.row))
		case !inStore:
			c.add(w.by, w.by, "state: %s is missing from the store (entry %d made it)", name, w.by)
		case !maps.Equal(w.row, s.row):
			c.add(w.by, w.by, "state: %s differs from the log (entry %d made it): %s", name, w.by, diffRow(w.row, s.row))
		}
	}
}

// describeRow shows a row's fields; images hold no secret.
func describeRow(row map[string]string) string {
	var parts []string
	for _, f := range slices.Sorted(maps.Keys(row)) {
		parts = append(parts, fmt.Sprintf("%s=%q", f, row[f]))
	}
	return strings.Join(parts, " ")
}

// diffRow names each field whose value differs, with both values.
func diffRow(log, store map[string]string) string {
	fields := map[string]bool{}
	for f := range log {
		fields[f] = true
	}
	for f := range store {
		fields[f] = true
	}
	var parts []string
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		if log[f] != store[f] {
			parts = append(parts, fmt.Sprintf("%s is %q in the store, %q in the log", f, store[f], log[f]))
		}
	}
	return strings.Join(parts, "; ")
}

// Replay builds the state that entries, in log order from the first, make:
// the log alone, with no store, gives the state that decides calls.
func Replay(entries []aos.Entry) *State {
	s := NewState()
	for _, e := range entries {
		replayEntry(s, e)
	}
	return s
}
