package gateway_test

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// echoed are the forms in which a test upstream echoes a credential, and
// which must reach neither the agent nor the store.
func echoed(secret string) []string {
	b64 := func(s string) []string {
		return []string{base64.StdEncoding.EncodeToString([]byte(s)), base64.RawStdEncoding.EncodeToString([]byte(s)),
			base64.URLEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s))}
	}
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), hex.EncodeToString([]byte(secret))}
	forms = append(forms, b64(secret)...)
	forms = append(forms, b64("Bearer "+secret)...)
	if _, pass, ok := strings.Cut(secret, ":"); ok {
		forms = append(forms, pass)
	}
	return forms
}

// mustNotHold fails if b holds the secret in any form of echoed.
func mustNotHold(t *testing.T, what string, b []byte, secret string) {
	t.Helper()
	for _, f := range echoed(secret) {
		if bytes.Contains(b, []byte(f)) {
			t.Errorf("%s holds the credential (as %q): %s", what, f, b)
		}
	}
}

// warnings is a notifier that keeps the warnings it is given.
type warnings struct {
	mu  sync.Mutex
	got []approval.Warning
}

func (*warnings) Notify(context.Context, *aos.Approval) {}
func (w *warnings) Warn(_ context.Context, x approval.Warning) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, x)
}

// wait returns the warnings once there are n, or fails after a while.
func (w *warnings) wait(t *testing.T, n int) []approval.Warning {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		w.mu.Lock()
		got := slices.Clone(w.got)
		w.mu.Unlock()
		if len(got) >= n {
			return got
		}
	}
	t.Fatalf("fewer than %d warnings", n)
	return nil
}

// echoWorld is a harness with a connection "echo" whose upstream answers
// with answer, a notifier that keeps warnings and a server log.
type echoWorld struct {
	*harness
	warned *warnings
	logs   *bytes.Buffer
}

func newEchoWorld(t *testing.T, secret string, answer func(secret string, call *connector.Call) *connector.Response) *echoWorld {
	t.Helper()
	h := newHarness(t)
	w := &echoWorld{harness: h, warned: &warnings{}, logs: &bytes.Buffer{}}
	h.pay.answer = answer
	h.gw.Approvals.Notify = w.warned
	h.gw.Logger = slog.New(slog.NewTextHandler(w.logs, nil))
	if _, _, err := h.owner.Connect(context.Background(), h.boss, owner.ConnectRequest{Type: "pay", Name: "echo",
		Scope: "*", To: "company", Write: true, BaseURL: "https://echo.invalid/api", Credential: vault.NewSecret([]byte(secret + "\n"))}); err != nil {
		t.Fatal(err)
	}
	return w
}

// proxy sends a request on the echo connection.
func (w *echoWorld) proxy(method, path string) (*gateway.Outcome, error) {
	req := &connector.HTTPRequest{Method: method, RawPath: path}
	if p, q, ok := strings.Cut(path, "?"); ok {
		req.RawPath, req.RawQuery = p, q
	}
	return w.gw.Proxy(context.Background(), w.agent, "echo", req, gateway.Meta{})
}

// lastOutcome returns the newest call.outcome entry. Outcomes may be
// recorded after the answer, in the log's next batch: an empty Record
// queued now commits after them.
func (h *harness) lastOutcome(t *testing.T) aos.Entry {
	t.Helper()
	if _, err := h.log.Record(context.Background(), func(aos.Tx) ([]aos.Record, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	tail, err := h.log.Tail(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(tail) - 1; i >= 0; i-- {
		if tail[i].Kind == "call.outcome" {
			return tail[i]
		}
	}
	t.Fatal("no call.outcome entry")
	return aos.Entry{}
}

// echoCases are upstreams that echo the credential they were sent.
var echoCases = []struct {
	name, secret string
	answer       func(secret string, call *connector.Call) *connector.Response
}{
	{"bearer token in a header", "sk_live_51HxYq9kT2echoZ", func(s string, _ *connector.Call) *connector.Response {
		return &connector.Response{Status: 200, Header: http.Header{"Content-Type": {"text/plain"},
			"X-Echo-Authorization": {"Bearer " + s}, "Etag": {`"` + s + `"`}}, Body: []byte("ok")}
	}},
	{"bearer token in JSON", "ghp_ab/cd+ef&gh<ij>klmnop0123", func(s string, _ *connector.Call) *connector.Response {
		b, _ := json.Marshal(map[string]any{"headers": map[string]string{"Authorization": "Bearer " + s}, "token": s})
		return &connector.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: b}
	}},
	{"basic auth echoed in base64", "ada:s3cret-pa55/w0rd+x", func(s string, _ *connector.Call) *connector.Response {
		b, _ := json.Marshal(map[string]string{"authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(s))})
		return &connector.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: b}
	}},
	{"query key echoed URL-encoded", "key/with+plus=and&amp 42", func(s string, _ *connector.Call) *connector.Response {
		u := "https://echo.invalid/api/charges?api_key=" + url.QueryEscape(s)
		b, _ := json.Marshal(map[string]string{"url": u})
		return &connector.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"},
			"Link": {"<" + u + ">; rel=self"}}, Body: b}
	}},
	{"deflate-compressed echo", "sk_live_deflated_9Xq2", func(s string, _ *connector.Call) *connector.Response {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		zw.Write([]byte(`{"echo":"` + s + `"}`))
		zw.Close()
		return &connector.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"},
			"Content-Encoding": {"deflate"}}, Body: b.Bytes()}
	}},
}

