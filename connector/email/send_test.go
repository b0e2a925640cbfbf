package email

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/vault"
)

var fixedNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

func testConnector() *Connector { return &Connector{Now: func() time.Time { return fixedNow }} }

// conn returns a configured connection to base.
func conn(t *testing.T, base string) *aos.Connection {
	t.Helper()
	c := &aos.Connection{ID: 1, Name: "mail", Type: Type, BaseURL: base}
	if err := New().Configure(c); err != nil {
		t.Fatalf("Configure(%q): %v", base, err)
	}
	return c
}

func TestConnector_FromCall(t *testing.T) {
	c := conn(t, "smtp://127.0.0.1:1?tls=none&internal=example.com")
	tests := []struct {
		name, op, args string
		code           string // "" means success
		resource       string
		recipients     int
	}{
		{"minimal", "send", `{"from":"ada@example.com","to":"bob@example.org","subject":"Hi","text":"Hello"}`,
			"", "from:ada@example.com", 1},
		{"resource lower case", "send", `{"from":"Ada <Ada@Example.com>","to":["bob@example.org"],"subject":"Hi","html":"<p>Hello</p>"}`,
			"", "from:ada@example.com", 1},
		{"duplicates counted once", "send", `{"from":"ada@example.com","to":["bob@example.org","BOB@example.org"],"cc":"carol@example.org",` +
			`"bcc":["bob@example.org","dave@example.net"],"subject":"Hi","text":"x"}`, "", "from:ada@example.com", 3},
		{"reply_to is no recipient", "send", `{"from":"ada@example.com","bcc":"bob@example.org","reply_to":"help@example.com","subject":"","text":""}`,
			"", "from:ada@example.com", 1},

		{"unknown operation", "delete", `{}`, aos.EUnknownOperation, "", 0},
		{"no args", "send", ``, aos.EBadRequest, "", 0},
		{"not an object", "send", `[1]`, aos.EBadRequest, "", 0},
		{"unknown field", "send", `{"from":"ada@example.com","to":"b@x.com","subject":"s","text":"t","attachments":[]}`, aos.EBadRequest, "", 0},
		{"no from", "send", `{"to":"b@x.com","subject":"s","text":"t"}`, aos.EBadRequest, "", 0},
		{"no recipients", "send", `{"from":"ada@example.com","subject":"s","text":"t"}`, aos.EBadRequest, "", 0},
		{"no subject", "send", `{"from":"ada@example.com","to":"b@x.com","text":"t"}`, aos.EBadRequest, "", 0},
		{"no body", "send", `{"from":"ada@example.com","to":"b@x.com","subject":"s"}`, aos.EBadRequest, "", 0},
		{"two froms", "send", `{"from":"ada@example.com, eve@example.com","to":"b@x.com","subject":"s","text":"t"}`, aos.EBadRequest, "", 0},
		{"CRLF in subject", "send", `{"from":"ada@example.com","to":"b@x.com","subject":"Hi\r\nBcc: eve@evil.com","text":"t"}`, aos.EBadRequest, "", 0},
		{"LF in subject", "send", `{"from":"ada@example.com","to":"b@x.com","subject":"Hi\nX: y","text":"t"}`, aos.EBadRequest, "", 0},
		{"CRLF in from", "send", `{"from":"Ada\r\nBcc: eve@evil.com <ada@example.com>","to":"b@x.com","subject":"s","text":"t"}`, aos.EBadRequest, "", 0},
		{"CRLF in to", "send", `{"from":"ada@example.com","to":"b@x.com\r\nBcc: eve@evil.com","subject":"s","text":"t"}`, aos.EBadRequest, "", 0},
		{"CRLF in header", "send", `{"from":"ada@example.com","to":"b@x.com","subject":"s","text":"t","headers":{"In-Reply-To":"<a@b>\r\nBcc: e@x.com"}}`, aos.EBadRequest, "", 0},
		{"header not allowed", "send", `{"from":"ada@example.com","to":"b@x.com","subject":"s","text":"t","headers":{"X-SMTPAPI":"{}"}}`, aos.EBadRequest, "", 0},
		{"bcc header not allowed", "send", `{"from":"ada@example.com","to":"b@x.com","subject":"s","text":"t","headers":{"Bcc":"e@x.com"}}`, aos.EBadRequest, "", 0},
		{"bad in-reply-to", "send", `{"from":"ada@example.com","to":"b@x.com","subject":"s","text":"t","headers":{"In-Reply-To":"nope"}}`, aos.EBadRequest, "", 0},
		{"quoted local part", "send", `{"from":"ada@example.com","to":"\"b c\"@x.com","subject":"s","text":"t"}`, aos.EBadRequest, "", 0},
		{"long line", "send", `{"from":"ada@example.com","to":"b@x.com","subject":"s","text":"` + strings.Repeat("a", 999) + `"}`, aos.EBadRequest, "", 0},
		{"NUL in body", "send", `{"from":"ada@example.com","to":"b@x.com","subject":"s","text":"a\u0000b"}`, aos.EBadRequest, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call, err := testConnector().FromCall(c, tt.op, json.RawMessage(tt.args))
			if tt.code != "" {
				if aos.ErrorCode(err) != tt.code {
					t.Fatalf("FromCall = %v; want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if call.Resource != tt.resource || call.Facts.Recipients != tt.recipients || call.Operation.Name != "send" || call.Operation.Access != aos.Write {
				t.Fatalf("call = %s %s %+v", call.Operation.Name, call.Resource, call.Facts)
			}
			if err := connector.Recheck(testConnector(), c, gatewaytest.Resealed(t, call)); err != nil {
				t.Fatalf("Recheck of a fresh call: %v", err)
			}
		})
	}
}

// TestMessage_RoundTrip parses built messages back as a mail reader would.
func TestMessage_RoundTrip(t *testing.T) {
	c := conn(t, "smtp://127.0.0.1:1?tls=none")
	long := strings.Repeat("Ünïcödé subject words ", 20)
	args := map[string]any{
		"from":     "Zoë Ünderwood <zoe@example.com>",
		"to":       []string{"\"Bob, Jr.\" <bob@example.org>", "carol@example.org"},
		"cc":       `"Dan =?utf-8?q?x?=" <dan@example.org>`,
		"bcc":      "secret@example.net",
		"reply_to": "help@example.com",
		"subject":  long,
		"text":     "Hello\n.leading dot\r\nünïcode line\rlast",
		"html":     "<p>Hello</p>",
		"headers":  map[string]string{"references": "<a@b.example> <c@d.example>", "List-Unsubscribe": "<mailto:u@example.com>, <https://example.com/u>"},
	}
	b, _ := json.Marshal(args)
	call, err := testConnector().FromCall(c, "send", b)
	if err != nil {
		t.Fatal(err)
	}
	msg := call.Upstream.Body
	head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		if len(line) > foldAt {
			t.Errorf("header line of %d characters: %q", len(line), line)
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	if got, _ := dec.DecodeHeader(m.Header.Get("Subject")); got != long {
		t.Errorf("Subject = %q, want %q", got, long)
	}
	if from, _ := m.Header.AddressList("From"); len(from) != 1 || from[0].Name != "Zoë Ünderwood" || from[0].Address != "zoe@example.com" {
		t.Errorf("From = %v", from)
	}
	if to, _ := m.Header.AddressList("To"); len(to) != 2 || to[0].Name != "Bob, Jr." {
		t.Errorf("To = %v", to)
	}
	if cc, _ := m.Header.AddressList("Cc"); len(cc) != 1 || cc[0].Name != "Dan =?utf-8?q?x?=" {
		t.Errorf("Cc = %v (an encoded word in a name must stay literal)", cc)
	}
	if m.Header.Get("Bcc") != "" || bytes.Contains(msg, []byte("secret@")) {
		t.Error("the Bcc recipient appears in the message")
	}
	for field, want := range map[string]string{
		"Date": "Tue, 04 Mar 2025 05:06:07 +0000", "References": "<a@b.example> <c@d.example>",
		"Reply-To": "help@example.com", "Mime-Version": "1.0",
	} {
		if got := m.Header.Get(field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	if id := m.Header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID = %q", id)
	}
	if got := call.Upstream.Header.Values(hdrRcptTo); strings.Join(got, ",") != "bob@example.org,carol@example.org,dan@example.org,secret@example.net" {
		t.Errorf("envelope recipients = %v", got)
	}
	mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %s", mt)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for _, want := range []struct{ typ, body string }{
		{"text/plain; charset=utf-8", "Hello\r\n.leading dot\r\nünïcode line\r\nlast"},
		{"text/html; charset=utf-8", "<p>Hello</p>"},
	} {
		p, err := r.NextRawPart()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p)
		if p.Header.Get("Content-Type") != want.typ || string(body) != want.body {
			t.Errorf("part %s = %q, want %s %q", p.Header.Get("Content-Type"), body, want.typ, want.body)
		}
	}
}

// recheckAndDo sends a call as the gateway sends an approved one: read
// again by connector.Recheck, then sent by Do as decided.
func recheckAndDo(c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	k := testConnector()
	if err := connector.Recheck(k, c, call); err != nil {
		return nil, err
	}
	return k.Do(context.Background(), c, secret, call)
}

// TestConnector_DoRefusesAlteredCalls: a call sealed for an approval is
// read again once, by the gateway's connector.Recheck, before Do sends
// it as decided; nothing else is sent.
func TestConnector_DoRefusesAlteredCalls(t *testing.T) {
	c := conn(t, "smtp://127.0.0.1:1?tls=none")
	secret := vault.NewSecret([]byte("ada:password-123"))
	fresh := func(t *testing.T) *connector.Call {
		call, err := testConnector().FromCall(c, "send",
			json.RawMessage(`{"from":"ada@example.com","to":"bob@example.org","bcc":"carol@example.org","subject":"s","text":"t"}`))
		if err != nil {
			t.Fatal(err)
		}
		return call
	}
	tests := []struct {
		name  string
		alter func(*connector.Call)
		code  string
	}{
		{"other operation", func(c *connector.Call) { c.Operation.Name = "GET" }, aos.EUnknownOperation},
		{"read access", func(c *connector.Call) { c.Operation.Access = aos.Read }, aos.EUnknownOperation},
		{"other server", func(c *connector.Call) { c.Upstream.URL = "smtp://127.0.0.1:2" }, aos.EOutOfScope},
		{"other resource", func(c *connector.Call) { c.Resource = "from:eve@example.com" }, aos.EOutOfScope},
		{"other envelope sender", func(c *connector.Call) { c.Upstream.Header.Set(hdrMailFrom, "eve@example.com") }, aos.EOutOfScope},
		{"extra recipient", func(c *connector.Call) { c.Upstream.Header.Add(hdrRcptTo, "eve@example.com") }, aos.EUnknownOperation},
		{"fewer recipients decided", func(c *connector.Call) { c.Facts.Recipients = 1 }, aos.EUnknownOperation},
		{"swapped recipient", func(c *connector.Call) { c.Upstream.Header[hdrRcptTo][0] = "eve@example.com" }, aos.EOutOfScope},
		{"repeated recipient", func(c *connector.Call) { c.Upstream.Header[hdrRcptTo][1] = "BOB@example.org" }, aos.EOutOfScope},
		{"other From", func(c *connector.Call) {
			c.Upstream.Body = bytes.Replace(c.Upstream.Body, []byte("From: ada@"), []byte("From: eve@"), 1)
		}, aos.EOutOfScope},
		{"bcc header", func(c *connector.Call) {
			c.Upstream.Body = append([]byte("Bcc: carol@example.org\r\n"), c.Upstream.Body...)
		}, aos.EBadRequest},
		{"bare LF", func(c *connector.Call) {
			c.Upstream.Body = append([]byte("X-A: b\n"), c.Upstream.Body...)
		}, aos.EBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call := fresh(t)
			tt.alter(call)
			_, err := recheckAndDo(c, secret, call)
			if aos.ErrorCode(err) != tt.code {
				t.Fatalf("Do = %v; want %s", err, tt.code)
			}
		})
	}
}

