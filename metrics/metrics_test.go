package metrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/aos-dev/aos"
)

// failingLog runs fn, then fails as a store that cannot take the batch.
type failingLog struct{ err error }

func (l failingLog) Record(ctx context.Context, fn func(aos.Tx) ([]aos.Record, error)) ([]int64, error) {
	if _, err := fn(nil); err != nil {
		return nil, err
	}
	return nil, l.err
}

// okLog runs fn twice, as a batch re-run does, and commits the second run.
type okLog struct{}

func (okLog) Record(ctx context.Context, fn func(aos.Tx) ([]aos.Record, error)) ([]int64, error) {
	fn(nil)
	records, err := fn(nil)
	if err != nil {
		return nil, err
	}
	return make([]int64, len(records)), nil
}

func callRecord(kind, conn, access, decision, code string) aos.Record {
	a := map[string]string{"connection": conn, "decision": decision}
	if access != "" {
		a["access"] = access
	}
	if code != "" {
		a["code"] = code
	}
	return aos.Record{Kind: kind, Attrs: a}
}

func TestLog_CountsWhatCommitted(t *testing.T) {
	m := New()
	ctx := context.Background()
	// A re-run counts once: the records of the run that committed.
	m.Log(okLog{}).Record(ctx, func(aos.Tx) ([]aos.Record, error) {
		return []aos.Record{callRecord("call.authorized", "crm", "read", "allow", "")}, nil
	})
	// The store failed: the call failed closed.
	m.Log(failingLog{aos.Errorf(aos.EEvidenceUnavailable, "down")}).Record(ctx, func(aos.Tx) ([]aos.Record, error) {
		return []aos.Record{callRecord("call.authorized", "crm", "write", "allow", "")}, nil
	})
	// The writer's own failure records nothing and counts nothing.
	m.Log(failingLog{}).Record(ctx, func(aos.Tx) ([]aos.Record, error) {
		return nil, aos.Errorf(aos.EConflict, "no")
	})
	// An agent's name for a connection, an approved call's run, an odd
	// code and an odd status are never labels as they came.
	m.Log(okLog{}).Record(ctx, func(aos.Tx) ([]aos.Record, error) {
		return []aos.Record{
			callRecord("call.denied", "made-up-by-agent", "", "deny", aos.EUnknownConnection),
			callRecord("call.denied", "Not A Name/../x", "read", "deny", "weird code"),
			callRecord("call.authorized", "crm", "write", "approved", ""),
			{Kind: "call.outcome", Attrs: map[string]string{"connection": "crm", "status": "204"}},
			{Kind: "call.outcome", Attrs: map[string]string{"connection": "crm", "status": "9999"}},
			{Kind: "call.outcome", Attrs: map[string]string{"connection": "crm", "code": aos.EUpstream}},
		}, nil
	})
	for _, c := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"crm", "read", "allowed"}, 1},
		{[]string{"crm", "write", "error"}, 1},
		{[]string{"crm", "write", "allowed"}, 0},
		{[]string{Unknown, "unknown", "denied"}, 1},
		{[]string{Unknown, "read", "denied"}, 1},
	} {
		if got := testutil.ToFloat64(m.calls.WithLabelValues(c.labels...)); got != c.want {
			t.Errorf("calls%v = %v, want %v", c.labels, got, c.want)
		}
	}
	if got := testutil.CollectAndCount(m.calls); got != 5 {
		t.Errorf("%d call series, want the 5 above", got)
	}
	if got := testutil.ToFloat64(m.denials.WithLabelValues(Unknown, "other")); got != 1 {
		t.Errorf("an unknown code is counted as %v under other", got)
	}
	for _, r := range []string{"2xx", "other", aos.EUpstream} {
		if got := testutil.ToFloat64(m.outcomes.WithLabelValues("crm", r)); got != 1 {
			t.Errorf("outcomes[crm %s] = %v", r, got)
		}
	}
	if got := testutil.CollectAndCount(m.appendSeconds); got != 1 {
		t.Fatalf("append histogram: %d", got)
	}
}

func TestBatch(t *testing.T) {
	m := New()
	m.Batch(3, 5, 10*time.Millisecond, nil)
	m.Batch(2, 0, time.Second, aos.Errorf(aos.EEvidenceUnavailable, "down"))
	if got := testutil.ToFloat64(m.batchFailures); got != 1 {
		t.Errorf("batch failures %v, want 1", got)
	}
	fams, _ := m.reg.Gather()
	got := map[string]float64{}
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			if h := mt.GetHistogram(); h != nil && strings.HasPrefix(f.GetName(), "aos_evidence_batch") {
				got[f.GetName()] = h.GetSampleSum()
			}
		}
	}
	if got["aos_evidence_batch_size"] != 3 || got["aos_evidence_batch_entries"] != 5 || got["aos_evidence_batch_seconds"] != 0.01 {
		t.Errorf("batch histograms %v: want one batch of 3 writers, 5 entries, 10ms", got)
	}
}