func TestGateway_Proxy_credentialEcho(t *testing.T) {
	for _, tt := range echoCases {
		t.Run(tt.name, func(t *testing.T) {
			w := newEchoWorld(t, tt.secret, tt.answer)
			out, err := w.proxy("GET", "/charges")
			if err != nil || out.Response == nil {
				t.Fatalf("proxy: %+v, %v", out, err)
			}
			resp := out.Response
			var head bytes.Buffer
			resp.Header.Write(&head)
			mustNotHold(t, "the answer's headers", head.Bytes(), tt.secret)
			mustNotHold(t, "the answer's body", resp.Body, tt.secret)
			if !bytes.Contains(append(head.Bytes(), resp.Body...), []byte("[redacted by aos]")) {
				t.Errorf("no redaction mark in %s %s", head.Bytes(), resp.Body)
			}
			if e := w.lastOutcome(t); e.Attrs["credential_echo"] != "redacted" {
				t.Errorf("outcome attrs %v; want credential_echo=redacted", e.Attrs)
			}
			got := w.warned.wait(t, 1)
			if got[0].Warning != "credential_echo" || got[0].Connection != "echo" {
				t.Errorf("warning %+v", got[0])
			}
			wj, _ := json.Marshal(got)
			mustNotHold(t, "the webhook warning", wj, tt.secret)
			if !strings.Contains(w.logs.String(), "echoed the connection's credential") {
				t.Errorf("no warning in the server log: %s", w.logs)
			}
			mustNotHold(t, "the server log", w.logs.Bytes(), tt.secret)
		})
	}
}

func TestGateway_Approve_credentialEcho(t *testing.T) {
	for _, tt := range echoCases {
		t.Run(tt.name, func(t *testing.T) {
			w := newEchoWorld(t, tt.secret, tt.answer)
			out, err := w.proxy("POST", "/charges?amount=900000")
			if err != nil || out.Held == nil {
				t.Fatalf("want held: %+v, %v", out, err)
			}
			a, err := w.gw.Approve(context.Background(), w.boss, out.Held.ID, "ok")
			if err != nil || a.Status != aos.ApprovalExecuted {
				t.Fatalf("approve: %+v, %v", a, err)
			}
			res, err := w.gw.OpenResult(a)
			if err != nil || res == nil {
				t.Fatalf("result: %+v, %v", res, err)
			}
			var head bytes.Buffer
			res.Header.Write(&head)
			mustNotHold(t, "the approval result's headers", head.Bytes(), tt.secret)
			mustNotHold(t, "the approval result's body", res.Body, tt.secret)
			if e := w.lastOutcome(t); e.Attrs["credential_echo"] != "redacted" {
				t.Errorf("outcome attrs %v; want credential_echo=redacted", e.Attrs)
			}
			w.warned.wait(t, 1)
		})
	}
}

func TestGateway_Proxy_credentialEchoWebhookOncePerHour(t *testing.T) {
	w := newEchoWorld(t, echoCases[0].secret, echoCases[0].answer)
	for i := 0; i < 3; i++ {
		if _, err := w.proxy("GET", "/charges"); err != nil {
			t.Fatal(err)
		}
	}
	w.warned.wait(t, 1)
	time.Sleep(50 * time.Millisecond) // a second warning, if any, would be on its way
	if n := len(w.warned.wait(t, 1)); n != 1 {
		t.Fatalf("%d webhook warnings for three echoes within the hour; want 1", n)
	}
	if n := strings.Count(w.logs.String(), "echoed the connection's credential"); n != 3 {
		t.Errorf("%d log warnings for three echoes; want 3", n)
	}
	w.clock.Advance(time.Hour)
	if _, err := w.proxy("GET", "/charges"); err != nil {
		t.Fatal(err)
	}
	w.warned.wait(t, 2)
}

func TestGateway_Proxy_credentialEchoInError(t *testing.T) {
	const secret = "sk_live_in_an_error_0042"
	tests := map[string]func(s string) error{
		"upstream error": func(s string) error {
			return aos.Errorf(aos.EUpstream, "cannot reach echo.invalid: bad key %s", url.QueryEscape(s))
		},
		"redecide": func(s string) error {
			return &connector.Redecide{Reason: "the upstream says the default branch is " + s}
		},
	}
	for name, fail := range tests {
		t.Run(name, func(t *testing.T) {
			w := newEchoWorld(t, secret, nil)
			w.pay.fail = fail
			_, err := w.proxy("GET", "/charges")
			if err == nil {
				t.Fatal("no error")
			}
			mustNotHold(t, "the error", []byte(err.Error()), secret)
			if !strings.Contains(err.Error(), "[redacted by aos]") {
				t.Errorf("error %q has no redaction mark", err)
			}
			w.warned.wait(t, 1)
		})
	}
}

