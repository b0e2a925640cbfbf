// Package slack is a fake of the parts of Slack's Web API that aos's tests
// use, faithful to Slack's published shapes: every answer is HTTP 200 with
// {"ok": true, ...} or {"ok": false, "error": "..."}; arguments are read
// from the query and from form, JSON or multipart bodies; the token from
// the Authorization header (or a token argument); every answer carries
// the X-OAuth-Scopes and X-Accepted-OAuth-Scopes headers. It implements
// auth.test, auth.revoke, conversations.info (num_members only with
// include_num_members=true), conversations.list and history, chat.
// postMessage, update and delete, reactions.add and the external file
// upload pair, and records every request.
package slacktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Request is one request the fake received.
type Request struct {
	Method        string // the Web API method, such as chat.postMessage
	HTTPMethod    string
	Authorization string
	Args          url.Values
	Header        http.Header
	Body          []byte
}

// Channel is a conversation.
type Channel struct {
	ID, Name    string
	Private, IM bool
	// ExtShared marks a Slack Connect channel, shared with another
	// organisation.
	ExtShared  bool
	NumMembers int
	Messages   []Message
}

// Message is a posted message.
type Message struct {
	Type   string `json:"type"`
	Text   string `json:"text"`
	User   string `json:"user"`
	BotID  string `json:"bot_id"`
	TS     string `json:"ts"`
	Team   string `json:"team"`
	Edited bool   `json:"-"`
}

// Server is a running fake. Set its fields before use.
type Server struct {
	URL string
	// Token is the bot token the fake accepts.
	Token string
	// Scopes are sent in X-OAuth-Scopes.
	Scopes []string

	mu       sync.Mutex
	channels map[string]*Channel
	ts       int
	files    int
	requests []Request
	revoked  bool // auth.revoke was called: the token answers token_revoked
}

// New starts a fake that accepts token, until the test ends. Its Web API
// methods are at URL + "/api/METHOD".
func New(t testing.TB, token string) *Server {
	s := &Server{Token: token, channels: map[string]*Channel{},
		Scopes: []string{"channels:history", "channels:read", "chat:write", "files:write", "groups:read", "reactions:write"}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// AddChannel adds a conversation.
func (s *Server) AddChannel(ch Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := ch
	s.channels[ch.ID] = &c
}

// Messages returns the messages of a channel.
func (s *Server) Messages(id string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.channels[id]; ok {
		return slices.Clone(c.Messages)
	}
	return nil
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Calls returns the Web API methods called so far, in order.
func (s *Server) Calls() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.Method)
	}
	return out
}

type answer map[string]any

func fail(code string) answer { return answer{"ok": false, "error": code} }

// args reads a request's arguments the way Slack does: query, then body.
func args(r *http.Request, body []byte) (url.Values, error) {
	out := r.URL.Query()
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case len(body) == 0:
	case mt == "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, vs := range form {
			out[k] = append(out[k], vs...)
		}
	case mt == "application/json":
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, err
		}
		for k, v := range m {
			if s, ok := v.(string); ok {
				out.Add(k, s)
			} else {
				b, _ := json.Marshal(v)
				out.Add(k, string(b))
			}
		}
	case mt == "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			v, _ := io.ReadAll(p)
			out.Add(p.FormName(), string(v))
		}
	}
	return out, nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	name := strings.TrimPrefix(r.URL.Path, "/api/")
	a, err := args(r, body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: name, HTTPMethod: r.Method, Authorization: r.Header.Get("Authorization"),
		Args: a, Header: r.Header.Clone(), Body: body})
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-OAuth-Scopes", strings.Join(s.Scopes, ","))
	w.Header().Set("X-Accepted-OAuth-Scopes", acceptedScopes[name])
	var ans answer
	s.mu.Lock()
	revoked := s.revoked
	s.mu.Unlock()
	switch token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "); {
	case err != nil:
		ans = fail("invalid_arguments")
	case token == "" && a.Get("token") == "":
		ans = fail("not_authed")
	case token != s.Token && a.Get("token") != s.Token:
		ans = fail("invalid_auth")
	case revoked:
		ans = fail("token_revoked")
	case name == "auth.revoke":
		// Slack revokes the token the call is made with; test=true only
		// says whether it would.
		if a.Get("test") != "true" && a.Get("test") != "1" {
			s.mu.Lock()
			s.revoked = true
			s.mu.Unlock()
		}
		ans = answer{"ok": true, "revoked": a.Get("test") != "true" && a.Get("test") != "1"}
	default:
		ans = s.method(name, a)
	}
	json.NewEncoder(w).Encode(ans)
}