// FuzzFromCall checks that whatever args an agent sends, a message that
// FromCall accepts, sealed, is read again as the same call
// (connector.Recheck): the policy always decides on exactly what would
// be sent.
func FuzzFromCall(f *testing.F) {
	f.Add(`{"from":"ada@example.com","to":"bob@example.org","subject":"Hi","text":"Hello"}`)
	f.Add(`{"from":"Zoë <z@x.com>","to":["a@b.c","\"Q, R\" <q@r.s>"],"cc":"c@d.e","bcc":"f@g.h","subject":"=?utf-8?q?x?=","html":"<p>\r\n.</p>"}`)
	f.Add(`{"from":"a@b.c","bcc":"d@e.f","subject":"` + strings.Repeat("word ", 100) + `","text":"x","headers":{"References":"<a@b> <c@d>"}}`)
	c := &aos.Connection{Name: "mail", BaseURL: "smtp://127.0.0.1:1?tls=none"}
	f.Fuzz(func(t *testing.T, args string) {
		call, err := testConnector().FromCall(c, "send", json.RawMessage(args))
		if err != nil {
			if code := aos.ErrorCode(err); code != aos.EBadRequest && code != aos.ETooLarge {
				t.Fatalf("FromCall error code %s: %v", code, err)
			}
			return
		}
		if err := connector.Recheck(testConnector(), c, gatewaytest.Resealed(t, call)); err != nil {
			t.Fatalf("Recheck refuses what FromCall built: %v\n%s", err, call.Upstream.Body)
		}
	})
}

