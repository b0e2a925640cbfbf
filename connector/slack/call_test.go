package slack

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/internal/gatewaytest"
)

const (
	chanGeneral = "C0GENERAL"
	chanPartner = "C0PARTNER"
	chanBig     = "C0BIGROOM"
	chanUnseen  = "C0UNSEEN1"
	chanConfig  = "C0CONFIG1"
)

// testConnector returns a connector that knows general (internal, 40
// members), partner (external, 8) and big (internal, 900), and a
// connection whose settings list chanConfig as external.
func testConnector(t testing.TB) (*Connector, *aos.Connection) {
	t.Helper()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	k := New(WithClock(func() time.Time { return now }))
	c := &aos.Connection{ID: 9, Name: "chat", Config: []byte(`{"external_channels":["` + chanConfig + `"]}`)}
	if err := k.Configure(c); err != nil {
		t.Fatal(err)
	}
	k.channels.put(c, chanGeneral, channelInfo{members: 40, membersKnown: true, at: now})
	k.channels.put(c, chanPartner, channelInfo{external: true, members: 8, membersKnown: true, at: now})
	k.channels.put(c, chanBig, channelInfo{members: 900, membersKnown: true, at: now})
	return k, c
}

func req(verb, method, query, ctype, body string) *connector.HTTPRequest {
	h := http.Header{"Authorization": {"Bearer aos_agent_x"}, "Cookie": {"d=1"}}
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	return &connector.HTTPRequest{Method: verb, RawPath: "/api/" + method, RawQuery: query, Header: h, Body: []byte(body)}
}

const formType = "application/x-www-form-urlencoded"

func multipartBody(fields ...string) (string, string) {
	var b strings.Builder
	for i := 0; i+1 < len(fields); i += 2 {
		b.WriteString("--BB\r\nContent-Disposition: form-data; name=\"" + fields[i] + "\"\r\n\r\n" + fields[i+1] + "\r\n")
	}
	b.WriteString("--BB--\r\n")
	return "multipart/form-data; boundary=BB", b.String()
}

