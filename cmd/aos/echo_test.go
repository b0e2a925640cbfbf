package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// echoUpstream answers every request with what it was sent: the
// Authorization header in a header and in JSON, and the query and URL in
// JSON, as debugging endpoints (httpbin's /anything) do.
func echoUpstream(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		auth := r.Header.Get("Authorization")
		w.Header().Set("X-Echo-Authorization", auth)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"authorization": auth, "query": r.URL.RawQuery, "url": r.URL.String()})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// echoForms are the forms of a credential that must appear nowhere the
// agent or the store can see: the secret, its password part, base64 of it
// and of the Authorization value, hex, and its URL and JSON escapes.
func echoForms(secret string) []string {
	var forms []string
	for _, v := range []string{secret, "Bearer " + secret} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			forms = append(forms, enc.EncodeToString([]byte(v)))
		}
	}
	j, _ := json.Marshal(secret)
	forms = append(forms, secret, url.QueryEscape(secret), url.PathEscape(secret), hex.EncodeToString([]byte(secret)),
		strings.Trim(string(j), `"`))
	if _, pass, ok := strings.Cut(secret, ":"); ok {
		forms = append(forms, pass)
	}
	return forms
}

// TestCanary_CredentialEcho connects an upstream that echoes the
// credential it receives, over bearer, basic and query auth, and makes
// an allowed call and an approved one on each. Neither the agent's
// answers, the approval results read back through the API, the server
// log, nor any file the instance wrote (SQLite database and WAL included)
// may hold the credential in any form; the evidence says it was redacted.
func TestCanary_CredentialEcho(t *testing.T) {
	conns := []struct{ name, auth, secret string }{
		{"bearer", "bearer", "canary-bearer/7f3a+Q9&x"},
		{"basic", "basic", "ada:canary-basic/pw+2c8e"},
		{"query", "query:api_key", "canary+query/key=9d1b&x"},
	}
	up := echoUpstream(t)
	var hooked syncBuffer // what the owner's webhook received
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooked.Write(append(b, '\n'))
	}))
	t.Cleanup(hook.Close)
	in := startInstance(t, "", "--notify-webhook", hook.URL)
	var seen bytes.Buffer // everything the agent received
	token := strings.TrimSpace(in.must(t, "", "agent", "add", "researcher"))
	ops := filepath.Join(t.TempDir(), "ops.yaml")
	os.WriteFile(ops, []byte("operations:\n"+
		"  - {name: contacts.list, method: GET, path: /v1/contacts, access: read}\n"+
		"  - {name: deploys.create, method: POST, path: /v1/deploys, access: write, points: [production]}\n"), 0o600)
	for _, c := range conns {
		in.must(t, c.secret+"\n", "connect", "http", c.name, "--base-url", up.URL, "--scope", "/", "--to", "company", "--write",
			"--auth", c.auth, "--operations", ops)
		status, body := call(t, "GET", in.url+"/v1/proxy/"+c.name+"/v1/contacts?page=2", token, "")
		seen.WriteString(body)
		if status != 200 || !strings.Contains(body, "[redacted by aos]") {
			t.Errorf("%s: GET answered %d; want the echo, redacted", c.name, status)
		}
		heldStatus, held := call(t, "POST", in.url+"/v1/proxy/"+c.name+"/v1/deploys", token, `{"ref":"v1"}`)
		id := regexp.MustCompile(`ap_[a-z0-9]+`).FindString(held)
		if heldStatus != http.StatusAccepted || id == "" {
			t.Fatalf("%s: POST answered %d %s; want it held", c.name, heldStatus, held)
		}
		in.must(t, "", "approve", id)
		_, result := call(t, "GET", in.url+"/v1/approvals/"+id, token, "")
		seen.WriteString(result)
		if !strings.Contains(result, `"status": "executed"`) || !strings.Contains(result, "[redacted by aos]") {
			t.Errorf("%s: approval %s not executed with the echo redacted", c.name, id)
		}
	}
	// The agent's answers also carry headers; a HEAD-free GET shows them.
	req, _ := http.NewRequest("GET", in.url+"/v1/proxy/bearer/v1/contacts", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Header.Write(&seen)
	seen.Write(b)
	if n, _ := strconv.Atoi(resp.Header.Get("Content-Length")); n != len(b) {
		t.Errorf("Content-Length %s for a body of %d bytes", resp.Header.Get("Content-Length"), len(b))
	}

	// Outcomes are recorded after the answer, in the log's next batch.
	var evidence string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		evidence = in.must(t, "", "evidence", "log", "--tail", "500", "--json")
		if strings.Count(evidence, `"credential_echo": "redacted"`) >= 2*len(conns)+1 || time.Now().After(deadline) {
			break
		}
	}
	if n := strings.Count(evidence, `"credential_echo": "redacted"`); n != 2*len(conns)+1 {
		t.Errorf("%d outcome entries say credential_echo: redacted; want %d", n, 2*len(conns)+1)
	}
	want := len(conns) // the webhook hears once an hour per connection
	for deadline := time.Now().Add(10 * time.Second); strings.Count(hooked.String(), `"warning":"credential_echo"`) < want; {
		if time.Now().After(deadline) {
			t.Fatalf("the webhook received %d credential_echo warnings, want %d:\n%s",
				strings.Count(hooked.String(), `"warning":"credential_echo"`), want, hooked.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	stored := readTree(t, in.home) // the database and its WAL while the server runs
	in.stop()
	stored = append(stored, readTree(t, in.home)...)
	if !strings.Contains(in.logs.String(), "echoed the connection's credential") {
		t.Errorf("the server log has no warning of the echo")
	}
	for _, c := range conns {
		for _, f := range echoForms(c.secret) {
			if bytes.Contains(seen.Bytes(), []byte(f)) {
				t.Errorf("%s: the agent received the credential as %q", c.name, f)
			}
			if strings.Contains(hooked.String(), f) {
				t.Errorf("%s: the webhook received the credential as %q", c.name, f)
			}
			if strings.Contains(in.logs.String(), f) {
				t.Errorf("%s: the server log holds the credential as %q", c.name, f)
			}
			for _, file := range stored {
				if bytes.Contains(file.data, []byte(f)) {
					t.Errorf("%s: %s holds the credential as %q", c.name, file.path, f)
				}
			}
		}
	}
}

type storedFile struct {
	path string
	data []byte
}

// readTree reads every file under dir.
func readTree(t *testing.T, dir string) []storedFile {
	t.Helper()
	var files []storedFile
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, err := os.ReadFile(path); err == nil {
			files = append(files, storedFile{path, b})
		}
		return nil
	})
	return files
}