func TestGateway_Proxy_noEcho(t *testing.T) {
	w := newEchoWorld(t, "sk_live_quiet_upstream", func(string, *connector.Call) *connector.Response {
		return &connector.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"id":"ch_1"}`)}
	})
	out, err := w.proxy("GET", "/charges")
	if err != nil || string(out.Response.Body) != `{"id":"ch_1"}` {
		t.Fatalf("proxy: %+v, %v", out, err)
	}
	if e := w.lastOutcome(t); e.Attrs["credential_echo"] != "" {
		t.Errorf("outcome attrs %v; want no credential_echo", e.Attrs)
	}
	if strings.Contains(w.logs.String(), "echoed") {
		t.Errorf("warned without an echo: %s", w.logs)
	}
}

func TestGateway_Proxy_answerHeaders(t *testing.T) {
	tests := map[string]struct {
		header http.Header
		want   http.Header
	}{
		"only allow-listed headers pass": {
			header: http.Header{
				"Content-Type": {"application/json"}, "Etag": {`"v1"`}, "Cache-Control": {"no-store"},
				"Retry-After": {"3"}, "X-Ratelimit-Remaining": {"9"},
				"Connection": {"X-Internal-Route, Close"}, "X-Internal-Route": {"db-7"},
				"Set-Cookie": {"session=abc"}, "X-Backend": {"10.0.0.7"}, "Content-Length": {"999"},
				"Www-Authenticate": {`Bearer realm="x"`}, "X-Oauth-Scopes": {"repo"},
			},
			want: http.Header{"Content-Type": {"application/json"}, "Etag": {`"v1"`}, "Cache-Control": {"no-store"},
				"Retry-After": {"3"}, "X-Ratelimit-Remaining": {"9"}},
		},
		"Location under the base URL is made relative to it": {
			header: http.Header{"Location": {"https://echo.invalid/api/charges/ch_7?expand=x"}},
			want:   http.Header{"Location": {"/charges/ch_7?expand=x"}},
		},
		"relative Location is resolved against the request": {
			header: http.Header{"Location": {"ch_8"}},
			want:   http.Header{"Location": {"/ch_8"}},
		},
		"Location elsewhere is dropped": {
			header: http.Header{"Location": {"https://elsewhere.example/steal"}},
			want:   http.Header{},
		},
		"Location outside the base path is dropped": {
			header: http.Header{"Location": {"/other/x"}},
			want:   http.Header{},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			w := newEchoWorld(t, "sk_live_headers_test", func(string, *connector.Call) *connector.Response {
				return &connector.Response{Status: 200, Header: tt.header.Clone(), Body: []byte("{}")}
			})
			out, err := w.proxy("GET", "/charges")
			if err != nil {
				t.Fatal(err)
			}
			if got := out.Response.Header; !equalHeaders(got, tt.want) {
				t.Fatalf("headers %v, want %v", got, tt.want)
			}
		})
	}
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestGateway_Proxy_contentCoding(t *testing.T) {
	raw := func() []byte {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestSpeed)
		fw.Write([]byte(`{"ok":true}`))
		fw.Close()
		return b.Bytes()
	}()
	tests := map[string]struct {
		coding string
		body   []byte
		code   string
		want   string
	}{
		"raw deflate is decoded":       {coding: "deflate", body: raw, want: `{"ok":true}`},
		"identity is plain":            {coding: "identity", body: []byte("plain"), want: "plain"},
		"no body, whatever its coding": {coding: "br", body: nil, want: ""},
		"brotli is refused":            {coding: "br", body: []byte("\x1b\x00"), code: aos.EUpstream},
		"corrupt gzip is refused":      {coding: "gzip", body: []byte("not gzip"), code: aos.EUpstream},
		"three codings are refused":    {coding: "gzip, gzip, gzip", body: []byte("x"), code: aos.EUpstream},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			w := newEchoWorld(t, "sk_live_coding_test", func(string, *connector.Call) *connector.Response {
				return &connector.Response{Status: 200, Header: http.Header{"Content-Encoding": {tt.coding}}, Body: tt.body}
			})
			out, err := w.proxy("GET", "/charges")
			if aos.ErrorCode(err) != tt.code && (tt.code != "" || err != nil) {
				t.Fatalf("proxy: %v; want code %q", err, tt.code)
			}
			if tt.code != "" {
				if e := w.lastOutcome(t); e.Attrs["code"] != tt.code {
					t.Errorf("outcome attrs %v", e.Attrs)
				}
				return
			}
			if string(out.Response.Body) != tt.want || out.Response.Header.Get("Content-Encoding") != "" {
				t.Fatalf("body %q, headers %v", out.Response.Body, out.Response.Header)
			}
		})
	}
}
