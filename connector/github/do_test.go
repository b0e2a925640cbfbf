package github

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/github/githubtest"
	"github.com/aos-dev/aos/vault"
)

const fakeToken = "ghp_sealedtoken0000000000000000000000"

// upstream is a fake GitHub with acme/app (default branch main, a pull
// request from feature into release) and a connection to it.
func upstream(t *testing.T) (*githubtest.Server, *aos.Connection) {
	t.Helper()
	f := githubtest.Start(t, fakeToken)
	full := f.AddRepo("acme", "app", "main", true)
	f.AddPull(full, "release", "feature", "Feature")
	c := &aos.Connection{ID: 1, Name: "gh", Type: Type, BaseURL: f.URL}
	if err := New().Configure(c); err != nil {
		t.Fatal(err)
	}
	return f, c
}

// run maps and sends one request as the gateway would.
func run(t *testing.T, k *Connector, c *aos.Connection, method, path, body string, h http.Header) (*connector.Call, *connector.Response, error) {
	t.Helper()
	if h == nil {
		h = http.Header{}
	}
	call, err := k.FromHTTP(c, &connector.HTTPRequest{Method: method, RawPath: path, Header: h, Body: []byte(body)})
	if err != nil {
		t.Fatalf("FromHTTP %s %s: %v", method, path, err)
	}
	resp, err := k.Do(context.Background(), c, vault.NewSecret([]byte(fakeToken+"\n")), call)
	return call, resp, err
}