// acceptedScopes are the scopes Slack names for each method.
var acceptedScopes = map[string]string{
	"conversations.info": "channels:read,groups:read,mpim:read,im:read", "conversations.list": "channels:read,groups:read,mpim:read,im:read",
	"conversations.history": "channels:history,groups:history,mpim:history,im:history", "chat.postMessage": "chat:write",
	"chat.update": "chat:write", "chat.delete": "chat:write", "reactions.add": "reactions:write",
	"files.getUploadURLExternal": "files:write", "files.completeUploadExternal": "files:write",
}

func (s *Server) method(name string, a url.Values) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch name {
	case "auth.test":
		return answer{"ok": true, "url": "https://acme.slack.com/", "team": "Acme", "user": "aosbot",
			"team_id": "T0ACME001", "user_id": "U0BOT0001", "bot_id": "B0BOT0001", "is_enterprise_install": false}
	case "conversations.info":
		c, ok := s.channels[a.Get("channel")]
		if !ok {
			return fail("channel_not_found")
		}
		return answer{"ok": true, "channel": c.object(a.Get("include_num_members") == "true")}
	case "conversations.list":
		list := []map[string]any{}
		for _, id := range slices.Sorted(maps.Keys(s.channels)) {
			list = append(list, s.channels[id].object(true))
		}
		return answer{"ok": true, "channels": list, "response_metadata": answer{"next_cursor": ""}}
	case "conversations.history":
		c, ok := s.channels[a.Get("channel")]
		if !ok {
			return fail("channel_not_found")
		}
		msgs := slices.Clone(c.Messages)
		slices.Reverse(msgs)
		return answer{"ok": true, "messages": msgs, "has_more": false, "pin_count": 0, "response_metadata": answer{"next_cursor": ""}}
	case "chat.postMessage":
		return s.post(a)
	case "chat.update", "chat.delete":
		return s.edit(name, a)
	case "reactions.add":
		if _, ok := s.channels[a.Get("channel")]; !ok {
			return fail("channel_not_found")
		}
		return answer{"ok": true}
	case "files.getUploadURLExternal":
		if a.Get("filename") == "" || a.Get("length") == "" {
			return fail("invalid_arguments")
		}
		s.files++
		id := fmt.Sprintf("F%08d", s.files)
		return answer{"ok": true, "upload_url": "https://files.slack.com/upload/v1/" + id, "file_id": id}
	case "files.completeUploadExternal":
		var files []map[string]any
		if json.Unmarshal([]byte(a.Get("files")), &files) != nil || len(files) == 0 {
			return fail("invalid_arguments")
		}
		return answer{"ok": true, "files": files}
	}
	return fail("unknown_method")
}

// object is the conversation as conversations.info describes it.
func (c *Channel) object(withMembers bool) map[string]any {
	o := map[string]any{
		"id": c.ID, "name": c.Name, "is_channel": !c.Private && !c.IM, "is_group": c.Private, "is_im": c.IM,
		"is_private": c.Private || c.IM, "is_archived": false, "is_general": false, "is_member": true,
		"is_shared": c.ExtShared, "is_ext_shared": c.ExtShared, "is_org_shared": false, "is_pending_ext_shared": false,
		"created": 1700000000, "creator": "U0OWNER01",
		"topic":   map[string]any{"value": "", "creator": "", "last_set": 0},
		"purpose": map[string]any{"value": "", "creator": "", "last_set": 0},
	}
	if c.IM {
		o = map[string]any{"id": c.ID, "is_im": true, "user": "U0PERSON1", "created": 1700000000, "is_org_shared": false}
	} else if withMembers {
		o["num_members"] = c.NumMembers
	}
	return o
}

func (s *Server) post(a url.Values) answer {
	c, ok := s.channels[a.Get("channel")]
	if !ok {
		return fail("channel_not_found")
	}
	if a.Get("text") == "" && a.Get("blocks") == "" && a.Get("attachments") == "" {
		return fail("no_text")
	}
	s.ts++
	m := Message{Type: "message", Text: a.Get("text"), User: "U0BOT0001", BotID: "B0BOT0001",
		TS: fmt.Sprintf("1700000000.%06d", s.ts), Team: "T0ACME001"}
	c.Messages = append(c.Messages, m)
	return answer{"ok": true, "channel": c.ID, "ts": m.TS, "message": m}
}

func (s *Server) edit(name string, a url.Values) answer {
	c, ok := s.channels[a.Get("channel")]
	if !ok {
		return fail("channel_not_found")
	}
	for i, m := range c.Messages {
		if m.TS != a.Get("ts") {
			continue
		}
		if name == "chat.delete" {
			c.Messages = slices.Delete(c.Messages, i, i+1)
			return answer{"ok": true, "channel": c.ID, "ts": m.TS}
		}
		c.Messages[i].Text, c.Messages[i].Edited = a.Get("text"), true
		return answer{"ok": true, "channel": c.ID, "ts": m.TS, "text": a.Get("text"), "message": c.Messages[i]}
	}
	return fail("message_not_found")
}