func TestConnector_FromHTTP(t *testing.T) {
	k, c := testConnector(t)
	mpType, mpBody := multipartBody("channels", chanGeneral, "content", "quarterly numbers", "filename", "q.txt")
	for _, tc := range []struct {
		name          string
		r             *connector.HTTPRequest
		op            string
		access        aos.Access
		resource      string
		public, share bool
		recipients    int
	}{
		{"auth.test", req("POST", "auth.test", "", "", ""), "auth.test", aos.Read, "self", false, false, 0},
		{"history by GET", req("GET", "conversations.history", "channel="+chanGeneral+"&limit=5", "", ""), "conversations.history", aos.Read, "channel:" + chanGeneral, false, false, 0},
		{"info by form", req("POST", "conversations.info", "", formType, "channel="+chanUnseen), "conversations.info", aos.Read, "channel:" + chanUnseen, false, false, 0},
		{"list is workspace-wide", req("POST", "conversations.list", "", formType, "limit=100"), "conversations.list", aos.Read, "*", false, false, 0},
		{"users.info is workspace-wide", req("GET", "users.info", "user=U0123ABCD", "", ""), "users.info", aos.Read, "*", false, false, 0},
		{"post to an internal channel", req("POST", "chat.postMessage", "", formType, "channel="+chanGeneral+"&text=hi"), "chat.postMessage", aos.Write, "channel:" + chanGeneral, false, false, 40},
		{"post as JSON", req("POST", "chat.postMessage", "", "application/json; charset=utf-8", `{"channel":"`+chanGeneral+`","text":"hi","blocks":[{"type":"section"}]}`), "chat.postMessage", aos.Write, "channel:" + chanGeneral, false, false, 40},
		{"post in the query", req("POST", "chat.postMessage", "channel="+chanGeneral, formType, "text=hi"), "chat.postMessage", aos.Write, "channel:" + chanGeneral, false, false, 40},
		{"post to an external channel", req("POST", "chat.postMessage", "", formType, "channel="+chanPartner+"&text=hi"), "chat.postMessage", aos.Write, "channel:" + chanPartner, true, false, 8},
		{"post to a channel the owner listed", req("POST", "chat.postMessage", "", formType, "channel="+chanConfig+"&text=hi"), "chat.postMessage", aos.Write, "channel:" + chanConfig, true, false, 0},
		{"post to an unseen channel counts nothing yet", req("POST", "chat.postMessage", "", formType, "channel="+chanUnseen+"&text=hi"), "chat.postMessage", aos.Write, "channel:" + chanUnseen, false, false, 0},
		{"post to a big channel", req("POST", "chat.postMessage", "", formType, "channel="+chanBig+"&text=hi"), "chat.postMessage", aos.Write, "channel:" + chanBig, false, false, 900},
		{"update is a post", req("POST", "chat.update", "", formType, "channel="+chanPartner+"&ts=1.2&text=x"), "chat.update", aos.Write, "channel:" + chanPartner, true, false, 8},
		{"delete is a plain write", req("POST", "chat.delete", "", formType, "channel="+chanPartner+"&ts=1.2"), "chat.delete", aos.Write, "channel:" + chanPartner, false, false, 0},
		{"reaction", req("POST", "reactions.add", "", formType, "channel="+chanUnseen+"&name=eyes&timestamp=1.2"), "reactions.add", aos.Write, "channel:" + chanUnseen, false, false, 0},
		{"bookmarks use channel_id", req("POST", "bookmarks.list", "", formType, "channel_id="+chanGeneral), "bookmarks.list", aos.Read, "channel:" + chanGeneral, false, false, 0},
		{"upload slot is always shared", req("POST", "files.getUploadURLExternal", "", formType, "filename=a.csv&length=10"), "files.getUploadURLExternal", aos.Write, "upload", false, true, 0},
		{"completing into channels posts", req("POST", "files.completeUploadExternal", "", formType, `files=[{"id":"F1"}]&channel_id=`+chanPartner), "files.completeUploadExternal", aos.Write, "channel:" + chanPartner, true, false, 8},
		{"completing without a channel keeps it private", req("POST", "files.completeUploadExternal", "", formType, `files=[{"id":"F1"}]`), "files.completeUploadExternal", aos.Write, "upload", false, false, 0},
		{"legacy upload into two channels", req("POST", "files.upload", "", formType, "channels="+chanGeneral+","+chanPartner+"&content=x"), "files.upload", aos.Write, "channel:" + chanGeneral + "," + chanPartner, true, false, 48},
		{"multipart upload", req("POST", "files.upload", "", mpType, mpBody), "files.upload", aos.Write, "channel:" + chanGeneral, false, false, 40},
		{"inviteShared shares out", req("POST", "conversations.inviteShared", "", formType, "channel="+chanGeneral+"&emails=a@b.example"), "conversations.inviteShared", aos.Write, "channel:" + chanGeneral, false, true, 0},
		{"public link", req("POST", "files.sharedPublicURL", "", formType, "file=F1"), "files.sharedPublicURL", aos.Write, "*", true, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			call, err := k.FromHTTP(c, tc.r)
			if err != nil {
				t.Fatal(err)
			}
			f := call.Facts
			if call.Operation.Name != tc.op || call.Operation.Access != tc.access || call.Resource != tc.resource ||
				f.Public != tc.public || f.Share != tc.share || f.Recipients != tc.recipients {
				t.Fatalf("got %s %s %s %+v", call.Operation.Name, call.Operation.Access, call.Resource, f)
			}
			u := call.Upstream
			if !strings.HasPrefix(u.URL, "https://slack.com/api/"+tc.op) || u.Header.Get("Authorization") != "" || u.Header.Get("Cookie") != "" {
				t.Fatalf("upstream %s %v", u.URL, u.Header)
			}
			// Sealed and read again, by this connector or by one that
			// has learnt nothing of the channels, the call is the one
			// decided on: what was learnt is taken as decided.
			for _, again := range []*Connector{k, New()} {
				if err := connector.Recheck(again, c, gatewaytest.Resealed(t, call)); err != nil {
					t.Errorf("read again: %v", err)
				}
			}
		})
	}
}