func TestConnector_Do(t *testing.T) {
	t.Run("the token replaces the agent's, and only GitHub's headers go", func(t *testing.T) {
		f, c := upstream(t)
		h := http.Header{"Authorization": {"token aos_agent"}, "Cookie": {"s=1"}, "X-Github-Api-Version": {"2022-11-28"},
			"Aos-Purpose": {"x"}, "X-Custom": {"10.0.0.1"}}
		_, resp, err := run(t, New(), c, "GET", "/repos/acme/app", "", h)
		if err != nil || resp.Status != 200 {
			t.Fatalf("got %v, %v", resp, err)
		}
		got := f.Requests()[0]
		if got.Authorization != "Bearer "+fakeToken {
			t.Errorf("upstream Authorization = %q", got.Authorization)
		}
		for _, name := range []string{"Cookie", "Aos-Purpose", "X-Custom"} {
			if v := got.Header.Get(name); v != "" {
				t.Errorf("upstream got %s: %q", name, v)
			}
		}
		if got.Header.Get("X-Github-Api-Version") != "2022-11-28" || got.Header.Get("User-Agent") != defaultUserAgent {
			t.Errorf("upstream headers: %v", got.Header)
		}
	})
	t.Run("a wrong token's 401 passes through", func(t *testing.T) {
		f, c := upstream(t)
		f.Token = "ghp_other"
		_, resp, err := run(t, New(), c, "GET", "/repos/acme/app", "", nil)
		if err != nil || resp.Status != 401 || !strings.Contains(string(resp.Body), "Bad credentials") {
			t.Fatalf("got %v, %v", resp, err)
		}
	})
	// A call sealed for an approval is read again once, by the gateway's
	// connector.Recheck, before Do sends it as decided.
	t.Run("nothing is sent that was not authorised", func(t *testing.T) {
		f, c := upstream(t)
		k := New()
		call, err := k.FromHTTP(c, &connector.HTTPRequest{Method: "GET", RawPath: "/repos/acme/app", Header: http.Header{}})
		if err != nil {
			t.Fatal(err)
		}
		tamper := []struct {
			name, method, url, code string
		}{
			{"another host", "GET", "https://evil.example/repos/acme/app", aos.EOutOfScope},
			{"another repository", "GET", c.BaseURL + "/repos/acme/other", aos.EOutOfScope},
			{"another operation", "DELETE", c.BaseURL + "/repos/acme/app", aos.EUnknownOperation},
			{"a climbing path", "GET", c.BaseURL + "/repos/acme/app/../other", aos.EOutOfScope},
			{"a user in the URL", "GET", strings.Replace(c.BaseURL, "://", "://u:p@", 1) + "/repos/acme/app", aos.EOutOfScope},
		}
		for _, tt := range tamper {
			bad := *call
			out := *call.Upstream
			out.Method, out.URL = tt.method, tt.url
			bad.Upstream = &out
			if _, err := recheckAndDo(k, c, &bad); aos.ErrorCode(err) != tt.code {
				t.Errorf("%s: got %v, want %s", tt.name, err, tt.code)
			}
		}
		if n := len(f.Requests()); n != 0 {
			t.Errorf("the upstream received %d requests", n)
		}
	})
	t.Run("an unusable token is an upstream error without the token", func(t *testing.T) {
		_, c := upstream(t)
		k := New()
		call, _ := k.FromHTTP(c, &connector.HTTPRequest{Method: "GET", RawPath: "/repos/acme/app", Header: http.Header{}})
		_, err := k.Do(context.Background(), c, vault.NewSecret([]byte("ghp_ab cd")), call)
		if aos.ErrorCode(err) != aos.EUpstream || strings.Contains(err.Error(), "ghp_ab") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a push let through is confirmed first", func(t *testing.T) {
		f, c := upstream(t)
		k := New()
		run(t, k, c, "GET", "/repos/acme/app", "", nil) // learns main
		call, resp, err := run(t, k, c, "PATCH", "/repos/acme/app/git/refs/heads%2Ffeature", `{"sha":"abc"}`, nil)
		if err != nil || resp.Status != 200 || call.Facts.Production {
			t.Fatalf("got %v, %v, production %v", resp, err, call.Facts.Production)
		}
		reqs := f.Requests()
		if len(reqs) != 3 || reqs[1].Method != "GET" || reqs[1].Path != "/repos/acme/app" || reqs[2].Path != "/repos/acme/app/git/refs/heads%2Ffeature" {
			t.Errorf("upstream requests: %+v", reqs)
		}
	})
	t.Run("a push whose target became the default is not sent", func(t *testing.T) {
		f, c := upstream(t)
		k := New()
		run(t, k, c, "GET", "/repos/acme/app", "", nil) // learns main
		call, err := k.FromHTTP(c, &connector.HTTPRequest{Method: "PATCH", RawPath: "/repos/acme/app/git/refs/heads/feature",
			Header: http.Header{}, Body: []byte(`{"sha":"abc"}`)})
		if err != nil || call.Facts.Production {
			t.Fatalf("got %v, production %v", err, call != nil && call.Facts.Production)
		}
		f.SetDefaultBranch("acme/app", "feature")
		var rd *connector.Redecide
		if _, err := k.Do(context.Background(), c, vault.NewSecret([]byte(fakeToken)), call); !errors.As(err, &rd) {
			t.Fatalf("got %v, want a redecision", err)
		}
		if again, _ := k.FromHTTP(c, &connector.HTTPRequest{Method: "PATCH", RawPath: "/repos/acme/app/git/refs/heads/feature",
			Header: http.Header{}, Body: []byte(`{"sha":"abc"}`)}); again == nil || !again.Facts.Production {
			t.Error("mapped again, the push is not production")
		}
		if f.Ref("acme/app", "heads/feature") == "abc" {
			t.Error("the ref moved")
		}
		again, _ := k.FromHTTP(c, &connector.HTTPRequest{Method: "PATCH", RawPath: "/repos/acme/app/git/refs/heads/feature",
			Header: http.Header{}, Body: []byte(`{"sha":"abc"}`)})
		if !again.Facts.Production {
			t.Error("sent again, the push is not production")
		}
	})
	t.Run("a merge is confirmed against the pull request", func(t *testing.T) {
		f, c := upstream(t)
		k := New()
		run(t, k, c, "GET", "/repos/acme/app", "", nil)
		run(t, k, c, "GET", "/repos/acme/app/pulls/1", "", nil) // base release
		call, resp, err := run(t, k, c, "PUT", "/repos/acme/app/pulls/1/merge", `{}`, nil)
		if err != nil || resp.Status != 200 || call.Facts.Production || !f.Merged("acme/app", 1) {
			t.Fatalf("got %v, %v, production %v", resp, err, call.Facts.Production)
		}
	})
	t.Run("an approved production call is sent as it is", func(t *testing.T) {
		f, c := upstream(t)
		call, resp, err := run(t, New(), c, "PUT", "/repos/acme/app/pulls/1/merge", `{}`, nil)
		if err != nil || resp.Status != 200 || !call.Facts.Production || len(f.Requests()) != 1 {
			t.Fatalf("got %v, %v, production %v, %d requests", resp, err, call.Facts.Production, len(f.Requests()))
		}
	})
}

