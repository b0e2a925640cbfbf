// Package metrics keeps the server's Prometheus metrics and serves them in
// the text exposition format.
//
// The calls are counted from what the evidence log records (Log wraps an
// aos.EvidenceLog): a call is counted once its decision is durable, as the
// decision the evidence holds, so the metrics never disagree with the
// trail. The rest comes through narrow observer interfaces that the
// packages doing the work define and call: approval.Observer (holds and
// decisions), gateway.Observer (upstream latency) and evidence.Observer
// (batches). This package imports none of them.
//
// Labels are bounded: connection names (chosen by the owner; a name an
// agent sent that names no connection is "_unknown"), access levels,
// decisions, error codes, approval points and status classes. Never a
// resource, path, agent, token, secret or customer value.
package metrics

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aos-dev/aos"
)

// Unknown is the connection label of a call naming no connection.
const Unknown = "_unknown"

// Metrics is the set of the server's metrics in a registry of its own (not
// the process-wide default one), so that every instance, and every test,
// counts apart. Its methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	calls    *prometheus.CounterVec
	denials  *prometheus.CounterVec
	outcomes *prometheus.CounterVec

	holds        *prometheus.CounterVec
	decisions    *prometheus.CounterVec
	timeToDecide *prometheus.HistogramVec

	appendSeconds prometheus.Histogram
	batchSeconds  prometheus.Histogram
	batchRequests prometheus.Histogram
	batchEntries  prometheus.Histogram
	batchFailures prometheus.Counter

	upstream *prometheus.HistogramVec
}

// New returns the metrics, with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aos_calls_total",
		Help: "Calls agents made, by connection, access (read, write, unknown) and the decision recorded: allowed, denied, held, or error when the decision could not be recorded (the call failed closed).",
	}, []string{"connection", "access", "decision"})
	m.denials = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aos_calls_denied_total",
		Help: "Denied calls by connection and error code.",
	}, []string{"connection", "code"})
	m.outcomes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aos_call_outcomes_total",
		Help: "Outcomes of calls sent upstream (allowed, or approved and executed), by connection and result: the upstream's status class (2xx...) or the error code.",
	}, []string{"connection", "result"})
	m.holds = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aos_holds_total",
		Help: "New holds by approval point; a hold at several points counts once under each.",
	}, []string{"point"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aos_approval_decisions_total",
		Help: "Approvals settled by the owner or the clock: approved, denied, expired.",
	}, []string{"decision"})
	m.timeToDecide = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "aos_approval_decision_seconds",
		Help:    "Time from a hold to its decision.",
		Buckets: []float64{1, 10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600, 7 * 24 * 3600},
	}, []string{"decision"})
	m.appendSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "aos_evidence_append_seconds",
		Help:    "Time a writer waits for its records to be durable in the evidence log: queued, committed and signed.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
	m.batchSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "aos_evidence_batch_seconds",
		Help:    "Time to commit one batch of the evidence log (one store transaction with its signed checkpoint).",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
	m.batchRequests = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "aos_evidence_batch_size",
		Help:    "Writers (Record calls) committed together in one batch.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
	})
	m.batchEntries = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "aos_evidence_batch_entries",
		Help:    "Entries appended by one batch.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
	})
	m.batchFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "aos_evidence_batch_failures_total",
		Help: "Batches the store could not take: their writers got evidence_unavailable.",
	})
	m.upstream = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "aos_upstream_request_seconds",
		Help:    "Time the upstream took to answer a call, by connection.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
	}, []string{"connection"})
	m.reg.MustRegister(m.calls, m.denials, m.outcomes, m.holds, m.decisions, m.timeToDecide,
		m.appendSeconds, m.batchSeconds, m.batchRequests, m.batchEntries, m.batchFailures, m.upstream,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry the metrics are in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Held counts a new hold under each of its points (approval.Observer).
func (m *Metrics) Held(a *aos.Approval) {
	for _, p := range a.Points {
		m.holds.WithLabelValues(point(p)).Inc()
	}
}

// Decided counts an approval the owner approved or denied, or that
// expired, and the time it waited (approval.Observer).
func (m *Metrics) Decided(a *aos.Approval) {
	var decision string
	switch a.Status {
	case aos.ApprovalApproved, aos.ApprovalDenied, aos.ApprovalExpired:
		decision = string(a.Status)
	default:
		return
	}
	m.decisions.WithLabelValues(decision).Inc()
	if a.DecidedAt != nil && !a.CreatedAt.IsZero() {
		m.timeToDecide.WithLabelValues(decision).Observe(max(a.DecidedAt.Sub(a.CreatedAt), 0).Seconds())
	}
}

// Upstream observes how long connection's upstream took to answer
// (gateway.Observer).
func (m *Metrics) Upstream(connection string, took time.Duration) {
	m.upstream.WithLabelValues(connectionLabel(connection)).Observe(took.Seconds())
}

// Batch observes one commit of the evidence log: the writers and entries
// it held, how long it took, and whether the store took it
// (evidence.Observer).
func (m *Metrics) Batch(requests, entries int, took time.Duration, err error) {
	if err != nil {
		m.batchFailures.Inc()
		return
	}
	m.batchSeconds.Observe(took.Seconds())
	m.batchRequests.Observe(float64(requests))
	if entries > 0 {
		m.batchEntries.Observe(float64(entries))
	}
}

// connectionLabel returns name if it has the syntax of a connection name
// (see owner: [a-z0-9][a-z0-9-]{0,62}), else Unknown: anything else is not
// a connection's name, and is never a label.
func connectionLabel(name string) string {
	if name == "" || len(name) > 63 || name[0] == '-' {
		return Unknown
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return Unknown
		}
	}
	return name
}

func point(p aos.ApprovalPoint) string {
	switch p {
	case aos.PointMoney, aos.PointPublicClaim, aos.PointCustomerData, aos.PointProduction, aos.PointAuditEdit:
		return string(p)
	}
	return "other"
}

// codes are the error codes a label may carry; any other is "other".
var codes = []string{aos.EUnauthenticated, aos.EForbidden, aos.EUnknownConnection, aos.EUnknownOperation,
	aos.ENotGranted, aos.EOutOfScope, aos.EReadOnly, aos.EApprovalDenied, aos.EApprovalExpired, aos.EApprovalStale,
	aos.EToolNotAccepted, aos.EBadRequest, aos.ETooLarge, aos.ETooManyPending, aos.EUnsupportedEncoding, aos.EUpstream,
	aos.EEvidenceUnavailable, aos.ENotFound, aos.EConflict, aos.EMethodNotAllowed, aos.EInternal, "redecide"}

func code(c string) string {
	if slices.Contains(codes, c) {
		return c
	}
	return "other"
}

func access(a string) string {
	switch aos.Access(a) {
	case aos.Read, aos.Write:
		return a
	}
	return "unknown"
}

// statusClass is "2xx" for 200 to 299, and so on.
func statusClass(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return "other"
	}
	return strconv.Itoa(n/100) + "xx"
}
