package rest

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// seen is what an upstream test server received.
type seen struct {
	Method, RequestURI, Host string
	Header                   http.Header
	Body                     string
}

// upstream is a loopback server that records every request and answers
// with handler (200 "ok" when nil).
type upstream struct {
	*httptest.Server
	mu       sync.Mutex
	requests []seen
}

func newUpstream(t *testing.T, handler http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.requests = append(u.requests, seen{r.Method, r.RequestURI, r.Host, r.Header.Clone(), string(body)})
		u.mu.Unlock()
		if handler != nil {
			handler(w, r)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) seen(t *testing.T) []seen {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seen(nil), u.requests...)
}

// proxied maps an agent's request that tries every way of passing its own
// credential: Authorization, Cookie, the X-Api-Key header and the api_key
// query parameter.
func proxied(t *testing.T, c *aos.Connection) *connector.Call {
	t.Helper()
	call, err := New().FromHTTP(c, &connector.HTTPRequest{
		Method: "POST", RawPath: "/v1/contacts/a%20b", RawQuery: "a=1&api_key=agent-query",
		Header: agentHeader(), Body: []byte(`{"name":"Ada"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	return call
}

const sealed = "s3cr3t-V4lue+/="

func TestConnector_Do_auth(t *testing.T) {
	tests := []struct {
		auth, secret string
		check        func(t *testing.T, got seen)
	}{
		{"bearer", sealed + "\n", func(t *testing.T, got seen) {
			want(t, got, "Authorization", "Bearer "+sealed)
			want(t, got, "X-Api-Key") // not on the allow-list
			wantQuery(t, got, "a=1&api_key=agent-query")
		}},
		{"basic", "ada:" + sealed, func(t *testing.T, got seen) {
			r := &http.Request{Header: got.Header}
			if user, pass, ok := r.BasicAuth(); !ok || user != "ada" || pass != sealed {
				t.Errorf("basic auth = %q, %q, %v", user, pass, ok)
			}
		}},
		{"header:X-Api-Key", sealed, func(t *testing.T, got seen) {
			want(t, got, "X-Api-Key", sealed)
			want(t, got, "X_api_key")
			want(t, got, "Authorization")
		}},
		{"header:Authorization", "token " + sealed, func(t *testing.T, got seen) {
			want(t, got, "Authorization", "token "+sealed)
		}},
		{"query:api_key", sealed, func(t *testing.T, got seen) {
			want(t, got, "Authorization")
			wantQuery(t, got, "a=1&api_key="+url.QueryEscape(sealed))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.auth, func(t *testing.T) {
			up := newUpstream(t, nil)
			c := configured(t, up.URL+"/base", tt.auth)
			resp, err := New().Do(context.Background(), c, vault.NewSecret([]byte(tt.secret)), proxied(t, c))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != 200 || string(resp.Body) != "ok" {
				t.Fatalf("response %d %q", resp.Status, resp.Body)
			}
			reqs := up.seen(t)
			if len(reqs) != 1 {
				t.Fatalf("upstream saw %d requests", len(reqs))
			}
			got := reqs[0]
			if got.Method != "POST" || got.Body != `{"name":"Ada"}` || got.Host != strings.TrimPrefix(up.URL, "http://") {
				t.Errorf("upstream saw %s with Host %q and body %q", got.Method, got.Host, got.Body)
			}
			if p, _, _ := strings.Cut(got.RequestURI, "?"); p != "/base/v1/contacts/a%20b" {
				t.Errorf("upstream path %q", p)
			}
			for _, h := range []string{"Cookie", "Aos-Purpose", "Content-Encoding", "X-Custom", "Proxy-Authorization", "X-Hop"} {
				want(t, got, h)
			}
			want(t, got, "Accept", "application/json")
			tt.check(t, got)
			for name, vs := range got.Header {
				for _, v := range vs {
					if strings.Contains(v, "aos_agent_token") || strings.Contains(v, "session=agent") {
						t.Errorf("upstream saw the agent's credential in %s", name)
					}
				}
			}
		})
	}
}

// want checks that the upstream saw exactly values for the header.
func want(t *testing.T, got seen, name string, values ...string) {
	t.Helper()
	if vs := got.Header[http.CanonicalHeaderKey(name)]; strings.Join(vs, "\x00") != strings.Join(values, "\x00") {
		t.Errorf("upstream header %s = %q, want %q", name, vs, values)
	}
}

func wantQuery(t *testing.T, got seen, query string) {
	t.Helper()
	if _, q, _ := strings.Cut(got.RequestURI, "?"); q != query {
		t.Errorf("upstream query %q, want %q", q, query)
	}
}

func TestConnector_Do_redirectNotFollowed(t *testing.T) {
	elsewhere := newUpstream(t, nil)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/steal", http.StatusFound)
	})
	c := configured(t, up.URL, "")
	resp, err := New().Do(context.Background(), c, vault.NewSecret([]byte(sealed)), proxied(t, c))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusFound || resp.Header.Get("Location") != elsewhere.URL+"/steal" {
		t.Fatalf("response %d, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	if n := len(elsewhere.seen(t)); n != 0 {
		t.Fatalf("the redirect was followed: %d requests elsewhere", n)
	}
}

func TestConnector_Do_tooLarge(t *testing.T) {
	big := strings.Repeat("x", connector.MaxBody+1)
	tests := map[string]http.HandlerFunc{
		"declared length": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, big)
		},
		"chunked": func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			io.WriteString(w, big)
		},
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			up := newUpstream(t, h)
			c := configured(t, up.URL, "")
			_, err := New().Do(context.Background(), c, vault.NewSecret([]byte(sealed)), proxied(t, c))
			if aos.ErrorCode(err) != aos.ETooLarge {
				t.Fatalf("Do: %v; want too_large", err)
			}
		})
	}
}

func TestConnector_Do_gzip(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			io.WriteString(w, "not negotiated")
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, `{"email":"ada@example.com"}`)
		zw.Close()
	})
	c := configured(t, up.URL, "")
	resp, err := New().Do(context.Background(), c, vault.NewSecret([]byte(sealed)), proxied(t, c))
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != `{"email":"ada@example.com"}` || resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("body %q, Content-Encoding %q; want the plain body", resp.Body, resp.Header.Get("Content-Encoding"))
	}
}

func TestConnector_Do_hopByHopAnswer(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("Proxy-Authenticate", "Basic")
		w.Header().Set("X-Rate-Limit", "10")
	})
	c := configured(t, up.URL, "")
	resp, err := New().Do(context.Background(), c, vault.NewSecret([]byte(sealed)), proxied(t, c))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Keep-Alive") != "" || resp.Header.Get("Proxy-Authenticate") != "" || resp.Header.Get("X-Rate-Limit") != "10" {
		t.Fatalf("answer headers %v", resp.Header)
	}
}

func TestConnector_Do_unreachable(t *testing.T) {
	for _, auth := range []string{"bearer", "query:api_key"} {
		t.Run(auth, func(t *testing.T) {
			up := newUpstream(t, nil)
			c := configured(t, up.URL, auth)
			call := proxied(t, c)
			host := strings.TrimPrefix(up.URL, "http://")
			up.Close()
			_, err := New().Do(context.Background(), c, vault.NewSecret([]byte(sealed)), call)
			msg := aos.ErrorMessage(err)
			if aos.ErrorCode(err) != aos.EUpstream || !strings.Contains(msg, host) {
				t.Fatalf("Do: %v; want upstream_error naming %s", err, host)
			}
			for _, leak := range []string{sealed, url.QueryEscape(sealed), "api_key", "a=1"} {
				if strings.Contains(msg, leak) {
					t.Errorf("message %q contains %q", msg, leak)
				}
			}
		})
	}
}

func TestConnector_Do_canceled(t *testing.T) {
	up := newUpstream(t, nil)
	c := configured(t, up.URL, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New().Do(ctx, c, vault.NewSecret([]byte(sealed)), proxied(t, c))
	if aos.ErrorCode(err) != aos.EUpstream {
		t.Fatalf("Do: %v; want upstream_error", err)
	}
}

// TestConnector_Do_refuses checks that Do sends nothing for a call that
// was altered after FromHTTP, or that cannot carry the credential.
// recheckAndDo sends a call as the gateway sends an approved one: read
// again by connector.Recheck, then sent by Do as decided.
func recheckAndDo(k *Connector, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if err := connector.Recheck(k, c, call); err != nil {
		return nil, err
	}
	return k.Do(context.Background(), c, secret, call)
}

// TestConnector_Do_refuses checks what a call sealed for an approval
// may not become before it is sent.
func TestConnector_Do_refuses(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		alter  func(call *connector.Call, base string)
		code   string
	}{
		{"other host", sealed, func(call *connector.Call, _ string) {
			call.Upstream.URL = "http://evil.example/base/v1/contacts/a%20b"
		}, aos.EOutOfScope},
		{"other scheme", sealed, func(call *connector.Call, base string) {
			call.Upstream.URL = strings.Replace(call.Upstream.URL, "http:", "https:", 1)
		}, aos.EOutOfScope},
		{"user info", sealed, func(call *connector.Call, base string) {
			call.Upstream.URL = strings.Replace(call.Upstream.URL, "http://", "http://u:p@", 1)
		}, aos.EOutOfScope},
		{"outside the base path", sealed, func(call *connector.Call, base string) {
			call.Upstream.URL = base + "/v1/contacts/a%20b"
		}, aos.EOutOfScope},
		{"traversal", sealed, func(call *connector.Call, base string) {
			call.Upstream.URL = base + "/base/v1/contacts/a%20b/../../../admin"
		}, aos.EOutOfScope},
		{"path differs from the resource", sealed, func(call *connector.Call, base string) {
			call.Upstream.URL = base + "/base/v1/admin"
		}, aos.EOutOfScope},
		{"resource differs from the path", sealed, func(call *connector.Call, base string) {
			call.Resource = "/v1/contacts"
		}, aos.EOutOfScope},
		{"trace", sealed, func(call *connector.Call, base string) {
			call.Upstream.Method = "TRACE"
		}, aos.EUnknownOperation},
		{"method differs from the operation", sealed, func(call *connector.Call, base string) {
			call.Upstream.Method = "DELETE"
		}, aos.EUnknownOperation},
		{"operation downgraded to read", sealed, func(call *connector.Call, base string) {
			call.Operation = aos.Operation{Name: "POST", Access: aos.Read}
		}, aos.EUnknownOperation},
		{"header injection", sealed, func(call *connector.Call, base string) {
			call.Upstream.Header.Set("X-Request-Id", "a\r\nB: c")
		}, aos.EBadRequest},
		{"header added", sealed, func(call *connector.Call, base string) {
			call.Upstream.Header.Set("Cookie", "session=agent")
		}, aos.EUnknownOperation},
		{"the credential's header added", sealed, func(call *connector.Call, base string) {
			call.Upstream.Header.Set("Authorization", "Bearer agent")
		}, aos.EUnknownOperation},
		{"credential with CRLF", sealed + "\r\nX-Evil: 1", nil, aos.EUpstream},
		{"empty credential", "\n", nil, aos.EUpstream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, nil)
			c := configured(t, up.URL+"/base", "")
			call := proxied(t, c)
			if tt.alter != nil {
				tt.alter(call, up.URL)
			}
			_, err := recheckAndDo(New(), c, vault.NewSecret([]byte(tt.secret)), call)
			if aos.ErrorCode(err) != tt.code {
				t.Fatalf("Do: %v; want %s", err, tt.code)
			}
			if strings.Contains(aos.ErrorMessage(err), sealed) {
				t.Errorf("message %q contains the credential", aos.ErrorMessage(err))
			}
			if n := len(up.seen(t)); n != 0 {
				t.Fatalf("upstream saw %d requests", n)
			}
		})
	}
}

// TestConnector_Do_sealedCall checks that a call that went through JSON,
// as an approval seals it, is sent the same.
func TestConnector_Do_sealedCall(t *testing.T) {
	up := newUpstream(t, nil)
	c := configured(t, up.URL, "query:api_key")
	b, err := json.Marshal(proxied(t, c))
	if err != nil {
		t.Fatal(err)
	}
	var call connector.Call
	if err := json.Unmarshal(b, &call); err != nil {
		t.Fatal(err)
	}
	if _, err := New().Do(context.Background(), c, vault.NewSecret([]byte(sealed)), &call); err != nil {
		t.Fatal(err)
	}
	wantQuery(t, up.seen(t)[0], "a=1&api_key="+url.QueryEscape(sealed))
}

func TestCheckCredential(t *testing.T) {
	tests := []struct {
		auth, secret string
		ok           bool
	}{
		{"bearer", "abc", true},
		{"bearer", "abc\n", true},
		{"basic", "user:pass", true},
		{"basic", "userpass", false},
		{"header:X-Key", "a\r\nb", false},
		{"query:k", "", false},
		{"nonsense", "abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.auth+"/"+tt.secret, func(t *testing.T) {
			err := CheckCredential(tt.auth, vault.NewSecret([]byte(tt.secret)))
			if (err == nil) != tt.ok || err != nil && aos.ErrorCode(err) != aos.EBadRequest {
				t.Fatalf("CheckCredential: %v", err)
			}
			if tt.secret != "" && strings.Contains(aos.ErrorMessage(err), tt.secret) {
				t.Errorf("message %q contains the secret", aos.ErrorMessage(err))
			}
		})
	}
}
