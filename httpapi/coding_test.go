package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// upstreamRecorder is an upstream that records the requests it serves.
type upstreamRecorder struct {
	mu   sync.Mutex
	seen []recorded
}

type recorded struct {
	header http.Header
	body   []byte
}

func (u *upstreamRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.seen = append(u.seen, recorded{r.Header.Clone(), b})
	u.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"ok": true}`))
}

func (u *upstreamRecorder) requests() []recorded {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]recorded(nil), u.seen...)
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestProxy_ContentEncoding sends bodies with content codings through
// the proxy of an http connection under a write grant: a gzipped card
// number is held at customer-data just as the plain one is, a coding the
// gateway cannot read is 415 unsupported_encoding, and what goes upstream
// is the decoded body, without Content-Encoding.
func TestProxy_ContentEncoding(t *testing.T) {
	up := &upstreamRecorder{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	in := gatewaytest.Start(t, rest.New())
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: srv.URL, Scope: "/", To: "company", Write: true,
		Credential: vault.NewSecret([]byte("upstream-secret"))})
	token := in.Agent(t, "bot", "")

	card := []byte(`{"note": "card 4242 4242 4242 4242 exp 12/30"}`)
	benign := []byte(`{"note": "call back on Tuesday"}`)
	tests := []struct {
		name     string
		encoding string
		body     []byte
		status   int
		code     string
		upstream []byte // the body the upstream must receive; nil when it must receive nothing
	}{
		{"plain card is held", "", card, http.StatusAccepted, "", nil},
		{"gzipped card is held", "gzip", gzipped(t, card), http.StatusAccepted, "", nil},
		{"doubly gzipped card is held", "gzip, gzip", gzipped(t, gzipped(t, card)), http.StatusAccepted, "", nil},
		{"brotli is refused", "br", card, http.StatusUnsupportedMediaType, "unsupported_encoding", nil},
		{"zstd is refused", "zstd", card, http.StatusUnsupportedMediaType, "unsupported_encoding", nil},
		{"corrupt gzip is refused", "gzip", card, http.StatusBadRequest, "bad_request", nil},
		{"gzipped note goes upstream decoded", "gzip", gzipped(t, benign), http.StatusOK, "", benign},
		{"a gzip bomb is too large", "gzip", gzipped(t, make([]byte, connector.MaxBody+1)), http.StatusRequestEntityTooLarge, "too_large", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(up.requests())
			req, _ := http.NewRequest(http.MethodPost, in.URL+"/v1/proxy/crm/v1/notes", bytes.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			if tt.encoding != "" {
				req.Header.Set("Content-Encoding", tt.encoding)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code string } `json:"error"`
			}
			raw, _ := io.ReadAll(resp.Body)
			json.Unmarshal(raw, &body)
			if resp.StatusCode != tt.status || body.Error.Code != tt.code {
				t.Fatalf("status %d, code %q (%s); want %d, %q", resp.StatusCode, body.Error.Code, raw, tt.status, tt.code)
			}
			seen := up.requests()[before:]
			switch {
			case tt.upstream == nil && len(seen) != 0:
				t.Fatalf("the upstream received %d requests: %q", len(seen), seen[0].body)
			case tt.upstream != nil && len(seen) != 1:
				t.Fatalf("the upstream received %d requests, want 1", len(seen))
			case tt.upstream != nil:
				if !bytes.Equal(seen[0].body, tt.upstream) || seen[0].header.Get("Content-Encoding") != "" {
					t.Fatalf("the upstream received %q with Content-Encoding %q; want %q without",
						seen[0].body, seen[0].header.Get("Content-Encoding"), tt.upstream)
				}
			}
		})
	}
}

// TestCall_ContentEncoding sends POST /v1/call gzipped: it is read as the
// plain request would be, so a card number in its args is held.
func TestCall_ContentEncoding(t *testing.T) {
	up := &upstreamRecorder{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	in := gatewaytest.Start(t, rest.New())
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: srv.URL, Scope: "/", To: "company", Write: true,
		Credential: vault.NewSecret([]byte("upstream-secret"))})
	token := in.Agent(t, "bot", "")
	call := []byte(`{"connection": "crm", "operation": "POST", "args": {"path": "/v1/notes", "body": {"note": "card 4242 4242 4242 4242"}}}`)
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/v1/call", bytes.NewReader(gzipped(t, call)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if raw, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d (%s); want 202", resp.StatusCode, raw)
	}
	if n := len(up.requests()); n != 0 {
		t.Fatalf("the upstream received %d requests", n)
	}
}

// TestProxy_Charset: a body in another character encoding than UTF-8 is
// refused, since the facts and the scan read UTF-8 and an upstream that
// honours the charset would read what they did not see.
func TestProxy_Charset(t *testing.T) {
	up := &upstreamRecorder{}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	in := gatewaytest.Start(t, rest.New())
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", BaseURL: srv.URL, Scope: "/", To: "company", Write: true,
		Credential: vault.NewSecret([]byte("upstream-secret"))})
	token := in.Agent(t, "bot", "")
	utf16 := func(s string, bom bool) []byte {
		var b []byte
		if bom {
			b = append(b, 0xFF, 0xFE)
		}
		for _, r := range s {
			b = append(b, byte(r), 0)
		}
		return b
	}
	card := `{"note": "card 4242 4242 4242 4242 exp 12/30"}`
	for _, tt := range []struct {
		name, contentType string
		body              []byte
		status            int
	}{
		{"UTF-16 named by its charset", "application/json; charset=utf-16le", utf16(card, false), http.StatusUnsupportedMediaType},
		{"UTF-16 with a byte order mark", "application/json", utf16(card, true), http.StatusUnsupportedMediaType},
		{"a charset that does not parse", `application/json; charset="utf-16`, []byte(card), http.StatusUnsupportedMediaType},
		{"Latin-1 text", "text/plain; charset=ISO-8859-1", []byte("card 4242 4242 4242 4242"), http.StatusUnsupportedMediaType},
		{"UTF-8 named is read and held", "application/json; charset=UTF-8", []byte(card), http.StatusAccepted},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(up.requests())
			req, _ := http.NewRequest(http.MethodPost, in.URL+"/v1/proxy/crm/v1/notes", bytes.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", tt.contentType)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, raw, tt.status)
			}
			if n := len(up.requests()) - before; n != 0 {
				t.Fatalf("the upstream received %d requests", n)
			}
		})
	}
}
