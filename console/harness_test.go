package console_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/console"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/vault"
)

// customer is a CRM contact's email: once an agent has read it, sending it
// to the notes tool is customer data leaving, held at customer-data.
const customer = "grace.hopper@customer.example"

// notesUpstream is the notes tool: it records what reaches it.
type notesUpstream struct {
	mu   sync.Mutex
	seen []string // bodies
}

func (n *notesUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	n.mu.Lock()
	n.seen = append(n.seen, string(b))
	count := len(n.seen)
	n.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"id": "note-" + string(rune('0'+count)), "stored": true})
}

func (n *notesUpstream) bodies() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.seen...)
}

// rig is an instance with the console mounted: a CRM that holds customer
// data (read by the company) and a notes tool (written by the company),
// and an agent, writer of the ops department, that has read a contact.
type rig struct {
	in         *gatewaytest.Instance
	url        string // the console and API, on one server
	notes      *notesUpstream
	agent      string
	notesGrant *aos.Grant
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{in: gatewaytest.Start(t, rest.New()), notes: &notesUpstream{}}
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id": 7, "name": "Grace Hopper", "email": "`+customer+`"}`)
	}))
	t.Cleanup(crm.Close)
	notes := httptest.NewServer(r.notes)
	t.Cleanup(notes.Close)
	r.agent = r.in.Agent(t, "writer", "ops")
	r.in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", Scope: "/", To: "company", BaseURL: crm.URL, HoldsCustomerData: true,
		Credential: vault.NewSecret([]byte("crm-key-1234567890"))})
	r.notesGrant = r.in.Connect(t, owner.ConnectRequest{Type: "http", Name: "notes", Scope: "/", To: "company", Write: true, BaseURL: notes.URL,
		Credential: vault.NewSecret([]byte("notes-key-1234567890"))})
	con := &console.Console{Gateway: r.in.Gateway, Owner: r.in.Owner, Evidence: r.in.Log, Poll: 200 * time.Millisecond,
		Review: &secinfra.Reviewer{Store: r.in.Store, Log: r.in.Log, Entries: r.in.Log, Connectors: r.in.Gateway.Connectors, Now: time.Now}}
	api := &httpapi.Server{Gateway: r.in.Gateway, Owner: r.in.Owner, Evidence: r.in.Log, Console: con}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	r.url = srv.URL
	if status, body := r.call(t, "GET", "/v1/proxy/crm/contacts/7", ""); status != http.StatusOK {
		t.Fatalf("reading the CRM: %d %s", status, body)
	}
	return r
}

// call sends an agent's request through the gateway.
func (r *rig) call(t testing.TB, method, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, r.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+r.agent)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("AOS-Purpose", "keep the account notes current")
	req.Header.Set("AOS-Recommendation", "approve: the note only goes to our own notes tool")
	req.Header.Add("AOS-Alternatives", "leave the email out of the note")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// hold makes the agent send customer data to the notes tool and returns
// the approval it is held at.
func (r *rig) hold(t testing.TB, text string) string {
	t.Helper()
	status, body := r.call(t, "POST", "/v1/proxy/notes/v1/notes", `{"text": "`+text+` `+customer+`"}`)
	var held struct {
		ID    string `json:"approval_id"`
		Point string `json:"approval_point"`
	}
	json.Unmarshal(body, &held)
	if status != http.StatusAccepted || held.Point != "customer-data" {
		t.Fatalf("want the call held at customer-data, got %d %s", status, body)
	}
	return held.ID
}

// poll long-polls an approval as its agent.
func (r *rig) poll(t testing.TB, id string) (status, reason string, result json.RawMessage) {
	t.Helper()
	code, body := r.call(t, "GET", "/v1/approvals/"+id+"?wait=20s", "")
	var out struct {
		Status string          `json:"status"`
		Reason string          `json:"reason"`
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &out); err != nil || code != http.StatusOK {
		t.Errorf("polling %s: %d %s", id, code, body)
	}
	return out.Status, out.Reason, out.Result
}

// browser is a cookie-keeping HTTP client that does not follow redirects.
func browser(t testing.TB) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

// signIn signs the client in with token and returns the session's CSRF
// token.
func (r *rig) signIn(t testing.TB, c *http.Client, token string) string {
	t.Helper()
	resp, err := c.PostForm(r.url+console.Prefix+"signin", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: status %d", resp.StatusCode)
	}
	_, page := get(t, c, r.url+console.Prefix)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the inbox: %s", page)
	}
	return m[1]
}

func get(t testing.TB, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// post sends a console form with headers as a same-origin browser would
// send them, unless header overrides them.
func post(t testing.TB, c *http.Client, u string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
