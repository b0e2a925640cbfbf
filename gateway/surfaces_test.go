package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/connector/slack"
	"github.com/aos-dev/aos/connector/slack/slacktest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

const (
	slackToken = "xoxb-1234-5678-0a1b2c3d4e5f"
	general    = "C0GENERAL"
	// customer is a CRM contact's email, learnt when the agent reads it.
	customer = "grace.hopper@customer.example"
)

// upstreamLog is a plain HTTP upstream that records what reaches it.
type upstreamLog struct {
	mu   sync.Mutex
	seen []string // "METHOD URI"
}

func (u *upstreamLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.seen = append(u.seen, r.Method+" "+r.RequestURI)
	u.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"ok": true}`)
}

func (u *upstreamLog) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.seen)
}

// surfaces is an instance where an agent has read a CRM contact (so its
// email is learnt customer data) and may write to Slack's general channel
// and to a notes API through the http connector.
type surfaces struct {
	in    *gatewaytest.Instance
	slack *slacktest.Server
	notes *upstreamLog
	agent string
}

func newSurfaces(t *testing.T) *surfaces {
	t.Helper()
	s := &surfaces{slack: slacktest.New(t, slackToken), notes: &upstreamLog{},
		in: gatewaytest.Start(t, slack.New(), rest.New())}
	s.slack.AddChannel(slacktest.Channel{ID: general, Name: "general", NumMembers: 40})
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id": 7, "name": "Grace Hopper", "email": "`+customer+`"}`)
	}))
	t.Cleanup(crm.Close)
	notes := httptest.NewServer(s.notes)
	t.Cleanup(notes.Close)
	s.agent = s.in.Agent(t, "writer", "ops")
	s.in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", Scope: "/", To: "company", BaseURL: crm.URL, HoldsCustomerData: true,
		Credential: vault.NewSecret([]byte("crm-key-1234567890"))})
	s.in.Connect(t, owner.ConnectRequest{Type: "http", Name: "notes", Scope: "/", To: "company", Write: true, BaseURL: notes.URL,
		Credential: vault.NewSecret([]byte("notes-key-1234567890"))})
	s.in.Connect(t, owner.ConnectRequest{Type: "slack", Name: "chat", Scope: "channel:" + general, To: "company", Write: true,
		BaseURL: s.slack.URL + "/api", Credential: vault.NewSecret([]byte(slackToken))})
	if status, body := s.do(t, "GET", "/v1/proxy/crm/contacts/7", nil, ""); status != 200 {
		t.Fatalf("reading the CRM: %d %s", status, body)
	}
	// Slack's channel is learnt (internal, 40 members), so a post is
	// decided on its content alone.
	if status, body := s.do(t, "POST", "/v1/proxy/chat/api/conversations.info?channel="+general+"&include_num_members=true", nil, ""); status != 200 {
		t.Fatalf("learning the channel: %d %s", status, body)
	}
	return s
}

// do sends an agent's request through the gateway.
func (s *surfaces) do(t *testing.T, method, path string, header http.Header, body string) (int, []byte) {
	t.Helper()
	return s.in.Do(t, s.agent, method, path, header, body)
}

// TestGateway_ScanBeyondTheBody sends customer data, and a card number, in
// every part of an upstream request other than the body: the query, a
// header field, the path. Each is held at customer-data and the upstream
// sees nothing; the same request without them is sent.
func TestGateway_ScanBeyondTheBody(t *testing.T) {
	s := newSurfaces(t)
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	ua := func(v string) http.Header {
		return http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "User-Agent": {v}}
	}
	type reached func() int
	slackPosts := func() int { return len(s.slack.Messages(general)) }
	for _, c := range []struct {
		name, method, path string
		header             http.Header
		body               string
		held               bool
		upstream           reached
	}{
		{"slack: customer email in the query, empty body", "POST",
			"/v1/proxy/chat/api/chat.postMessage?channel=" + general + "&text=call+" + customer, form, "", true, slackPosts},
		{"slack: customer email in a forwarded header", "POST",
			"/v1/proxy/chat/api/chat.postMessage", ua("bot for " + customer), "channel=" + general + "&text=hi", true, slackPosts},
		{"slack: card number in the query", "POST",
			"/v1/proxy/chat/api/chat.postMessage?channel=" + general + "&text=4242+4242+4242+4242", form, "", true, slackPosts},
		{"slack: zero-width space inside the address, in the body", "POST",
			"/v1/proxy/chat/api/chat.postMessage", form, "channel=" + general + "&text=call+grace%E2%80%8B.hopper%40customer.example", true, slackPosts},
		{"slack: clean query is sent", "POST",
			"/v1/proxy/chat/api/chat.postMessage?channel=" + general + "&text=standup+at+ten", form, "", false, slackPosts},
		{"http: card number in the query", "POST", "/v1/proxy/notes/v1/notes?text=card+4242+4242+4242+4242", nil, "", true, s.notes.count},
		{"http: customer email in the query of a read", "GET", "/v1/proxy/notes/v1/search?q=" + customer, nil, "", true, s.notes.count},
		{"http: customer email in a header", "POST", "/v1/proxy/notes/v1/notes", http.Header{"User-Agent": {"notes-bot for " + customer}}, "{}", true, s.notes.count},
		{"http: customer email in the path", "PUT", "/v1/proxy/notes/v1/notes/" + customer, nil, "{}", true, s.notes.count},
		{"http: clean query and headers are sent", "POST", "/v1/proxy/notes/v1/notes?text=hello", http.Header{"User-Agent": {"notes-bot/1.0"}}, "{}", false, s.notes.count},
		{"the CRM's own customer, back to the CRM", "GET", "/v1/proxy/crm/contacts?email=" + customer, nil, "", false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := 0
			if c.upstream != nil {
				before = c.upstream()
			}
			status, body := s.do(t, c.method, c.path, c.header, c.body)
			var a struct {
				Point aos.ApprovalPoint `json:"approval_point"`
			}
			json.Unmarshal(body, &a)
			if c.held && (status != http.StatusAccepted || a.Point != aos.PointCustomerData) {
				t.Fatalf("%d %s, want held at customer-data", status, body)
			}
			if !c.held && status != http.StatusOK {
				t.Fatalf("%d %s, want sent", status, body)
			}
			if c.upstream == nil {
				return
			}
			if got, want := c.upstream()-before, map[bool]int{true: 0, false: 1}[c.held]; got != want {
				t.Fatalf("the upstream got %d requests, want %d", got, want)
			}
		})
	}
	t.Run("the owner approves the held read and it is sent once", func(t *testing.T) {
		var approvalID string
		if status, body := s.do(t, "GET", "/v1/proxy/notes/v1/lookup?q="+customer, nil, ""); status == http.StatusAccepted {
			var a struct {
				ID string `json:"approval_id"`
			}
			json.Unmarshal(body, &a)
			approvalID = a.ID
		} else {
			t.Fatalf("%d %s, want held", status, body)
		}
		before := s.notes.count()
		ap, err := s.in.Gateway.Approve(context.Background(), s.in.Boss, approvalID, "a lookup the owner allows")
		if err != nil || ap.Status != aos.ApprovalExecuted {
			t.Fatalf("approve: %v %+v", err, ap)
		}
		if got := s.notes.count() - before; got != 1 {
			t.Fatalf("the upstream got %d requests, want 1", got)
		}
	})
	s.in.Verify(t)
}
