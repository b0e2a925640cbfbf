package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCanary_NeverWritten puts a canary credential through every path a
// credential takes (connect, calls allowed and denied, reconnect, listings,
// evidence export, server logs) and then greps everything the instance
// wrote or printed. The canary must reach the upstream and nowhere else.
func TestCanary_NeverWritten(t *testing.T) {
	const canary = "canary-cred-7d3e9a0b51"
	const canary2 = "canary-cred-second-8c2f"
	up := newUpstream(t)
	in := startInstance(t, "")
	var printed strings.Builder
	run := func(stdin string, args ...string) string {
		t.Helper()
		_, out, errs := in.aos(t, stdin, args...)
		printed.WriteString(out + errs)
		return out
	}
	token := strings.TrimSpace(run("", "agent", "add", "researcher"))
	credFile := filepath.Join(t.TempDir(), "cred")
	os.WriteFile(credFile, []byte(canary+"\n"), 0o600)
	run("", "connect", "http", "crm", "--base-url", up.URL, "--scope", "/v1/contacts", "--to", "company", "--credential-file", credFile, "--json")
	run(canary, "connect", "http", "crm2", "--base-url", up.URL, "--scope", "/v1", "--to", "company", "--auth", "query:api_key")
	run(canary, "connect", "http", "bad name", "--base-url", up.URL, "--scope", "/v1", "--to", "company") // rejected
	run(canary, "connect", "http", "crm3", "--base-url", "ftp://x", "--scope", "/v1", "--to", "company")  // rejected
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/proxy/crm/v1/contacts"}, {"POST", "/v1/proxy/crm/v1/contacts"},
		{"GET", "/v1/proxy/crm/v1/other"}, {"GET", "/v1/proxy/crm2/v1/x?api_key=" + canary},
		{"GET", "/v1/proxy/nope/x"},
	} {
		_, body := call(t, c.method, in.url+c.path, token, "")
		printed.WriteString(body)
	}
	if n := up.n.Load(); n < 2 {
		t.Fatalf("upstream saw %d requests, want at least 2", n)
	}
	if !strings.Contains(strings.Join(up.auth, "\n"), "Bearer "+canary) {
		t.Fatalf("upstream never received the credential: %q", up.auth)
	}
	run("", "disconnect", "crm")
	run(canary2, "reconnect", "crm")
	_, body := call(t, "GET", in.url+"/v1/proxy/crm/v1/contacts", token, "")
	printed.WriteString(body)
	for _, args := range [][]string{
		{"grants", "--all", "--json"}, {"status", "--json"}, {"agent", "list", "--json"},
		{"evidence", "log", "--tail", "1000", "--json"}, {"evidence", "verify"},
	} {
		run("", args...)
	}
	export := filepath.Join(in.home, "export.jsonl")
	run("", "evidence", "export", export)
	_, whoami := call(t, "GET", in.url+"/v1/whoami", token, "")
	printed.WriteString(whoami)
	in.stop()

	for _, secret := range []string{canary, canary2} {
		if strings.Contains(printed.String(), secret) {
			t.Errorf("CLI output or API responses contain %s", secret)
		}
		if strings.Contains(in.logs.String(), secret) {
			t.Errorf("server logs contain %s", secret)
		}
		filepath.WalkDir(in.home, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s contains %s", path, secret)
			}
			return nil
		})
	}
}