func TestConnector_FromHTTP_Refuses(t *testing.T) {
	k, c := testConnector(t)
	for _, tc := range []struct {
		name string
		r    *connector.HTTPRequest
		code string
	}{
		{"undeclared method", req("POST", "admin.users.list", "", "", ""), aos.EUnknownOperation},
		{"not under /api", &connector.HTTPRequest{Method: "POST", RawPath: "/chat.postMessage"}, aos.EUnknownOperation},
		{"a PUT", req("PUT", "chat.postMessage", "", formType, "channel="+chanGeneral), aos.EUnknownOperation},
		{"climbing", &connector.HTTPRequest{Method: "POST", RawPath: "/api/../chat.postMessage"}, aos.EOutOfScope},
		{"no channel", req("POST", "chat.postMessage", "", formType, "text=hi"), aos.EBadRequest},
		{"a channel name", req("POST", "chat.postMessage", "", formType, "channel=%23general&text=hi"), aos.EBadRequest},
		{"a user ID", req("POST", "chat.postMessage", "", formType, "channel=U0123ABCD&text=hi"), aos.EBadRequest},
		{"channel twice in the form", req("POST", "chat.postMessage", "", formType, "channel="+chanGeneral+"&channel="+chanPartner), aos.EBadRequest},
		{"channel in query and body", req("POST", "chat.postMessage", "channel="+chanPartner, formType, "channel="+chanGeneral), aos.EBadRequest},
		{"channel in another case", req("POST", "chat.postMessage", "", formType, "Channel="+chanPartner+"&channel="+chanGeneral), aos.EBadRequest},
		{"channel twice in JSON", req("POST", "chat.postMessage", "", "application/json", `{"channel":"`+chanGeneral+`","channel":"`+chanPartner+`"}`), aos.EBadRequest},
		{"channel not a string", req("POST", "chat.postMessage", "", "application/json", `{"channel":["`+chanGeneral+`"]}`), aos.EBadRequest},
		{"a token argument", req("POST", "auth.test", "", formType, "token=xoxb-mine"), aos.EBadRequest},
		{"a token in the query", req("GET", "conversations.history", "token=x&channel="+chanGeneral, "", ""), aos.EBadRequest},
		{"an unreadable body", req("POST", "chat.postMessage", "", "text/plain", "channel="+chanGeneral), aos.EBadRequest},
		{"a body on GET", req("GET", "conversations.history", "channel="+chanGeneral, formType, "x=1"), aos.EBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := k.FromHTTP(c, tc.r)
			if aos.ErrorCode(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
}

func TestConnector_FromCall(t *testing.T) {
	k, c := testConnector(t)
	call, err := k.FromCall(c, "chat.postMessage", json.RawMessage(`{"channel":"`+chanGeneral+`","text":"hi","unfurl_links":false,"blocks":[{"type":"divider"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	body := string(call.Upstream.Body)
	if call.Resource != "channel:"+chanGeneral || call.Facts.Recipients != 40 || !strings.Contains(body, "unfurl_links=false") ||
		!strings.Contains(body, "blocks=%5B%7B%22type%22%3A%22divider%22%7D%5D") {
		t.Fatalf("%+v %s", call, body)
	}
	if err := connector.Recheck(k, c, gatewaytest.Resealed(t, call)); err != nil {
		t.Fatalf("read again: %v", err)
	}
	if _, err := k.FromCall(c, "chat.fly", nil); aos.ErrorCode(err) != aos.EUnknownOperation {
		t.Fatal(err)
	}
	if _, err := k.FromCall(c, "chat.postMessage", json.RawMessage(`[1]`)); aos.ErrorCode(err) != aos.EBadRequest {
		t.Fatal(err)
	}
}

func TestConnector_Configure(t *testing.T) {
	k := New()
	c := &aos.Connection{Name: "chat", Config: []byte(` {"external_channels":["C0BBBBBBB","C0AAAAAAA","C0BBBBBBB"]}`)}
	if err := k.Configure(c); err != nil || c.BaseURL != DefaultBaseURL || c.Auth != "bearer" ||
		string(c.Config) != `{"external_channels":["C0AAAAAAA","C0BBBBBBB"]}` {
		t.Fatalf("%v %+v %s", err, c, c.Config)
	}
	for _, bad := range []aos.Connection{
		{BaseURL: "ftp://x"}, {Auth: "basic"}, {Config: []byte(`{"external":["C0AAAAAAA"]}`)},
		{Config: []byte(`{"external_channels":["general"]}`)}, {Config: []byte(`operations: []`)},
	} {
		if err := k.Configure(&bad); aos.ErrorCode(err) != aos.EBadRequest {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
