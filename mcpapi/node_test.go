package mcpapi_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos/internal/testenv"
)

// nodeRun is what internal/testtools/node/mcp-client.mjs printed.
type nodeRun struct {
	ProtocolVersion string        `json:"protocolVersion"`
	Outcomes        []nodeOutcome `json:"outcomes"`
}

type nodeOutcome struct {
	Tools []struct {
		Name        string          `json:"name"`
		InputSchema json.RawMessage `json:"inputSchema"`
		Annotations *struct {
			ReadOnlyHint    bool  `json:"readOnlyHint"`
			DestructiveHint *bool `json:"destructiveHint"`
			OpenWorldHint   *bool `json:"openWorldHint"`
		} `json:"annotations"`
	} `json:"tools"`
	Result *struct {
		IsError           bool            `json:"isError"`
		StructuredContent json.RawMessage `json:"structuredContent"`
		Content           []struct {
			Text string `json:"text"`
		} `json:"content"`
	} `json:"result"`
	Error *struct {
		Code    any    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Status int `json:"status"`
}

// runNode runs the TypeScript SDK driver with env and steps.
func runNode(t *testing.T, env []string, steps []map[string]any) nodeRun {
	t.Helper()
	dir, node := testenv.NodeDir(t)
	stepsJSON, _ := json.Marshal(steps)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "mcp-client.mjs"))
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), env...), "AOS_STEPS="+string(stepsJSON))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s\n%s", err, out, stderr.String())
	}
	var run nodeRun
	if err := json.Unmarshal(out, &run); err != nil {
		t.Fatalf("node printed %s: %v\n%s", out, err, stderr.String())
	}
	if len(run.Outcomes) != len(steps) {
		t.Fatalf("node ran %d steps of %d: %s", len(run.Outcomes), len(steps), out)
	}
	return run
}

// agentSteps are one agent's session: list, an allowed read, a write on a
// read grant, a connection granted to someone else, an unknown tool, a
// held payout, the owner's approval, and the wait for its answer.
var agentSteps = []map[string]any{
	{"op": "list"},
	{"op": "call", "name": "crm.GET", "arguments": map[string]any{"path": "/contacts/7"}},
	{"op": "call", "name": "crm.POST", "arguments": map[string]any{"path": "/contacts", "body": map[string]any{"name": "Eve"}}},
	{"op": "call", "name": "vault-api.GET", "arguments": map[string]any{"path": "/plans"}},
	{"op": "call", "name": "nosuch.GET", "arguments": map[string]any{}},
	{"op": "call", "name": "ledger.payouts.create", "arguments": map[string]any{"path": "/v1/payouts",
		"body": map[string]any{"amount": 500000, "currency": "usd"}}, "meta": map[string]any{"aos/purpose": "pay the March invoice"}},
	{"op": "approve", "from": 5},
	{"op": "wait", "from": 5, "wait_seconds": 10},
}

// checkAgentSession checks the outcomes of agentSteps.
func checkAgentSession(t *testing.T, w *world, run nodeRun) {
	t.Helper()
	o := run.Outcomes
	if o[0].Error != nil {
		t.Fatalf("tools/list: %+v", o[0].Error)
	}
	seen := map[string]bool{}
	for _, tool := range o[0].Tools {
		seen[tool.Name] = true
		readOnly, ok := aliceTools[tool.Name]
		if !ok {
			t.Errorf("tools/list shows %s, which alice's grants do not allow", tool.Name)
			continue
		}
		a := tool.Annotations
		if a == nil || a.ReadOnlyHint != readOnly || a.DestructiveHint == nil || *a.DestructiveHint == readOnly {
			t.Errorf("%s: annotations %+v; want readOnlyHint %v, destructiveHint %v", tool.Name, a, readOnly, !readOnly)
		}
	}
	if len(seen) != len(aliceTools) {
		t.Errorf("tools/list shows %d tools; want exactly %v", len(seen), aliceTools)
	}

	var read struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	}
	if r := o[1].Result; r == nil || r.IsError || json.Unmarshal(r.StructuredContent, &read) != nil ||
		read.Status != 200 || !sameJSON(read.Body, contact) {
		t.Errorf("crm.GET: %+v; want the upstream's %s", o[1], contact)
	}
	for i, code := range map[int]string{2: "read_only", 3: "not_granted"} {
		var te struct {
			Error struct{ Code string } `json:"error"`
		}
		r := o[i].Result
		if r == nil || !r.IsError || json.Unmarshal(r.StructuredContent, &te) != nil || te.Error.Code != code ||
			len(r.Content) == 0 || !strings.Contains(r.Content[0].Text, code) {
			t.Errorf("step %d: %+v; want a tool error with code %s", i, o[i], code)
		}
	}
	if e := o[4].Error; e == nil || e.Code != float64(-32602) || !strings.Contains(e.Message, "unknown tool") {
		t.Errorf("unknown tool: %+v; want protocol error -32602", o[4])
	}
	var held struct {
		ApprovalID    string `json:"approval_id"`
		ApprovalPoint string `json:"approval_point"`
		Status        string `json:"status"`
	}
	if r := o[5].Result; r == nil || r.IsError || json.Unmarshal(r.StructuredContent, &held) != nil ||
		held.ApprovalID == "" || held.ApprovalPoint != "money" || held.Status != "pending" {
		t.Fatalf("held payout: %+v", o[5])
	}
	if o[6].Status != 200 {
		t.Fatalf("the owner's approval answered %d", o[6].Status)
	}
	if r := o[7].Result; r == nil || r.IsError || json.Unmarshal(r.StructuredContent, &read) != nil ||
		read.Status != 200 || !sameJSON(read.Body, paid) {
		t.Errorf("aos_wait_approval: %+v; want the upstream's %s", o[7], paid)
	}
	if n := countPayouts(w); n != 1 {
		t.Errorf("the ledger received %d payouts; want 1", n)
	}
	if len(w.crm.requests()) != 1 || len(w.secret.requests()) != 0 {
		t.Errorf("upstreams received crm %v, vault-api %v; want only the allowed read", w.crm.requests(), w.secret.requests())
	}
	w.in.Verify(t)
}

// TestMCP_TypeScriptSDK connects the official TypeScript SDK to /mcp as
// an agent: v1 (@modelcontextprotocol/sdk), which speaks 2025-11-25 with
// a session, and v2 (@modelcontextprotocol/client) pinned to 2026-07-28,
// stateless.
func TestMCP_TypeScriptSDK(t *testing.T) {
	for _, c := range []struct{ sdk, version string }{{"v1", "2025-11-25"}, {"v2", "2026-07-28"}} {
		t.Run(c.sdk+"-"+c.version, func(t *testing.T) {
			w := newWorld(t)
			run := runNode(t, []string{"AOS_SDK=" + c.sdk, "AOS_PIN=" + c.version, "AOS_MCP_URL=" + w.mcpURL(),
				"AOS_TOKEN=" + w.alice, "AOS_URL=" + w.in.URL, "AOS_OWNER_TOKEN=" + w.in.OwnerToken}, agentSteps)
			if run.ProtocolVersion != c.version {
				t.Errorf("negotiated %q; want %s", run.ProtocolVersion, c.version)
			}
			checkAgentSession(t, w, run)
		})
	}
}