func TestConnector_Configure(t *testing.T) {
	tests := []struct {
		base, auth, want string // want "" for an error
	}{
		{"", "", "https://api.github.com"},
		{"https://GHE.example.com/api/v3/", "bearer", "https://ghe.example.com/api/v3"},
		{"http://127.0.0.1:8080", "", "http://127.0.0.1:8080"},
		{"ftp://x", "", ""},
		{"https://u:p@api.github.com", "", ""},
		{"https://api.github.com?x=1", "", ""},
		{"https://api.github.com/a/../b", "", ""},
		{"https://api.github.com", "basic", ""},
	}
	for _, tt := range tests {
		t.Run(tt.base+" "+tt.auth, func(t *testing.T) {
			c := &aos.Connection{BaseURL: tt.base, Auth: tt.auth}
			err := New().Configure(c)
			if tt.want == "" {
				if aos.ErrorCode(err) != aos.EBadRequest {
					t.Errorf("got %v, want bad_request", err)
				}
				return
			}
			if err != nil || c.BaseURL != tt.want || c.Auth != "bearer" {
				t.Errorf("got %q %q %v", c.BaseURL, c.Auth, err)
			}
		})
	}
	c := &aos.Connection{Config: []byte(`{"operations":[]}`)}
	if aos.ErrorCode(New().Configure(c)) != aos.EBadRequest {
		t.Error("config was accepted")
	}
}

func TestRewriteLinks(t *testing.T) {
	ep, _ := parseBaseURL("https://ghe.example.com/api/v3")
	p, _ := parsePath("/repos/acme/app/issues")
	tests := []struct{ in, want string }{
		{`<https://ghe.example.com/api/v3/repositories/42/issues?per_page=2&page=2>; rel="next", <https://ghe.example.com/api/v3/repositories/42/issues?per_page=2&page=5>; rel="last"`,
			`</repos/acme/app/issues?per_page=2&page=2>; rel="next", </repos/acme/app/issues?per_page=2&page=5>; rel="last"`},
		{`<https://ghe.example.com/api/v3/repos/acme/app/issues?page=2>; rel="next"`, `</repos/acme/app/issues?page=2>; rel="next"`},
		{`<https://ghe.example.com/api/v3/repositories/42/pulls?page=2>; rel="next"`, `</repositories/42/pulls?page=2>; rel="next"`},
		{`<https://other.example.com/api/v3/repos/acme/app/issues?page=2>; rel="next"`, `<https://other.example.com/api/v3/repos/acme/app/issues?page=2>; rel="next"`},
		{`<https://ghe.example.com/elsewhere?page=2>; rel="next"`, `<https://ghe.example.com/elsewhere?page=2>; rel="next"`},
		{`garbage`, `garbage`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h := http.Header{"Link": {tt.in}}
			rewriteLinks(h, ep, p)
			if got := h.Get("Link"); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// recheckAndDo sends a call as the gateway sends an approved one: read
// again by connector.Recheck, then sent by Do as decided.
func recheckAndDo(k *Connector, c *aos.Connection, call *connector.Call) (*connector.Response, error) {
	if err := connector.Recheck(k, c, call); err != nil {
		return nil, err
	}
	return k.Do(context.Background(), c, vault.NewSecret([]byte(fakeToken)), call)
}

// TestConnector_Do_sendsAsDecided: Do does not read the request again. It
// sends call.Upstream as it is, and refuses a call it did not map; read
// again, a call whose request was changed after the decision is refused.
func TestConnector_Do_sendsAsDecided(t *testing.T) {
	f, c := upstream(t)
	k := New()
	call, err := k.FromHTTP(c, &connector.HTTPRequest{Method: "POST", RawPath: "/repos/acme/app/issues",
		Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"title":"t"}`)})
	if err != nil {
		t.Fatal(err)
	}
	sealed := &connector.Call{Operation: call.Operation, Resource: call.Resource, Facts: call.Facts, Upstream: call.Upstream}
	if _, err := k.Do(context.Background(), c, vault.NewSecret([]byte(fakeToken)), sealed); aos.ErrorCode(err) != aos.EInternal {
		t.Fatalf("Do of a call it did not map = %v; want internal", err)
	}
	call.Upstream.Body = []byte(`{"title":"changed"}`)
	if resp, err := k.Do(context.Background(), c, vault.NewSecret([]byte(fakeToken)), call); err != nil || resp.Status != 201 {
		t.Fatalf("Do = %v, %v", resp, err)
	}
	if reqs := f.Requests(); len(reqs) != 1 || string(reqs[0].Body) != `{"title":"changed"}` {
		t.Fatalf("GitHub received %+v", reqs)
	}
	sealed.Upstream.Body = []byte(`{"title":"changed again","labels":["x"]}`)
	sealed.Facts.Public = true
	if _, err := recheckAndDo(k, c, sealed); aos.ErrorCode(err) != aos.EUnknownOperation {
		t.Fatalf("read again with other facts = %v; want unknown_operation", err)
	}
	if n := len(f.Requests()); n != 1 {
		t.Fatalf("GitHub received %d requests", n)
	}
}