func TestConnector_Internal(t *testing.T) {
	tests := []struct {
		name, base string
		rcpts      []string
		want       bool
	}{
		{"all internal", "smtp://127.0.0.1:1?tls=none&internal=example.com,example.org", []string{"a@example.com", "B@Example.org"}, true},
		{"one external", "smtp://127.0.0.1:1?tls=none&internal=example.com", []string{"a@example.com", "b@client.example"}, false},
		{"subdomain is external", "smtp://127.0.0.1:1?tls=none&internal=example.com", []string{"a@eu.example.com"}, false},
		{"no internal domains", "smtp://127.0.0.1:1?tls=none", []string{"a@example.com"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := conn(t, tt.base)
			b, _ := json.Marshal(map[string]any{"from": "ada@example.com", "to": tt.rcpts, "subject": "s", "text": "t"})
			call, err := testConnector().FromCall(c, "send", b)
			if err != nil {
				t.Fatal(err)
			}
			if got := New().Internal(c, call); got != tt.want {
				t.Fatalf("Internal = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConnector_CheckCredential(t *testing.T) {
	tests := []struct {
		secret string
		ok     bool
	}{
		{"ada@example.com:pw", true},
		{"apikey:SG.abc:def\n", true}, // the password may hold ':'; a trailing newline is dropped
		{"ada", false},
		{":pw", false},
		{"ada:", false},
		{"ada:p\x00w", false},
	}
	for _, tt := range tests {
		t.Run(tt.secret, func(t *testing.T) {
			err := New().CheckCredential(&aos.Connection{}, vault.NewSecret([]byte(tt.secret)))
			if tt.ok != (err == nil) {
				t.Fatalf("CheckCredential = %v, want ok %v", err, tt.ok)
			}
			if err != nil && (aos.ErrorCode(err) != aos.EBadRequest || strings.Contains(err.Error(), "pw")) {
				t.Fatalf("error %v", err)
			}
		})
	}
}