func TestDecided(t *testing.T) {
	m := New()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	decided := created.Add(90 * time.Second)
	for _, st := range []aos.ApprovalStatus{aos.ApprovalApproved, aos.ApprovalDenied, aos.ApprovalExpired, aos.ApprovalFailed, aos.ApprovalPending} {
		m.Decided(&aos.Approval{Status: st, CreatedAt: created, DecidedAt: &decided})
	}
	m.Held(&aos.Approval{Points: []aos.ApprovalPoint{aos.PointMoney, aos.PointCustomerData}})
	m.Held(&aos.Approval{Points: []aos.ApprovalPoint{"made-up"}})
	if got := testutil.CollectAndCount(m.decisions); got != 3 {
		t.Errorf("%d decision series, want approved, denied and expired", got)
	}
	const want = `
# HELP aos_holds_total New holds by approval point; a hold at several points counts once under each.
# TYPE aos_holds_total counter
aos_holds_total{point="customer-data"} 1
aos_holds_total{point="money"} 1
aos_holds_total{point="other"} 1
`
	if err := testutil.CollectAndCompare(m.holds, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	h := &struct{ sum float64 }{}
	fams, _ := m.reg.Gather()
	for _, f := range fams {
		if f.GetName() == "aos_approval_decision_seconds" {
			for _, mt := range f.GetMetric() {
				h.sum += mt.GetHistogram().GetSampleSum()
			}
		}
	}
	if h.sum != 270 {
		t.Errorf("time to decide summed %v, want 3 x 90s", h.sum)
	}
}

func TestConnectionLabel(t *testing.T) {
	for name, want := range map[string]string{
		"crm": "crm", "pay-2": "pay-2", "0x": "0x", strings.Repeat("a", 63): strings.Repeat("a", 63),
		"": Unknown, "-x": Unknown, "CRM": Unknown, "a_b": Unknown, "a.b": Unknown, "a/b": Unknown,
		strings.Repeat("a", 64): Unknown, "é": Unknown,
	} {
		if got := connectionLabel(name); got != want {
			t.Errorf("connectionLabel(%q) = %q, want %q", name, got, want)
		}
	}
}

// nopLog commits at once: what is left is the cost of counting.
type nopLog struct{}

func (nopLog) Record(ctx context.Context, fn func(aos.Tx) ([]aos.Record, error)) ([]int64, error) {
	records, err := fn(nil)
	return make([]int64, len(records)), err
}

// BenchmarkLog_CountCall measures what the metrics add to one call: its
// authorisation and its outcome recorded through the counting log, and
// the upstream's latency.
func BenchmarkLog_CountCall(b *testing.B) {
	m := New()
	l := m.Log(nopLog{})
	ctx := context.Background()
	auth := []aos.Record{callRecord("call.authorized", "crm", "read", "allow", "")}
	out := []aos.Record{{Kind: "call.outcome", Attrs: map[string]string{"connection": "crm", "status": "200"}}}
	b.ReportAllocs()
	for b.Loop() {
		l.Record(ctx, func(aos.Tx) ([]aos.Record, error) { return auth, nil })
		m.Upstream("crm", time.Millisecond)
		l.Record(ctx, func(aos.Tx) ([]aos.Record, error) { return out, nil })
	}
}

// genLog is an okLog with state generations and Submit, as evidence.Log.
type genLog struct {
	okLog
	gen uint64
}

func (l genLog) StateGeneration() uint64                  { return l.gen }
func (l genLog) StateCurrent(tx aos.Tx, gen uint64) bool  { return gen == l.gen }
func (l genLog) OthersGeneration() (uint64, time.Time)    { return l.gen + 1, time.Unix(int64(l.gen), 0) }
func (l genLog) OthersCurrent(tx aos.Tx, gen uint64) bool { return gen == l.gen+1 }
func (l genLog) Submit(fn func(aos.Tx) ([]aos.Record, error), then func([]int64, error)) error {
	records, err := fn(nil)
	then(make([]int64, len(records)), err)
	return nil
}

// TestLog_KeepsGenerationsAndSubmit: the counting log offers what the
// inner log offers the gateway (its state cache, outcomes queued after the
// answer), and counts what it queued once committed.
func TestLog_KeepsGenerationsAndSubmit(t *testing.T) {
	m := New()
	if _, ok := m.Log(okLog{}).(interface{ StateGeneration() uint64 }); ok {
		t.Fatal("a log without generations gained them")
	}
	l, ok := m.Log(genLog{gen: 7}).(interface {
		StateGeneration() uint64
		StateCurrent(aos.Tx, uint64) bool
		OthersGeneration() (uint64, time.Time)
		OthersCurrent(aos.Tx, uint64) bool
		Submit(func(aos.Tx) ([]aos.Record, error), func([]int64, error)) error
	})
	if !ok {
		t.Fatal("the counting log hides the inner log's generations and Submit")
	}
	if l.StateGeneration() != 7 || !l.StateCurrent(nil, 7) || l.StateCurrent(nil, 6) {
		t.Fatal("generations not forwarded")
	}
	if g, at := l.OthersGeneration(); g != 8 || at.Unix() != 7 || !l.OthersCurrent(nil, 8) || l.OthersCurrent(nil, 7) {
		t.Fatal("the generation of other writers' entries not forwarded")
	}
	var got error = aos.Errorf(aos.EInternal, "then not called")
	if err := l.Submit(func(aos.Tx) ([]aos.Record, error) {
		return []aos.Record{{Kind: "call.outcome", Attrs: map[string]string{"connection": "crm", "status": "200"}}}, nil
	}, func(_ []int64, err error) { got = err }); err != nil || got != nil {
		t.Fatalf("Submit: %v, then got %v", err, got)
	}
	if n := testutil.ToFloat64(m.outcomes.WithLabelValues("crm", "2xx")); n != 1 {
		t.Fatalf("submitted outcome counted %v times", n)
	}
}
