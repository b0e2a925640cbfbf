package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/console"
)

// fill puts sample values into a route pattern's wildcards.
func fill(pattern string) string {
	path := strings.TrimPrefix(pattern, "POST ")
	return strings.NewReplacer("{id}", "g_nothing", "{name}", "notes").Replace(path)
}

func logSize(t *testing.T, r *rig) int64 {
	t.Helper()
	st, err := r.in.Owner.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.LogSize
}

// TestConsole_StateChangesRefused sends every state-changing console
// request without a session, with an agent's token, with a forged session
// cookie, without a CSRF token, with another session's token, and
// cross-origin with a valid token: each is refused, and the evidence log
// (which every state change writes) does not grow.
func TestConsole_StateChangesRefused(t *testing.T) {
	r := newRig(t)
	owner := browser(t)
	csrf := r.signIn(t, owner, r.in.OwnerToken)
	other := browser(t)
	otherCSRF := r.signIn(t, other, r.in.OwnerToken)
	if otherCSRF == csrf {
		t.Fatal("two sessions share a CSRF token")
	}
	forged := browser(t)
	u, _ := url.Parse(r.url + console.Prefix)
	forged.Jar.SetCookies(u, []*http.Cookie{{Name: "aos_console", Value: strings.Repeat("ab", 32), Path: console.Prefix}})

	before := logSize(t, r)
	patterns := console.StateChanging()
	if len(patterns) < 15 {
		t.Fatalf("only %d state-changing routes: %v", len(patterns), patterns)
	}
	form := func(token string) url.Values {
		v := url.Values{"scope": {"/"}, "to": {"company"}, "connection": {"notes"}, "reason": {"r"}, "digest": {strings.Repeat("0", 64)},
			"finding": {"f_x"}, "type": {"http"}, "name": {"x"}, "credential": {"secret-credential-1234"}, "subject": {customer}}
		if token != "" {
			v.Set("csrf", token)
		}
		return v
	}
	cases := []struct {
		name   string
		client *http.Client
		token  string
		header http.Header
		status int
	}{
		{"no session", browser(t), "", nil, http.StatusUnauthorized},
		{"agent bearer token", browser(t), "", http.Header{"Authorization": {"Bearer " + r.agent}}, http.StatusUnauthorized},
		{"owner bearer token without a session", browser(t), "", http.Header{"Authorization": {"Bearer " + r.in.OwnerToken}}, http.StatusUnauthorized},
		{"forged session cookie", forged, csrf, nil, http.StatusUnauthorized},
		{"no CSRF token", owner, "", nil, http.StatusForbidden},
		{"wrong CSRF token", owner, strings.Repeat("0", 64), nil, http.StatusForbidden},
		{"another session's CSRF token", owner, otherCSRF, nil, http.StatusForbidden},
		{"cross-site request", owner, csrf, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"other origin", owner, csrf, http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range patterns {
				if tc.name == "no session" || tc.name == "agent bearer token" || tc.name == "owner bearer token without a session" || tc.name == "forged session cookie" {
					if p == "POST "+console.Prefix+"signin" {
						continue
					}
				}
				resp, body := post(t, tc.client, r.url+fill(p), form(tc.token), tc.header)
				if resp.StatusCode != tc.status {
					t.Errorf("%s: status %d, want %d: %.300s", p, resp.StatusCode, tc.status, body)
				}
				if resp.Header.Get("Set-Cookie") != "" && tc.status == http.StatusUnauthorized {
					t.Errorf("%s: a refused request set a cookie", p)
				}
			}
		})
	}
	if after := logSize(t, r); after != before {
		t.Fatalf("the evidence log grew from %d to %d entries: a refused request changed state", before, after)
	}
	// The grant the requests named is untouched.
	if _, err := r.in.Owner.Revoke(context.Background(), r.in.Boss, r.notesGrant.ID); err != nil {
		t.Fatalf("the notes grant should still be active: %v", err)
	}
}

