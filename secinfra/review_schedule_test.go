package secinfra_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/vault"
)

// TestReviewScheduler_Monthly runs the schedule on a fake clock: nothing
// before a month has passed since the instance began, then a report entry
// and a post to a loopback webhook, and the next one a month later.
func TestReviewScheduler_Monthly(t *testing.T) {
	in := start(t)
	ctx := context.Background()
	up := upstream(t)
	if _, _, err := in.owner.Connect(ctx, in.boss, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: up.URL,
		Scope: "/v1/contacts", To: "company", Credential: vault.NewSecret([]byte("upstream-key-do-not-print"))}); err != nil {
		t.Fatal(err)
	}
	posts := make(chan []byte, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posts <- b
	}))
	defer hook.Close()
	const month = 720 * time.Hour
	sched := &secinfra.ReviewScheduler{Reviewer: in.review, Every: month, Clock: in.clock,
		Announce: &approval.Webhook{URL: hook.URL}, Logger: slog.New(slog.DiscardHandler)}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { sched.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()

	// idle waits until the scheduler waits for a time after now.
	idle := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			if at := in.clock.waitingUntil(); !at.IsZero() && at.After(in.clock.Now()) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the scheduler does not wait")
			}
			time.Sleep(time.Millisecond)
		}
	}
	reports := func() []int64 {
		var out []int64
		for _, e := range in.entries(t) {
			if e.Kind == "review.report" {
				out = append(out, e.Index)
			}
		}
		return out
	}
	post := func() secinfra.ReviewNotice {
		t.Helper()
		select {
		case b := <-posts:
			for _, secret := range []string{"upstream-key", "/v1/contacts"} {
				if strings.Contains(string(b), secret) {
					t.Fatalf("the webhook post carries %q: %s", secret, b)
				}
			}
			var n secinfra.ReviewNotice
			if err := json.Unmarshal(b, &n); err != nil {
				t.Fatal(err)
			}
			return n
		case <-time.After(10 * time.Second):
			t.Fatal("no webhook post")
		}
		return secinfra.ReviewNotice{}
	}

	idle()
	in.clock.Advance(month - time.Hour)
	idle()
	if r := reports(); len(r) != 0 || len(posts) != 0 {
		t.Fatalf("a review ran before a month had passed: %v", r)
	}
	in.clock.Advance(time.Hour)
	n := post()
	r := reports()
	if len(r) != 1 || n.Event != "access_review" || n.Entry != r[0] || !strings.Contains(n.Text, "aos review") {
		t.Fatalf("notice %+v, reports %v", n, r)
	}
	e := in.entries(t)[r[0]]
	if e.Actor != "system" || e.Attrs["window"] != secinfra.DefaultReviewWindow.String() || len(e.Payload) == 0 ||
		!e.Time.Equal(t0.Add(month)) {
		t.Fatalf("report entry %+v", e)
	}
	var stored secinfra.ReviewReport
	if err := json.Unmarshal(e.Payload, &stored); err != nil || e.Attrs["findings"] != itoa(len(stored.Findings)) {
		t.Fatalf("stored report %s: %v", e.Payload, err)
	}

	idle()
	in.clock.Advance(month - time.Minute)
	idle()
	if got := reports(); len(got) != 1 {
		t.Fatalf("a second review before the month was out: %v", got)
	}
	in.clock.Advance(time.Minute)
	post()
	if got := reports(); len(got) != 2 {
		t.Fatalf("reports %v", got)
	}
	in.verify(t)
}

// TestReviewScheduler_SharedAcrossRestarts starts a second scheduler (a
// restart, or another replica) after the first report: it waits for the
// month to pass since that report rather than running again.
func TestReviewScheduler_SharedAcrossRestarts(t *testing.T) {
	in := start(t)
	ctx := context.Background()
	const month = 720 * time.Hour
	first := &secinfra.ReviewScheduler{Reviewer: in.review, Every: month, Clock: in.clock}
	in.clock.Advance(month)
	if wait, err := first.Tick(ctx); err != nil || wait != month {
		t.Fatalf("first tick: %v %v", wait, err)
	}
	in.clock.Advance(24 * time.Hour)
	second := &secinfra.ReviewScheduler{Reviewer: in.review, Every: month, Clock: in.clock}
	if wait, err := second.Tick(ctx); err != nil || wait != month-24*time.Hour {
		t.Fatalf("second tick: %v %v", wait, err)
	}
	var n int
	for _, e := range in.entries(t) {
		if e.Kind == "review.report" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d reports", n)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
