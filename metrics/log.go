package metrics

import (
	"context"
	"time"

	"github.com/aos-dev/aos"
)

// Log returns an evidence log that writes through inner and counts what
// it recorded: calls (allowed, denied, held) and their outcomes, and how
// long each writer waited. Records that fail to commit are counted as
// calls with decision "error": the call failed closed.
//
// When inner also keeps state generations and queues records without
// waiting (evidence.Log does: the gateway decides on its cached state and
// records outcomes after the answer through them), so does the log
// returned, counting what it queued once committed.
func (m *Metrics) Log(inner aos.EvidenceLog) aos.EvidenceLog {
	l := &countingLog{inner: inner, m: m}
	if full, ok := inner.(fullLog); ok {
		return &countingFullLog{countingLog: l, full: full}
	}
	return l
}

// fullLog is an evidence log with state generations, the generation of
// other writers' entries, and Submit.
type fullLog interface {
	aos.EvidenceLog
	StateGeneration() uint64
	StateCurrent(tx aos.Tx, gen uint64) bool
	OthersGeneration() (uint64, time.Time)
	OthersCurrent(tx aos.Tx, gen uint64) bool
	Submit(fn func(aos.Tx) ([]aos.Record, error), then func([]int64, error)) error
}

type countingFullLog struct {
	*countingLog
	full fullLog
}

func (l *countingFullLog) StateGeneration() uint64 { return l.full.StateGeneration() }

// StateCurrent is asked inside a Record function, with the Tx the inner
// log gave it: Record passes it through unchanged.
func (l *countingFullLog) StateCurrent(tx aos.Tx, gen uint64) bool {
	return l.full.StateCurrent(tx, gen)
}

func (l *countingFullLog) OthersGeneration() (uint64, time.Time) { return l.full.OthersGeneration() }

// OthersCurrent is asked inside a Record function, as StateCurrent.
func (l *countingFullLog) OthersCurrent(tx aos.Tx, gen uint64) bool {
	return l.full.OthersCurrent(tx, gen)
}

func (l *countingFullLog) Submit(fn func(aos.Tx) ([]aos.Record, error), then func([]int64, error)) error {
	var recorded []aos.Record
	start := time.Now()
	return l.full.Submit(func(tx aos.Tx) ([]aos.Record, error) {
		records, err := fn(tx)
		recorded = nil
		if err == nil {
			recorded = records
		}
		return records, err
	}, func(idx []int64, err error) {
		if err == nil {
			l.m.appendSeconds.Observe(time.Since(start).Seconds())
		}
		if err == nil || aos.ErrorCode(err) == aos.EEvidenceUnavailable {
			l.m.count(recorded, err != nil)
		}
		if then != nil {
			then(idx, err)
		}
	})
}

type countingLog struct {
	inner aos.EvidenceLog
	m     *Metrics
}

func (l *countingLog) Record(ctx context.Context, fn func(aos.Tx) ([]aos.Record, error)) ([]int64, error) {
	// fn may run more than once (a batch is re-run without a failed
	// writer): the records of its last run are those committed.
	var recorded []aos.Record
	start := time.Now()
	idx, err := l.inner.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		records, err := fn(tx)
		recorded = nil
		if err == nil {
			recorded = records
		}
		return records, err
	})
	if err == nil {
		l.m.appendSeconds.Observe(time.Since(start).Seconds())
	}
	if err == nil || aos.ErrorCode(err) == aos.EEvidenceUnavailable {
		l.m.count(recorded, err != nil)
	}
	return idx, err
}

// count counts the call records of one commit; failed says the commit
// failed, so every call in it failed closed.
func (m *Metrics) count(records []aos.Record, failed bool) {
	for _, r := range records {
		conn := connectionLabel(r.Attrs["connection"])
		if r.Attrs["code"] == aos.EUnknownConnection {
			conn = Unknown // the name is the agent's, not a connection's
		}
		var decision string
		switch {
		case r.Kind == "call.authorized" && r.Attrs["decision"] == "allow":
			decision = "allowed"
		case r.Kind == "call.denied":
			decision = "denied"
		case r.Kind == "call.held":
			decision = "held"
		case r.Kind == "call.outcome" && !failed:
			result := code(r.Attrs["code"])
			if s, ok := r.Attrs["status"]; ok {
				result = statusClass(s)
			}
			m.outcomes.WithLabelValues(conn, result).Inc()
			continue
		default:
			continue // an approved call's execution is counted by its decision and outcome
		}
		if failed {
			decision = "error"
		} else if decision == "denied" {
			m.denials.WithLabelValues(conn, code(r.Attrs["code"])).Inc()
		}
		m.calls.WithLabelValues(conn, access(r.Attrs["access"]), decision).Inc()
	}
}
