package slack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/slack/slacktest"
	"github.com/aos-dev/aos/vault"
)

const botToken = "xoxb-1111-2222-abcdefabcdef"

// clock is a fake clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func fakeSlack(t *testing.T) (*Connector, *aos.Connection, *slacktest.Server, *clock) {
	t.Helper()
	f := slacktest.New(t, botToken)
	f.AddChannel(slacktest.Channel{ID: chanGeneral, Name: "general", NumMembers: 40})
	f.AddChannel(slacktest.Channel{ID: chanPartner, Name: "partner", ExtShared: true, NumMembers: 8})
	clk := &clock{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	k := New(WithClock(clk.now))
	c := &aos.Connection{ID: 1, Name: "chat", BaseURL: f.URL + "/api"}
	if err := k.Configure(c); err != nil {
		t.Fatal(err)
	}
	return k, c, f, clk
}

func mustMap(t *testing.T, k *Connector, c *aos.Connection, r *connector.HTTPRequest) *connector.Call {
	t.Helper()
	call, err := k.FromHTTP(c, r)
	if err != nil {
		t.Fatal(err)
	}
	return call
}

func TestConnector_Do(t *testing.T) {
	k, c, f, clk := fakeSlack(t)
	ctx := context.Background()
	secret := vault.NewSecret([]byte(botToken + "\n"))
	post := func(ch string) *connector.HTTPRequest {
		return req("POST", "chat.postMessage", "", formType, "channel="+ch+"&text=hello")
	}

	t.Run("a first post to an unseen channel is checked, then sent again", func(t *testing.T) {
		call := mustMap(t, k, c, post(chanGeneral))
		if call.Facts.Recipients != 0 {
			t.Fatalf("facts %+v", call.Facts)
		}
		_, err := k.Do(ctx, c, secret, call)
		var rd *connector.Redecide
		if !errors.As(err, &rd) || !strings.Contains(err.Error(), "(40)") || len(f.Messages(chanGeneral)) != 0 {
			t.Fatalf("%v", err)
		}
		if calls := f.Calls(); !slices.Equal(calls, []string{"conversations.info"}) {
			t.Fatalf("calls %v", calls)
		}
		call = mustMap(t, k, c, post(chanGeneral))
		if call.Facts.Public || call.Facts.Recipients != 40 {
			t.Fatalf("facts %+v", call.Facts)
		}
		resp, err := k.Do(ctx, c, secret, call)
		if err != nil || !strings.Contains(string(resp.Body), `"ok":true`) {
			t.Fatalf("%v %+v", err, resp)
		}
		reqs := f.Requests()
		last := reqs[len(reqs)-1]
		if last.Method != "chat.postMessage" || last.Authorization != "Bearer "+botToken || last.Args.Get("token") != "" {
			t.Fatalf("upstream saw %+v", last)
		}
		if len(f.Messages(chanGeneral)) != 1 {
			t.Fatal("no message posted")
		}
	})
	t.Run("a lone DM recipient needs no second send", func(t *testing.T) {
		f.AddChannel(slacktest.Channel{ID: "D0PERSON1", IM: true})
		if _, err := k.Do(ctx, c, secret, mustMap(t, k, c, post("D0PERSON1"))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("learns from the agent's conversations.info", func(t *testing.T) {
		info := mustMap(t, k, c, req("POST", "conversations.info", "", formType, "channel="+chanBig+"&include_num_members=true"))
		f.AddChannel(slacktest.Channel{ID: chanBig, Name: "big", NumMembers: 900})
		if resp, err := k.Do(ctx, c, secret, info); err != nil || resp.Status != 200 {
			t.Fatalf("%v %+v", err, resp)
		}
		if call := mustMap(t, k, c, post(chanBig)); call.Facts.Public || call.Facts.Recipients != 900 {
			t.Fatalf("facts %+v", call.Facts)
		}
	})
	t.Run("learns external from an answer without member counts", func(t *testing.T) {
		info := mustMap(t, k, c, req("GET", "conversations.info", "channel="+chanPartner, "", ""))
		if _, err := k.Do(ctx, c, secret, info); err != nil {
			t.Fatal(err)
		}
		if call := mustMap(t, k, c, post(chanPartner)); !call.Facts.Public {
			t.Fatalf("facts %+v", call.Facts)
		}
	})
	t.Run("a channel that became external is not posted to", func(t *testing.T) {
		call := mustMap(t, k, c, post(chanGeneral)) // decided as internal
		clk.t = clk.t.Add(recheckAfter + time.Second)
		f.AddChannel(slacktest.Channel{ID: chanGeneral, Name: "general", ExtShared: true, NumMembers: 41})
		before := len(f.Messages(chanGeneral))
		_, err := k.Do(ctx, c, secret, call)
		var rd *connector.Redecide
		if !errors.As(err, &rd) || len(f.Messages(chanGeneral)) != before {
			t.Fatalf("%v; messages %d → %d", err, before, len(f.Messages(chanGeneral)))
		}
		if calls := f.Calls(); calls[len(calls)-1] != "conversations.info" {
			t.Fatalf("did not look the channel up: %v", calls)
		}
		if again := mustMap(t, k, c, post(chanGeneral)); !again.Facts.Public || again.Facts.Recipients != 41 {
			t.Fatalf("sending again: %+v", again.Facts)
		}
	})
	t.Run("a post decided as public is sent without a lookup", func(t *testing.T) {
		call := mustMap(t, k, c, post(chanPartner))
		clk.t = clk.t.Add(time.Hour)
		n := len(f.Requests())
		if _, err := k.Do(ctx, c, secret, call); err != nil {
			t.Fatal(err)
		}
		if calls := f.Calls()[n:]; !slices.Equal(calls, []string{"chat.postMessage"}) {
			t.Fatalf("calls %v", calls)
		}
	})
	t.Run("a channel that cannot be looked up is not posted to", func(t *testing.T) {
		k.channels.put(c, chanUnseen, channelInfo{members: 3, membersKnown: true, at: clk.t.Add(-time.Hour)})
		call := mustMap(t, k, c, post(chanUnseen))
		_, err := k.Do(ctx, c, secret, call)
		if aos.ErrorCode(err) != aos.EUpstream || !strings.Contains(err.Error(), "channel_not_found") {
			t.Fatalf("%v", err)
		}
		if calls := f.Calls(); calls[len(calls)-1] != "conversations.info" {
			t.Fatalf("calls %v", calls)
		}
	})

	// A call sealed for an approval is read again once, by the gateway's
	// connector.Recheck, before Do sends it as decided.
	for _, tc := range []struct {
		name   string
		change func(*connector.Call)
		code   string
	}{
		{"another host", func(c *connector.Call) { c.Upstream.URL = "https://evil.example/api/chat.postMessage" }, aos.EOutOfScope},
		{"another channel", func(c *connector.Call) { c.Upstream.Body = []byte("channel=" + chanPartner + "&text=x") }, aos.EOutOfScope},
		{"another method", func(c *connector.Call) {
			c.Upstream.URL = strings.Replace(c.Upstream.URL, "chat.postMessage", "chat.delete", 1)
		}, aos.EUnknownOperation},
		{"a token smuggled in", func(c *connector.Call) { c.Upstream.Body = append(c.Upstream.Body, "&token=xoxb-other"...) }, aos.EBadRequest},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			k.channels.put(c, chanGeneral, channelInfo{members: 40, membersKnown: true, at: clk.t})
			call := mustMap(t, k, c, post(chanGeneral))
			tc.change(call)
			n := len(f.Requests())
			if _, err := recheckAndDo(ctx, k, c, secret, call); aos.ErrorCode(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			if len(f.Requests()) != n {
				t.Fatal("the upstream saw a refused request")
			}
		})
	}
}

func TestConnector_Inspect(t *testing.T) {
	k, c, f, _ := fakeSlack(t)
	info, err := k.Inspect(context.Background(), c, vault.NewSecret([]byte(botToken)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(info.Kind, "bot token for team Acme (T0ACME001), user aosbot") || !info.CanWrite || !info.AccountWide ||
		!slices.Contains(info.Scopes, "chat:write") {
		t.Fatalf("%+v", info)
	}
	f.Scopes = []string{"channels:read", "channels:history"}
	if info, err := k.Inspect(context.Background(), c, vault.NewSecret([]byte(botToken))); err != nil || info.CanWrite {
		t.Fatalf("%v %+v", err, info)
	}
	_, err = k.Inspect(context.Background(), c, vault.NewSecret([]byte("xoxb-wrong-token")))
	if aos.ErrorCode(err) != aos.EUpstream || !strings.Contains(err.Error(), "invalid_auth") || strings.Contains(err.Error(), "xoxb-wrong") {
		t.Fatalf("%v", err)
	}
}

func TestConnector_CheckCredential(t *testing.T) {
	k := New()
	for _, tc := range []struct {
		secret string
		ok     bool
	}{
		{botToken, true}, {"xoxp-1-2-3", true}, {"xoxe.xoxb-1-abc", true}, {botToken + "\n", true},
		{"", false}, {"xapp-1-A1-2-abc", false}, {"xoxc-123", false}, {"xoxb- x", false}, {"Bearer xoxb-1", false},
	} {
		err := k.CheckCredential(nil, vault.NewSecret([]byte(tc.secret)))
		if (err == nil) != tc.ok || err != nil && tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
			t.Errorf("%q: %v", tc.secret, err)
		}
	}
}

func TestConnector_Learn(t *testing.T) {
	k, c, _, _ := fakeSlack(t)
	ctx := context.Background()
	secret := vault.NewSecret([]byte(botToken))
	list := mustMap(t, k, c, req("POST", "conversations.list", "", formType, "types=public_channel,private_channel"))
	if _, err := k.Do(ctx, c, secret, list); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ch         string
		public     bool
		recipients int
	}{{chanGeneral, false, 40}, {chanPartner, true, 8}} {
		if f := mustMap(t, k, c, req("POST", "chat.postMessage", "", formType, "channel="+tc.ch+"&text=x")).Facts; f.Public != tc.public || f.Recipients != tc.recipients {
			t.Errorf("%s: %+v", tc.ch, f)
		}
	}
	// A failed answer teaches nothing.
	k.learn(c, []byte(`{"ok":false,"channel":{"id":"C0FAILED1","is_ext_shared":true}}`))
	if _, ok := k.channels.get(c, "C0FAILED1"); ok {
		t.Fatal("learnt from ok:false")
	}
	// A channel object that does not say whether it is shared teaches nothing.
	k.learn(c, []byte(`{"ok":true,"channel":{"id":"C0SILENT1","num_members":3}}`))
	if _, ok := k.channels.get(c, "C0SILENT1"); ok {
		t.Fatal("learnt from a silent channel object")
	}
}

func TestConnector_DoOwnerSettings(t *testing.T) {
	k, c, f, _ := fakeSlack(t)
	ctx := context.Background()
	secret := vault.NewSecret([]byte(botToken))
	k.channels.put(c, chanGeneral, channelInfo{members: 40, membersKnown: true, at: k.now()})
	call := mustMap(t, k, c, req("POST", "chat.postMessage", "", formType, "channel="+chanGeneral+"&text=x"))
	// The owner lists general as external after the call was decided.
	c.Config = []byte(`{"external_channels":["` + chanGeneral + `"]}`)
	var rd *connector.Redecide
	if _, err := k.Do(ctx, c, secret, call); !errors.As(err, &rd) {
		t.Fatalf("%v", err)
	}
	if again := mustMap(t, k, c, req("POST", "chat.postMessage", "", formType, "channel="+chanGeneral+"&text=x")); !again.Facts.Public {
		t.Fatalf("%+v", again.Facts)
	}
	if len(f.Messages(chanGeneral)) != 0 {
		t.Fatal("posted")
	}
}

// recheckAndDo sends a call as the gateway sends an approved one: read
// again by connector.Recheck, then sent by Do as decided.
func recheckAndDo(ctx context.Context, k *Connector, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	if err := connector.Recheck(k, c, call); err != nil {
		return nil, err
	}
	return k.Do(ctx, c, secret, call)
}

// TestConnector_Do_sendsAsDecided: Do does not read the request again. It
// sends call.Upstream as it is and refuses a call it did not map; read
// again, a post keeps the facts learnt of its channels as decided, even
// when the connector has learnt more since, and Do confirms them.
func TestConnector_Do_sendsAsDecided(t *testing.T) {
	k, c, f, clk := fakeSlack(t)
	ctx := context.Background()
	secret := vault.NewSecret([]byte(botToken))
	k.channels.put(c, chanGeneral, channelInfo{members: 40, membersKnown: true, at: clk.t})
	call := mustMap(t, k, c, req("POST", "chat.postMessage", "", formType, "channel="+chanGeneral+"&text=hello"))
	if call.Facts.Recipients != 40 {
		t.Fatalf("facts %+v", call.Facts)
	}
	sealed := &connector.Call{Operation: call.Operation, Resource: call.Resource, Facts: call.Facts, Upstream: call.Upstream}
	if _, err := k.Do(ctx, c, secret, sealed); aos.ErrorCode(err) != aos.EInternal {
		t.Fatalf("Do of a call it did not map = %v; want internal", err)
	}
	call.Upstream.Body = []byte("channel=" + chanGeneral + "&text=changed")
	if resp, err := k.Do(ctx, c, secret, call); err != nil || resp.Status != 200 {
		t.Fatalf("Do = %v, %v", resp, err)
	}
	if msgs := f.Messages(chanGeneral); len(msgs) != 1 || msgs[0].Text != "changed" {
		t.Fatalf("general has %+v", msgs)
	}
	// The channel grew since the decision: the approved post still goes.
	k.channels.put(c, chanGeneral, channelInfo{members: 41, membersKnown: true, at: clk.t})
	sealed.Upstream = &connector.Outbound{Method: call.Upstream.Method, URL: call.Upstream.URL, Header: call.Upstream.Header,
		Body: []byte("channel=" + chanGeneral + "&text=again")}
	if _, err := recheckAndDo(ctx, k, c, secret, sealed); err != nil {
		t.Fatalf("read again after the channel grew: %v", err)
	}
	if msgs := f.Messages(chanGeneral); len(msgs) != 2 || msgs[1].Text != "again" {
		t.Fatalf("general has %+v", msgs)
	}
}
