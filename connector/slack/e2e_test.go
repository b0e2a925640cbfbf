package slack_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/hubspot"
	"github.com/aos-dev/aos/connector/hubspot/hubspottest"
	"github.com/aos-dev/aos/connector/slack"
	"github.com/aos-dev/aos/connector/slack/slacktest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/internal/testenv"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

const (
	botToken = "xoxb-1234-5678-0a1b2c3d4e5f"
	general  = "C0GENERAL"
	partner  = "C0PARTNER"
	newroom  = "C0NEWROOM"
	other    = "C0OTHER00"
)

// world is an aos instance with a slack connection "chat" to a fake
// workspace: every agent may read general; "comms" may write general,
// partner (shared with another organisation) and newroom.
type world struct {
	in            *gatewaytest.Instance
	slack         *slacktest.Server
	comms, reader string
}

func newWorld(t *testing.T, extra ...func(*world)) *world {
	t.Helper()
	w := &world{slack: slacktest.New(t, botToken), in: gatewaytest.Start(t, slack.New(), hubspot.New())}
	w.slack.AddChannel(slacktest.Channel{ID: general, Name: "general", NumMembers: 40})
	w.slack.AddChannel(slacktest.Channel{ID: partner, Name: "acme-partner", ExtShared: true, NumMembers: 8})
	w.slack.AddChannel(slacktest.Channel{ID: newroom, Name: "new-room", NumMembers: 3})
	w.slack.AddChannel(slacktest.Channel{ID: other, Name: "finance", NumMembers: 5})
	w.comms = w.in.Agent(t, "comms", "marketing")
	w.reader = w.in.Agent(t, "reader", "research")
	w.in.Connect(t, owner.ConnectRequest{Type: "slack", Name: "chat", Scope: "channel:" + general, To: "company",
		BaseURL: w.slack.URL + "/api", Credential: vault.NewSecret([]byte(botToken))})
	w.in.Grant(t, owner.GrantRequest{Connection: "chat", Scope: "channel:" + general + "," + partner + "," + newroom, Write: true, To: "comms"})
	return w
}

// call sends a Web API request through the proxy as an agent.
func (w *world) call(t *testing.T, token, method string, args url.Values) (int, []byte) {
	t.Helper()
	return w.in.Do(t, token, "POST", "/v1/proxy/chat/api/"+method,
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, args.Encode())
}

type answer struct {
	OK       bool              `json:"ok"`
	Error    json.RawMessage   `json:"error"`
	Approval string            `json:"approval_id"`
	Point    aos.ApprovalPoint `json:"approval_point"`
}

func read(b []byte) (a answer, code string) {
	json.Unmarshal(b, &a)
	var e struct{ Code string }
	json.Unmarshal(a.Error, &e)
	return a, e.Code
}

// checkUpstream fails unless every request Slack saw carried the bot
// token and nothing of the agents'.
func (w *world) checkUpstream(t *testing.T) {
	t.Helper()
	for _, r := range w.slack.Requests() {
		all := r.Authorization + string(r.Body) + r.Args.Encode()
		if r.Authorization != "Bearer "+botToken || strings.Contains(all, w.comms) || strings.Contains(all, w.reader) {
			t.Fatalf("Slack received %s with Authorization %q", r.Method, r.Authorization)
		}
	}
}

