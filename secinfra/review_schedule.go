package secinfra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aos-dev/aos"
)

// ReviewClock is the time as the scheduled review sees it; tests give a
// fake one.
type ReviewClock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// Announcer tells people that a review report is ready. The approval
// webhook is one.
type Announcer interface {
	Announce(ctx context.Context, v any) error
}

// ReviewNotice is what is announced of a scheduled review: counts and the
// evidence entry holding the report, never a finding's detail, a secret or
// customer data.
type ReviewNotice struct {
	Text       string         `json:"text"`
	Event      string         `json:"event"` // "access_review"
	Entry      int64          `json:"entry"`
	At         time.Time      `json:"at"`
	Findings   int            `json:"findings"`
	Applicable int            `json:"applicable"`
	Counts     map[string]int `json:"counts"`
}

// ReviewScheduler runs the review every Every and stores each report as a
// review.report entry. The schedule survives restarts and is shared by
// replicas: the next run is due Every after the last report (or after the
// instance began, before the first), as recorded in the store.
type ReviewScheduler struct {
	Reviewer *Reviewer
	Every    time.Duration
	Clock    ReviewClock
	Announce Announcer // optional
	Logger   *slog.Logger
}

// lastReportSetting keeps the time of the last scheduled report.
const lastReportSetting = "review.last_report"

// maxScheduleWait bounds one wait, so that a clock change or a report made
// by another replica is noticed within it.
const maxScheduleWait = time.Hour

// errNotDue aborts a run another replica already made.
var errNotDue = errors.New("review not due")

// Run runs the schedule until ctx ends.
func (s *ReviewScheduler) Run(ctx context.Context) {
	for {
		wait, err := s.Tick(ctx)
		if err != nil && ctx.Err() == nil && s.Logger != nil {
			s.Logger.Error("scheduled access review failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.Clock.After(min(wait, maxScheduleWait)):
		}
	}
}

// Tick runs the review if it is due, and returns how long until the next
// one is.
func (s *ReviewScheduler) Tick(ctx context.Context) (time.Duration, error) {
	due, err := s.due(ctx)
	if err != nil {
		return maxScheduleWait, err
	}
	now := s.Clock.Now()
	if now.Before(due) {
		return due.Sub(now), nil
	}
	rep, entry, err := s.report(ctx)
	if errors.Is(err, errNotDue) {
		return 0, nil
	} else if err != nil {
		return maxScheduleWait, err
	}
	if s.Announce != nil {
		if err := s.Announce.Announce(ctx, Notice(rep, entry)); err != nil && s.Logger != nil {
			s.Logger.Warn("announcing the access review failed", "entry", entry, "err", err)
		}
	}
	return s.Every, nil
}

// due returns when the next scheduled review is due.
func (s *ReviewScheduler) due(ctx context.Context) (time.Time, error) {
	var last time.Time
	err := s.Reviewer.Store.View(ctx, func(tx aos.Tx) error {
		var err error
		last, err = lastReport(ctx, tx)
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	if last.IsZero() {
		es, err := s.Reviewer.Entries.Entries(ctx, 0, 1)
		if err != nil {
			return time.Time{}, err
		}
		if len(es) == 0 {
			return s.Clock.Now().Add(s.Every), nil
		}
		last = es[0].Time
	}
	return last.Add(s.Every), nil
}

func lastReport(ctx context.Context, tx aos.Tx) (time.Time, error) {
	v, err := tx.Setting(ctx, lastReportSetting)
	if aos.ErrorCode(err) == aos.ENotFound {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, v)
}

// report runs the review and records it, unless another replica recorded
// one since it fell due.
func (s *ReviewScheduler) report(ctx context.Context) (*ReviewReport, int64, error) {
	rep, err := s.Reviewer.run(ctx, ReviewOptions{})
	if err != nil {
		return nil, 0, err
	}
	idx, err := s.Reviewer.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		last, err := lastReport(ctx, tx)
		if err != nil {
			return nil, err
		}
		if !last.IsZero() && rep.At.Before(last.Add(s.Every)) {
			return nil, errNotDue
		}
		if err := tx.PutSetting(ctx, lastReportSetting, rep.At.Format(time.RFC3339Nano)); err != nil {
			return nil, err
		}
		return []aos.Record{ReportRecord("system", rep)}, nil
	})
	if err != nil {
		return nil, 0, err
	}
	return rep, idx[0], nil
}

// ReportRecord is the evidence of a review report: the summary in the
// attributes, the findings in the committed payload.
func ReportRecord(actor string, rep *ReviewReport) aos.Record {
	attrs := map[string]string{
		"findings": strconv.Itoa(len(rep.Findings)), "window": rep.Window,
		"dismissed": strconv.Itoa(len(rep.Dismissed)),
	}
	for k, n := range rep.Counts {
		attrs["count."+k] = strconv.Itoa(n)
	}
	pl, _ := json.Marshal(rep)
	return aos.Record{Kind: "review.report", Actor: actor, Subject: "access-review", Attrs: attrs, Payload: pl}
}

// Notice is the announcement of the report stored at entry.
func Notice(rep *ReviewReport, entry int64) ReviewNotice {
	n := ReviewNotice{Event: "access_review", Entry: entry, At: rep.At, Findings: len(rep.Findings), Counts: rep.Counts}
	for _, f := range rep.Findings {
		if f.Remedy.Applicable {
			n.Applicable++
		}
	}
	kinds := make([]string, 0, len(rep.Counts))
	for k, c := range rep.Counts {
		kinds = append(kinds, fmt.Sprintf("%d %s", c, k))
	}
	sort.Strings(kinds)
	detail := ""
	if len(kinds) > 0 {
		detail = " (" + strings.Join(kinds, ", ") + ")"
	}
	n.Text = fmt.Sprintf("aos: the monthly access review is ready: %d finding(s)%s, %d with a remedy aos can apply (evidence entry %d). "+
		"Read it with `aos review --markdown`, apply with `aos review --apply ID`, keep with `aos review --dismiss ID --reason TEXT`.",
		n.Findings, detail, n.Applicable, entry)
	return n
}
