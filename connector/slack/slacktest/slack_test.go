package slacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func call(t *testing.T, s *Server, token, method, contentType, body string) (http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/api/"+method, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("Slack answers 200, got %d", resp.StatusCode)
	}
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return resp.Header, v
}

const form = "application/x-www-form-urlencoded"

func TestServer_Methods(t *testing.T) {
	s := New(t, "xoxb-test")
	s.AddChannel(Channel{ID: "C0GENERAL", Name: "general", NumMembers: 40})
	s.AddChannel(Channel{ID: "C0PARTNER", Name: "partner", ExtShared: true, NumMembers: 8})

	t.Run("auth and scopes", func(t *testing.T) {
		h, v := call(t, s, "xoxb-test", "auth.test", form, "")
		if v["ok"] != true || v["team_id"] != "T0ACME001" || !strings.Contains(h.Get("X-OAuth-Scopes"), "chat:write") {
			t.Fatalf("%v %v", h, v)
		}
		if _, v := call(t, s, "xoxb-wrong", "auth.test", form, ""); v["ok"] != false || v["error"] != "invalid_auth" {
			t.Fatalf("%v", v)
		}
		if _, v := call(t, s, "", "auth.test", form, ""); v["error"] != "not_authed" {
			t.Fatalf("%v", v)
		}
	})
	t.Run("conversations.info tells external and members on request", func(t *testing.T) {
		_, v := call(t, s, "xoxb-test", "conversations.info", form, "channel=C0PARTNER")
		ch := v["channel"].(map[string]any)
		if ch["is_ext_shared"] != true || ch["num_members"] != nil {
			t.Fatalf("%v", v)
		}
		_, v = call(t, s, "xoxb-test", "conversations.info", form, "channel=C0GENERAL&include_num_members=true")
		if ch := v["channel"].(map[string]any); ch["is_ext_shared"] != false || ch["num_members"] != 40.0 {
			t.Fatalf("%v", v)
		}
		if _, v := call(t, s, "xoxb-test", "conversations.info", form, "channel=C0NOWHERE"); v["error"] != "channel_not_found" {
			t.Fatalf("%v", v)
		}
	})
	t.Run("post, update, history in JSON and form", func(t *testing.T) {
		_, v := call(t, s, "xoxb-test", "chat.postMessage", "application/json; charset=utf-8", `{"channel":"C0GENERAL","text":"hi"}`)
		if v["ok"] != true || v["channel"] != "C0GENERAL" || v["ts"] == nil || v["message"].(map[string]any)["text"] != "hi" {
			t.Fatalf("%v", v)
		}
		ts := v["ts"].(string)
		if _, v := call(t, s, "xoxb-test", "chat.update", form, url.Values{"channel": {"C0GENERAL"}, "ts": {ts}, "text": {"hello"}}.Encode()); v["ok"] != true {
			t.Fatalf("%v", v)
		}
		_, v = call(t, s, "xoxb-test", "conversations.history", form, "channel=C0GENERAL")
		if msgs := v["messages"].([]any); len(msgs) != 1 || msgs[0].(map[string]any)["text"] != "hello" {
			t.Fatalf("%v", v)
		}
		if _, v := call(t, s, "xoxb-test", "chat.postMessage", form, "channel=C0GENERAL"); v["error"] != "no_text" {
			t.Fatalf("%v", v)
		}
	})
	t.Run("unknown method", func(t *testing.T) {
		if _, v := call(t, s, "xoxb-test", "admin.users.list", form, ""); v["error"] != "unknown_method" {
			t.Fatalf("%v", v)
		}
	})
	if got := strings.Join(s.Calls(), " "); !strings.HasPrefix(got, "auth.test auth.test auth.test conversations.info") {
		t.Fatalf("calls: %s", got)
	}
}
