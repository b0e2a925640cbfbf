package console_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aos-dev/aos/console"
	"github.com/aos-dev/aos/internal/testenv"
)

// chromium returns Debian's Chromium (or another Chromium or Chrome on
// PATH), or skips (fails under CI=true).
func chromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Missing(t, "chromium", "run scripts/test-deps as root (apt-get install chromium)")
	return ""
}

// screenshotDir is where the test writes its screenshots: $AOS_SCREENSHOTS
// (the repository keeps them in docs/screenshots), else a temporary folder.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("AOS_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// page is a browser tab on the rig's console.
type page struct {
	t   *testing.T
	ctx context.Context
	url string
	dir string
}

// do runs steps, each bounded so that a missing element fails fast.
func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		dctx, dcancel := context.WithTimeout(p.ctx, 5*time.Second)
		defer dcancel()
		html, _ := chromedp.Run(dctx, chromedp.Evaluate[string]("document.location.href + '\\n' + document.body.innerText"))
		p.t.Fatalf("%s: %v; the page:\n%s", what, err, html)
	}
}

func (p *page) text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

func (p *page) shot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, name+".png"), b, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// TestConsole_Browser drives the console in Chromium as the owner would:
// sign in; a call held by an agent appears in the inbox without a reload;
// approving it returns the upstream's answer to the agent's long poll;
// another is denied with a reason; revoking a grant denies the next call;
// the flow map shows where the customer data went. It writes a screenshot
// of every page.
func TestConsole_Browser(t *testing.T) {
	exe := chromium(t)
	r := newRig(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1100, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first run starts the browser, for as long as ctx lasts; the
	// steps below run under timeouts of their own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	p := &page{t: t, ctx: ctx, url: r.url, dir: screenshotDir(t)}

	// Sign in.
	p.do("opening the console", chromedp.Navigate(r.url+"/"), chromedp.WaitVisible(chromedp.CSS("#token")))
	p.shot("signin")
	p.do("signing in",
		chromedp.SendKeys(chromedp.CSS("#token"), r.in.OwnerToken),
		chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS("#inbox-empty")))

	// A held call appears without a reload, and the title counts it.
	first := r.hold(t, "called")
	p.do("waiting for the held call", chromedp.WaitVisible(chromedp.CSS("#approval-"+first)))
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || !strings.HasPrefix(title, "(1) ") {
		t.Fatalf("title %q (%v), want the pending count", title, err)
	}
	view := p.text("#approval-" + first + " pre.view")
	for _, want := range []string{"customer-data", "/v1/notes", "1 value of email from crm"} {
		if !strings.Contains(view, want) {
			t.Errorf("the view lacks %q:\n%s", want, view)
		}
	}
	p.shot("inbox")
	p.do("narrow viewport", chromedp.EmulateViewport(375, 812))
	p.shot("inbox-375px")
	p.do("wide viewport", chromedp.EmulateViewport(1100, 900))

	// Approve it: the agent's long poll returns the upstream's answer.
	polled := make(chan []string, 1)
	go func() {
		st, _, res := r.poll(t, first)
		polled <- []string{st, string(res)}
	}()
	time.Sleep(100 * time.Millisecond) // let the poll start waiting, as an agent would before the owner decides
	p.do("approving", chromedp.Click(chromedp.CSS("#approval-"+first+" button.approve")),
		chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if flash := p.text("p.flash"); !strings.Contains(flash, "upstream answered 201") {
		t.Fatalf("flash %q", flash)
	}
	select {
	case got := <-polled:
		var res struct {
			Status int             `json:"status"`
			Body   json.RawMessage `json:"body"`
		}
		json.Unmarshal([]byte(got[1]), &res)
		if got[0] != "executed" || !strings.Contains(got[1], "note-1") {
			t.Fatalf("the agent's poll returned %s %s", got[0], got[1])
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the agent's long poll did not return")
	}

	// Deny another with a reason.
	second := r.hold(t, "emailed")
	p.do("waiting for the second call", chromedp.WaitVisible(chromedp.CSS("#approval-"+second)),
		chromedp.SendKeys(chromedp.CSS("#reason-"+second), "not this one"),
		chromedp.Click(chromedp.CSS("#approval-"+second+" button.deny")),
		chromedp.WaitVisible(chromedp.CSS("#inbox-empty")))
	if st, reason, _ := r.poll(t, second); st != "denied" || reason != "not this one" {
		t.Fatalf("the denied call's poll: %s %q", st, reason)
	}
	if n := len(r.notes.bodies()); n != 1 {
		t.Fatalf("the notes tool received %d requests, want the approved one", n)
	}

	// Revoke the notes grant: the next call is denied.
	p.do("connections", chromedp.Navigate(r.url+console.Prefix+"connections"),
		chromedp.WaitVisible(chromedp.CSS("#grant-"+r.notesGrant.ID)))
	p.shot("connections")
	p.do("revoke confirmation", chromedp.Click(chromedp.CSS("#grant-"+r.notesGrant.ID+" a.danger")),
		chromedp.WaitVisible(chromedp.CSS("ul.changes")))
	if changes := p.text("ul.changes"); !strings.Contains(changes, "loses write access to / on notes") {
		t.Fatalf("the confirmation says %q", changes)
	}
	p.shot("revoke-confirm")
	p.do("revoking", chromedp.Click(chromedp.CSS("button.deny")), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if status, body := r.call(t, "POST", "/v1/proxy/notes/v1/notes", `{"text": "hello"}`); status != 403 || !strings.Contains(string(body), "not_granted") {
		t.Fatalf("a call after the revocation: %d %s", status, body)
	}

	// The flow map shows the customer data that went from the CRM to the notes.
	p.do("flow map", chromedp.Navigate(r.url+console.Prefix+"pii-map"), chromedp.WaitVisible(chromedp.CSS("#flow-edges")))
	edges := p.text("#flow-edges tbody")
	if rows := strings.Count(edges, "crm"); rows != 1 || !strings.Contains(edges, "notes") || !strings.Contains(edges, "email") {
		t.Fatalf("flow edges:\n%s", edges)
	}
	p.shot("pii-map")
	p.do("following a subject", chromedp.SendKeys(chromedp.CSS("#subject"), customer),
		chromedp.Submit(chromedp.CSS("#subject")), chromedp.WaitVisible(chromedp.CSS("p[role=status]")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); strings.Contains(loc, "grace") {
		t.Fatalf("the subject is in the URL: %s", loc)
	}
	if edges := p.text("#flow-edges tbody"); !strings.Contains(edges, "crm") {
		t.Fatalf("the subject's flows:\n%s", edges)
	}

	// The other pages render; screenshots for the README.
	p.do("keys", chromedp.Navigate(r.url+console.Prefix+"keys"), chromedp.WaitVisible(chromedp.CSS("table")))
	p.shot("keys")
	p.do("review", chromedp.Navigate(r.url+console.Prefix+"review"), chromedp.WaitVisible(chromedp.CSS("h1")))
	p.shot("review")
	p.do("evidence", chromedp.Navigate(r.url+console.Prefix+"evidence"), chromedp.WaitVisible(chromedp.CSS("#entries")))
	if v := p.text("section.verify"); !strings.Contains(v, "Verified") {
		t.Fatalf("verification status: %q", v)
	}
	p.do("evidence filter", chromedp.SendKeys(chromedp.CSS("#actor"), "owner"), chromedp.Submit(chromedp.CSS("#actor")),
		chromedp.Query(chromedp.CSS(`input#actor[value="owner"]`)), chromedp.WaitVisible(chromedp.CSS("#entries")))
	if rows := p.text("#entries tbody"); !strings.Contains(rows, "approval.deny") || strings.Contains(rows, "call.held") {
		t.Fatalf("entries by the owner:\n%s", rows)
	}
	p.shot("evidence")
	r.in.Verify(t)
}
