package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos/connector/rest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/internal/testenv"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// TestMCPStdio connects the TypeScript SDK's stdio client to `aos
// mcp-stdio`, which bridges it to a server's /mcp as the agent in
// $AOS_TOKEN: it lists the agent's tools, reads through one, and is
// refused another with its code.
func TestMCPStdio(t *testing.T) {
	dir, node := testenv.NodeDir(t)
	aosBin, err := exec.LookPath("aos") // this test binary, as testscript.Main put it in $PATH
	if err != nil {
		t.Fatal(err)
	}
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":7,"name":"Ada Lovelace"}`)
	}))
	t.Cleanup(crm.Close)
	in := gatewaytest.Start(t, rest.New())
	token := in.Agent(t, "alice", "sales")
	in.Connect(t, owner.ConnectRequest{Type: "http", Name: "crm", Scope: "/contacts", To: "alice", BaseURL: crm.URL,
		Credential: vault.NewSecret([]byte("crm-key-1234567890"))})

	steps, _ := json.Marshal([]map[string]any{
		{"op": "list"},
		{"op": "call", "name": "crm.GET", "arguments": map[string]any{"path": "/contacts/7"}},
		{"op": "call", "name": "crm.DELETE", "arguments": map[string]any{"path": "/contacts/7"}},
	})
	stdio, _ := json.Marshal([]string{aosBin, "mcp-stdio", "--server", in.URL})
	// v1 speaks 2025-11-25 through the bridge, v2 2026-07-28.
	for _, sdk := range []string{"v1", "v2"} {
		t.Run(sdk, func(t *testing.T) { runStdio(t, dir, node, sdk, string(stdio), token, string(steps)) })
	}
}

func runStdio(t *testing.T, dir, node, sdk, stdio, token, steps string) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "mcp-client.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AOS_SDK="+sdk, "AOS_STDIO="+stdio, "AOS_TOKEN="+token, "AOS_STEPS="+steps)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s\n%s", err, out, stderr.String())
	}
	var run struct {
		ProtocolVersion string `json:"protocolVersion"`
		Outcomes        []struct {
			Tools []struct {
				Name string `json:"name"`
			} `json:"tools"`
			Result *struct {
				IsError           bool            `json:"isError"`
				StructuredContent json.RawMessage `json:"structuredContent"`
			} `json:"result"`
		} `json:"outcomes"`
	}
	if err := json.Unmarshal(out, &run); err != nil || len(run.Outcomes) != 3 {
		t.Fatalf("node printed %s (%v)\n%s", out, err, stderr.String())
	}
	if want := map[string]string{"v1": "", "v2": "2026-07-28"}[sdk]; want != "" && run.ProtocolVersion != want {
		t.Errorf("negotiated %q through the bridge; want %s", run.ProtocolVersion, want)
	}
	var names []string
	for _, tool := range run.Outcomes[0].Tools {
		names = append(names, tool.Name)
	}
	if got := strings.Join(names, " "); got != "crm.GET crm.HEAD crm.OPTIONS aos_wait_approval aos_whoami" {
		t.Errorf("tools through the bridge: %s", got)
	}
	if r := run.Outcomes[1].Result; r == nil || r.IsError || !strings.Contains(string(r.StructuredContent), "Ada Lovelace") {
		t.Errorf("crm.GET through the bridge: %+v", run.Outcomes[1])
	}
	if r := run.Outcomes[2].Result; r == nil || !r.IsError || !strings.Contains(string(r.StructuredContent), `"read_only"`) {
		t.Errorf("crm.DELETE through the bridge: %+v; want a read_only tool error", run.Outcomes[2])
	}
	if strings.Contains(stderr.String(), token) {
		t.Error("the bridge wrote the agent's token to stderr")
	}
}
