package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/console"
)

// TestConsole_ConnectGrantNarrowDisconnect walks the connection pages as
// forms: each action's confirmation says what changes and changes
// nothing; the action itself does, with the credential sent once and
// never shown back.
func TestConsole_ConnectGrantNarrowDisconnect(t *testing.T) {
	r := newRig(t)
	c := browser(t)
	csrf := r.signIn(t, c, r.in.OwnerToken)
	ctx := context.Background()
	wiki := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("{}")) }))
	t.Cleanup(wiki.Close)
	const secret = "wiki-credential-0123456789"

	form := url.Values{"csrf": {csrf}, "type": {"http"}, "name": {"wiki"}, "scope": {"/pages"}, "to": {"department:ops"}, "write": {"on"}, "base_url": {wiki.URL}}
	before := logSize(t, r)
	resp, page := post(t, c, r.url+console.Prefix+"connect/confirm", form, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "A new http connection named wiki is created") || !strings.Contains(page, "the ops department") ||
		!strings.Contains(page, "read and write access to /pages") || !strings.Contains(page, `type="password"`) {
		t.Fatalf("connect confirmation: %d %s", resp.StatusCode, page)
	}
	if logSize(t, r) != before {
		t.Fatal("the confirmation changed state")
	}
	form.Set("credential", secret)
	resp, _ = post(t, c, r.url+console.Prefix+"connect", form, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("connect: %d", resp.StatusCode)
	}
	_, page = get(t, c, r.url+console.Prefix+"connections")
	if !strings.Contains(page, "Connected wiki") || !strings.Contains(page, `id="connection-wiki"`) || strings.Contains(page, secret) {
		t.Fatalf("connections after connecting: %s", page)
	}

	// Grant the agent write on one page, then narrow it to read.
	g := url.Values{"csrf": {csrf}, "connection": {"wiki"}, "scope": {"/pages"}, "write": {"on"}, "to": {"writer"}, "expires_in": {"30d"}}
	if _, page := post(t, c, r.url+console.Prefix+"grant/confirm", g, nil); !strings.Contains(page, "agent writer gets read and write access to /pages on wiki") {
		t.Fatalf("grant confirmation: %s", page)
	}
	if resp, page := post(t, c, r.url+console.Prefix+"grant", g, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant: %d %s", resp.StatusCode, page)
	}
	var granted *aos.Grant
	gs, _ := r.in.Owner.ListGrants(ctx, false)
	for _, x := range gs {
		if x.Connection == "wiki" && x.Grantee == "agent:writer" {
			granted = x
		}
	}
	if granted == nil || granted.Access != aos.Write || granted.ExpiresAt == nil {
		t.Fatalf("grants %+v", gs)
	}
	narrow := r.url + console.Prefix + "grants/" + granted.ID + "/narrow"
	if resp, page := post(t, c, narrow+"/confirm", url.Values{"csrf": {csrf}, "scope": {"*"}}, nil); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(page, "narrowing only takes access away") {
		t.Fatalf("widening through narrow: %d %s", resp.StatusCode, page)
	}
	if _, page := post(t, c, narrow+"/confirm", url.Values{"csrf": {csrf}, "scope": {"/pages/home"}}, nil); !strings.Contains(page, "read access to /pages/home on wiki") {
		t.Fatalf("narrow confirmation: %s", page)
	}
	if resp, page := post(t, c, narrow, url.Values{"csrf": {csrf}, "scope": {"/pages/home"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("narrow: %d %s", resp.StatusCode, page)
	}
	gs, _ = r.in.Owner.ListGrants(ctx, false)
	var narrowed *aos.Grant
	for _, x := range gs {
		if x.ID == granted.ID {
			t.Fatal("the wider grant is still active")
		}
		if x.Connection == "wiki" && x.Grantee == "agent:writer" {
			narrowed = x
		}
	}
	if narrowed == nil || narrowed.Scope != "/pages/home" || narrowed.Access != aos.Read || narrowed.ExpiresAt == nil {
		t.Fatalf("narrowed grant %+v", narrowed)
	}

	// Keys: the inventory lists the new credential; rotating takes a new one.
	if _, page := get(t, c, r.url+console.Prefix+"keys"); !strings.Contains(page, "/console/keys/wiki/rotate") || strings.Contains(page, secret) {
		t.Fatalf("keys: %s", page)
	}
	if resp, page := post(t, c, r.url+console.Prefix+"keys/wiki/rotate", url.Values{"csrf": {csrf}, "credential": {"wiki-credential-second-987654"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rotate: %d %s", resp.StatusCode, page)
	}
	if _, page := get(t, c, r.url+console.Prefix+"keys"); !strings.Contains(page, "Rotated wiki: version 2 is active") {
		t.Fatalf("keys after rotating: %s", page)
	}

	// The exposed-key runbook: revoke now, without a new key.
	if _, page := get(t, c, r.url+console.Prefix+"keys/wiki/exposed"); !strings.Contains(page, "marked exposed and revoked now") {
		t.Fatalf("exposed confirmation: %s", page)
	}
	if resp, page := post(t, c, r.url+console.Prefix+"keys/wiki/exposed", url.Values{"csrf": {csrf}, "credential": {""}}, nil); resp.StatusCode != http.StatusOK ||
		!strings.Contains(page, "Version 2 is revoked") {
		t.Fatalf("exposed: %d %s", resp.StatusCode, page)
	}

	// Disconnect.
	if _, page := get(t, c, r.url+console.Prefix+"connections/wiki/disconnect"); !strings.Contains(page, "Connection wiki stops") {
		t.Fatalf("disconnect confirmation: %s", page)
	}
	if resp, _ := post(t, c, r.url+console.Prefix+"connections/wiki/disconnect", url.Values{"csrf": {csrf}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disconnect: %d", resp.StatusCode)
	}
	cs, _ := r.in.Owner.ListConnections(ctx)
	for _, cn := range cs {
		if cn.Name == "wiki" && cn.Connected() {
			t.Fatal("wiki is still connected")
		}
	}

	// The review and its Markdown export.
	if resp, page := get(t, c, r.url+console.Prefix+"review"); resp.StatusCode != http.StatusOK || !strings.Contains(page, "Access review") {
		t.Fatalf("review: %d %s", resp.StatusCode, page)
	}
	if resp, md := get(t, c, r.url+console.Prefix+"review.md"); resp.StatusCode != http.StatusOK ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/markdown") || !strings.Contains(md, "#") {
		t.Fatalf("markdown: %d %q", resp.StatusCode, md)
	}
	// The flow map takes no query: a subject never goes in a URL.
	if resp, _ := get(t, c, r.url+console.Prefix+"pii-map?subject="+customer); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("pii-map with a query: %d", resp.StatusCode)
	}
	r.in.Verify(t)
}

// TestConsole_Events streams the pending approvals: the first event says
// how many, and a new hold sends another at once.
func TestConsole_Events(t *testing.T) {
	r := newRig(t)
	c := browser(t)
	csrf := r.signIn(t, c, r.in.OwnerToken)
	resp, err := c.Get(r.url + console.Prefix + "events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	buf := make([]byte, 4096)
	read := func() string {
		var got strings.Builder
		for !strings.Contains(got.String(), "data: ") || !strings.HasSuffix(got.String(), "\n\n") {
			n, err := resp.Body.Read(buf)
			if err != nil {
				t.Fatalf("reading events: %v (%q)", err, got.String())
			}
			got.Write(buf[:n])
		}
		return got.String()
	}
	if first := read(); !strings.Contains(first, `"count":0`) {
		t.Fatalf("first event %q", first)
	}
	id := r.hold(t, "met")
	if next := read(); !strings.Contains(next, `"count":1`) || !strings.Contains(next, id) {
		t.Fatalf("event after a hold %q", next)
	}
	// Signing out ends the stream.
	post(t, c, r.url+console.Prefix+"signout", url.Values{"csrf": {csrf}}, nil)
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		for {
			if _, err := resp.Body.Read(buf); err != nil {
				return
			}
		}
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the event stream outlived its session")
	}
}