// TestProxy_AnswerHeaders: what the upstream sends in headers reaches the
// agent only through the allow-list, whatever its Connection header
// names; a Location under the base URL comes back under the proxy path.
func TestProxy_AnswerHeaders(t *testing.T) {
	var upURL string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Connection", "X-Hop-Named")
		h.Set("X-Hop-Named", "internal")
		h.Set("X-Backend-Host", "db-7.internal")
		h.Set("Set-Cookie", "session=upstream; HttpOnly")
		h.Set("X-Api-Key", "leaked")
		h.Set("Etag", `"v7"`)
		h.Set("X-Ratelimit-Remaining", "41")
		h.Set("Location", upURL+"/v1/contacts/7?view=full")
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":7}`)
	}))
	t.Cleanup(up.Close)
	upURL = up.URL
	in := startInstance(t, "")
	token := strings.TrimSpace(in.must(t, "", "agent", "add", "researcher"))
	in.must(t, "canary-headers-key\n", "connect", "http", "crm", "--base-url", up.URL, "--scope", "/v1", "--to", "company", "--write")

	for name, c := range map[string]struct{ host, location string }{
		"path proxy": {"", "/v1/proxy/crm/v1/contacts/7?view=full"},
		"host proxy": {"crm.localhost", "/v1/contacts/7?view=full"},
	} {
		t.Run(name, func(t *testing.T) {
			target := in.url + "/v1/proxy/crm/v1/contacts"
			if c.host != "" {
				target = in.url + "/v1/contacts"
			}
			req, _ := http.NewRequest("POST", target, strings.NewReader(`{"name":"Ada"}`))
			req.Header.Set("Authorization", "Bearer "+token)
			if c.host != "" {
				req.Host = c.host
			}
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated || string(body) != `{"id":7}` {
				t.Fatalf("answer %d %s", resp.StatusCode, body)
			}
			for _, h := range []string{"X-Hop-Named", "X-Backend-Host", "Set-Cookie", "X-Api-Key", "Connection"} {
				if v := resp.Header.Get(h); v != "" {
					t.Errorf("%s reached the agent: %q", h, v)
				}
			}
			for h, want := range map[string]string{"Etag": `"v7"`, "X-Ratelimit-Remaining": "41", "Content-Type": "application/json",
				"Location": c.location, "Content-Length": strconv.Itoa(len(body))} {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
		})
	}
}