// TestConsole_SignIn checks who may sign in and what the session cookie
// and the pages' headers promise.
func TestConsole_SignIn(t *testing.T) {
	r := newRig(t)
	t.Run("agent token", func(t *testing.T) {
		c := browser(t)
		resp, body := post(t, c, r.url+console.Prefix+"signin", url.Values{"token": {r.agent}}, nil)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "only the owner signs in") {
			t.Fatalf("status %d: %.300s", resp.StatusCode, body)
		}
		if len(resp.Cookies()) != 0 {
			t.Fatal("an agent's sign-in set a cookie")
		}
		if resp, _ := get(t, c, r.url+console.Prefix); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("an agent reached the inbox: %d", resp.StatusCode)
		}
	})
	t.Run("auditor token", func(t *testing.T) {
		ctx := context.Background()
		token := aos.NewToken(aos.AuditorTokenPrefix)
		auditor := &aos.Principal{Kind: aos.Auditor, Name: "audit", TokenHash: aos.HashToken(token), CreatedAt: time.Now()}
		if _, err := r.in.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
			return []aos.Record{{Kind: "auditor.add", Actor: "owner", Subject: "audit"}}, tx.CreatePrincipal(ctx, auditor)
		}); err != nil {
			t.Fatal(err)
		}
		resp, body := post(t, browser(t), r.url+console.Prefix+"signin", url.Values{"token": {token}}, nil)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "auditor tokens cannot") || len(resp.Cookies()) != 0 {
			t.Fatalf("status %d, cookies %v: %.300s", resp.StatusCode, resp.Cookies(), body)
		}
	})
	t.Run("wrong token", func(t *testing.T) {
		resp, _ := post(t, browser(t), r.url+console.Prefix+"signin", url.Values{"token": {"aos_o_nottherealone"}}, nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("cross-site sign-in", func(t *testing.T) {
		resp, _ := post(t, browser(t), r.url+console.Prefix+"signin", url.Values{"token": {r.in.OwnerToken}},
			http.Header{"Sec-Fetch-Site": {"cross-site"}})
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Fatalf("status %d, cookies %v", resp.StatusCode, resp.Cookies())
		}
	})
	t.Run("owner", func(t *testing.T) {
		c := browser(t)
		resp, _ := post(t, c, r.url+console.Prefix+"signin", url.Values{"token": {r.in.OwnerToken}}, nil)
		cs := resp.Cookies()
		if resp.StatusCode != http.StatusSeeOther || len(cs) != 1 {
			t.Fatalf("status %d, cookies %v", resp.StatusCode, cs)
		}
		ck := cs[0]
		if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != console.Prefix || len(ck.Value) != 64 {
			t.Fatalf("cookie %+v", ck)
		}
		resp, body := get(t, c, r.url+console.Prefix)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Inbox") {
			t.Fatalf("inbox: %d", resp.StatusCode)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
			t.Error("inline script or style")
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("headers %v", resp.Header)
		}
		// Sign out ends the session server-side: the old cookie no longer works.
		csrf := csrfField.FindStringSubmatch(body)[1]
		u, _ := url.Parse(r.url + console.Prefix)
		old := c.Jar.Cookies(u)
		post(t, c, r.url+console.Prefix+"signout", url.Values{"csrf": {csrf}}, nil)
		replay := browser(t)
		replay.Jar.SetCookies(u, old)
		if resp, _ := get(t, replay, r.url+console.Prefix); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the signed-out session still opens the inbox: %d", resp.StatusCode)
		}
	})
	t.Run("root redirects", func(t *testing.T) {
		resp, _ := get(t, browser(t), r.url+"/")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != console.Prefix {
			t.Fatalf("status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// TestConsole_DecideRecordsShownDigest approves with the digest of the
// view the inbox showed: it is refused with a digest of anything else, and
// the decision's evidence entry records the digest it was made on.
func TestConsole_DecideRecordsShownDigest(t *testing.T) {
	r := newRig(t)
	c := browser(t)
	csrf := r.signIn(t, c, r.in.OwnerToken)
	id := r.hold(t, "met")
	a, err := r.in.Gateway.Approvals.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.in.Gateway.Approvals.WithViews(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	view := a.View
	_, page := get(t, c, r.url+console.Prefix)
	for _, want := range []string{view.Digest, "customer-data", "writer", "ops department", "keep the account notes current",
		"leave the email out of the note", "/v1/notes", "1 value of email from crm"} {
		if !strings.Contains(page, want) {
			t.Errorf("the inbox does not show %q", want)
		}
	}
	if strings.Contains(page, "notes-key-1234567890") {
		t.Fatal("the inbox shows a credential")
	}
	decide := r.url + console.Prefix + "approvals/" + id + "/approve"
	stale := "sha256:" + strings.Repeat("ab", 32)
	resp, body := post(t, c, decide, url.Values{"csrf": {csrf}, "digest": {stale}}, nil)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "changed since it was shown") {
		t.Fatalf("a decision on another view: %d %.400s", resp.StatusCode, body)
	}
	if len(r.notes.bodies()) != 0 {
		t.Fatal("the refused approval reached the upstream")
	}
	resp, _ = post(t, c, decide, url.Values{"csrf": {csrf}, "digest": {view.Digest}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	entries, err := r.in.Log.Tail(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, e := range entries {
		if e.Kind == "approval.approve" && e.Subject == id {
			found = true
			if e.Attrs["shown_digest"] != view.Digest {
				t.Fatalf("shown_digest %q, want %q", e.Attrs["shown_digest"], view.Digest)
			}
		}
	}
	if !found {
		t.Fatal("no approval.approve entry")
	}
	if got := r.notes.bodies(); len(got) != 1 || !strings.Contains(got[0], customer) {
		t.Fatalf("the upstream received %q", got)
	}
	r.in.Verify(t)
}

// TestApproval_DecideShownRefusesAnAlteredApproval changes a held
// approval in the store after the owner saw it: the decision on the old
// view is refused and nothing is recorded.
func TestApproval_DecideShownRefusesAnAlteredApproval(t *testing.T) {
	r := newRig(t)
	id := r.hold(t, "met")
	ctx := context.Background()
	a, _ := r.in.Gateway.Approvals.Get(ctx, id)
	if err := r.in.Gateway.Approvals.WithViews(ctx, a); err != nil {
		t.Fatal(err)
	}
	shown := a.View.Digest
	if _, err := r.in.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		a, err := tx.ApprovalByID(ctx, id)
		if err != nil {
			return nil, err
		}
		a.Resource = "/v1/somewhere-else"
		return []aos.Record{{Kind: "test.alter", Actor: "test", Subject: id}}, tx.UpdateApproval(ctx, a)
	}); err != nil {
		t.Fatal(err)
	}
	_, err := r.in.Gateway.DenyShown(ctx, r.in.Boss, id, "no", shown)
	if aos.ErrorCode(err) != aos.EConflict {
		t.Fatalf("err %v, want conflict", err)
	}
	if _, err := r.in.Gateway.DenyShown(ctx, r.in.Boss, id, "no", "not-a-digest"); aos.ErrorCode(err) != aos.EBadRequest {
		t.Fatalf("err %v, want bad_request", err)
	}
	if a, _ := r.in.Gateway.Approvals.Get(ctx, id); a.Status != aos.ApprovalPending {
		t.Fatalf("status %s", a.Status)
	}
}