func TestGateway_Slack(t *testing.T) {
	w := newWorld(t)
	post := func(ch, text string) url.Values { return url.Values{"channel": {ch}, "text": {text}} }
	for _, c := range []struct {
		name, token, method string
		args                url.Values
		status              int
		code                string
		point               aos.ApprovalPoint
		reaches             []string // the methods Slack sees
	}{
		{"auth.test under any grant", w.reader, "auth.test", nil, 200, "", "", []string{"auth.test"}},
		{"learn general", w.comms, "conversations.info", url.Values{"channel": {general}, "include_num_members": {"true"}}, 200, "", "", []string{"conversations.info"}},
		{"post to general", w.comms, "chat.postMessage", post(general, "hi"), 200, "", "", []string{"chat.postMessage"}},
		{"read general", w.reader, "conversations.history", url.Values{"channel": {general}}, 200, "", "", []string{"conversations.history"}},
		{"read-only grant", w.reader, "chat.postMessage", post(general, "hi"), 403, aos.EReadOnly, "", nil},
		{"channel outside the grant", w.comms, "chat.postMessage", post(other, "hi"), 403, aos.EOutOfScope, "", nil},
		{"workspace method", w.comms, "users.list", nil, 403, aos.EOutOfScope, "", nil},
		{"undeclared method", w.comms, "admin.users.list", nil, 403, aos.EUnknownOperation, "", nil},
		{"a channel by name", w.comms, "chat.postMessage", post("#general", "hi"), 400, aos.EBadRequest, "", nil},
		{"a token argument", w.comms, "auth.test", url.Values{"token": {botToken}}, 400, aos.EBadRequest, "", nil},
		// A post to a channel aos has not seen is checked before sending and
		// decided again on what Slack says: sent to an internal room,
		// held when the room is shared outside the workspace.
		{"first post to newroom is checked, then sent", w.comms, "chat.postMessage", post(newroom, "hi"), 200, "", "", []string{"conversations.info", "chat.postMessage"}},
		{"first post to partner: external, held at public-claim", w.comms, "chat.postMessage", post(partner, "roadmap"), 202, "", aos.PointPublicClaim, []string{"conversations.info"}},
		{"upload slot held at customer-data", w.comms, "files.getUploadURLExternal", url.Values{"filename": {"a.csv"}, "length": {"10"}}, 202, "", aos.PointCustomerData, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(w.slack.Requests())
			status, body := w.call(t, c.token, c.method, c.args)
			a, code := read(body)
			if status != c.status || code != c.code || a.Point != c.point {
				t.Fatalf("%d %s, want %d %s %s", status, body, c.status, c.code, c.point)
			}
			if got := strings.Join(w.slack.Calls()[before:], " "); got != strings.Join(c.reaches, " ") {
				t.Fatalf("Slack saw %q, want %q", got, strings.Join(c.reaches, " "))
			}
		})
	}
	t.Run("POST /v1/call takes the method and its arguments", func(t *testing.T) {
		req, _ := http.NewRequest("POST", w.in.URL+"/v1/call",
			strings.NewReader(`{"connection":"chat","operation":"chat.postMessage","args":{"channel":"`+general+`","text":"via call"}}`))
		req.Header.Set("Authorization", "Bearer "+w.comms)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var res struct {
			Status int `json:"status"`
			Body   struct {
				OK bool `json:"ok"`
			} `json:"body"`
		}
		if json.Unmarshal(b, &res); resp.StatusCode != 200 || res.Status != 200 || !res.Body.OK {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	t.Run("the owner approves the held post and it is sent once", func(t *testing.T) {
		pending, err := w.in.Gateway.Approvals.List(context.Background(), false)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range pending {
			if a.Operation == "chat.postMessage" {
				if _, err := w.in.Gateway.Approve(context.Background(), w.in.Boss, a.ID, "partners may see the roadmap"); err != nil {
					t.Fatal(err)
				}
			}
		}
		if msgs := w.slack.Messages(partner); len(msgs) != 1 || msgs[0].Text != "roadmap" {
			t.Fatalf("partner has %+v", msgs)
		}
	})
	w.checkUpstream(t)
	w.in.Verify(t)
}

// TestGateway_SlackCustomerData posts a HubSpot contact's email into an
// internal Slack channel: HubSpot holds customer data (its connector says
// so), so the post is held at customer-data even though the channel is
// internal.
func TestGateway_SlackCustomerData(t *testing.T) {
	w := newWorld(t)
	hub := hubspottest.New(t, "pat-na1-hub")
	hub.Add("contacts", map[string]string{"email": "grace.hopper@customer.example", "firstname": "Grace"})
	w.in.Connect(t, owner.ConnectRequest{Type: "hubspot", Name: "crm", Scope: "object:contacts", To: "company", BaseURL: hub.URL,
		Credential: vault.NewSecret([]byte("pat-na1-hub"))})
	req, _ := http.NewRequest("GET", w.in.URL+"/v1/proxy/crm/crm/v3/objects/contacts?properties=email", nil)
	req.Header.Set("Authorization", "Bearer "+w.comms)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("reading HubSpot: %v %v", err, resp)
	}
	resp.Body.Close()
	w.call(t, w.comms, "conversations.info", url.Values{"channel": {general}, "include_num_members": {"true"}})
	status, body := w.call(t, w.comms, "chat.postMessage", url.Values{"channel": {general}, "text": {"call grace.hopper@customer.example today"}})
	if a, _ := read(body); status != 202 || a.Point != aos.PointCustomerData {
		t.Fatalf("%d %s", status, body)
	}
	if len(w.slack.Messages(general)) != 0 {
		t.Fatal("the message reached Slack")
	}
	w.in.Verify(t)
}

// TestNodeSDK runs the unmodified Slack Node SDK
// (internal/testtools/node/slack-sdk.mjs) against the gateway, then checks
// what the fake workspace received.
func TestNodeSDK(t *testing.T) {
	dir, node := testenv.NodeDir(t)
	w := newWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "slack-sdk.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AOS_URL="+w.in.URL, "AOS_TOKEN="+w.comms, "AOS_TOKEN_RO="+w.reader, "CONN=chat",
		"GENERAL="+general, "PARTNER="+partner, "NEWROOM="+newroom, "OTHER="+other)
	out, err := cmd.CombinedOutput()
	checks := 0
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		var c struct {
			Check string `json:"check"`
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}
		if json.Unmarshal([]byte(line), &c) != nil || c.Check == "" {
			t.Logf("node: %s", line)
			continue
		}
		checks++
		if !c.OK {
			t.Errorf("%s: %s", c.Check, c.Error)
		}
	}
	if err != nil || checks != 13 {
		t.Fatalf("node exited with %v after %d checks (want 13)", err, checks)
	}
	if got := len(w.slack.Messages(general)); got != 1 {
		t.Fatalf("general has %d messages", got)
	}
	if len(w.slack.Messages(partner)) != 0 || len(w.slack.Messages(other)) != 0 {
		t.Fatal("a held or denied post reached Slack")
	}
	for _, m := range w.slack.Calls() {
		if m == "files.getUploadURLExternal" || m == "conversations.list" || m == "admin.conversations.search" {
			t.Fatalf("Slack saw %s", m)
		}
	}
	// One held post, the upload slot, and the retrying client's held post
	// once: the SDK's retries re-send the held call, and each retry joins
	// the approval already pending instead of asking the owner again.
	pending, err := w.in.Gateway.Approvals.List(context.Background(), false)
	if err != nil || len(pending) != 3 {
		t.Fatalf("%d pending approvals (want 3): %v", len(pending), err)
	}
	w.checkUpstream(t)
	w.in.Verify(t)
}
