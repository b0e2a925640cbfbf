package mcp_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/internal/testenv"
	"github.com/aos-dev/aos/owner"
)

// TestFilesystem runs @modelcontextprotocol/server-filesystem from npm as
// a stdio upstream, its allowed folder a temporary one.
func TestFilesystem(t *testing.T) {
	dir, node := testenv.NodeDir(t)
	server := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "server-filesystem", "dist", "index.js")
	if _, err := os.Stat(server); err != nil {
		testenv.Missing(t, "@modelcontextprotocol/server-filesystem", "run scripts/test-deps (npm ci in "+dir+")")
	}
	allowed := t.TempDir()
	if err := os.WriteFile(filepath.Join(allowed, "notes.txt"), []byte("the plan"), 0o600); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(outside, []byte("not yours"), 0o600)

	r := newRig(t)
	ctx := context.Background()
	argv := []string{node, server, allowed}
	c, err := r.connect(t, "fs", "tool:*", false, map[string]any{"argv": argv, "read_tools": []string{"annotated"}}, "", "none")
	if err != nil {
		t.Fatal(err)
	}
	p := pins(t, c)
	for tool, want := range map[string]string{"read_text_file": "read", "list_directory": "read", "write_file": "write", "edit_file": "write", "move_file": "write"} {
		if p[tool]["access"] != want {
			t.Errorf("%s pinned %v, want %s", tool, p[tool]["access"], want)
		}
	}

	// A read grant: read_text_file inside the server's folder.
	out, err := r.call(ctx, "fs", "read_text_file", `{"path":"`+filepath.Join(allowed, "notes.txt")+`"}`)
	wantText(t, out, err, "the plan")
	// Outside it, the upstream itself refuses (a tool error).
	out, err = r.call(ctx, "fs", "read_text_file", `{"path":"`+outside+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, isErr := resultText(t, out); !isErr || strings.Contains(got, "not yours") {
		t.Fatalf("read outside the allowed folder: %q (error %v)", got, isErr)
	}
	// write_file is a write: refused before it reaches the upstream.
	_, err = r.call(ctx, "fs", "write_file", `{"path":"`+filepath.Join(allowed, "x.txt")+`","content":"x"}`)
	wantCode(t, err, aos.EReadOnly, "write_file needs write access")
	if _, err := os.Stat(filepath.Join(allowed, "x.txt")); err == nil {
		t.Fatal("write_file reached the upstream")
	}

	// A grant that names tools: the others are not callable.
	if _, err := r.connect(t, "fs2", "tool:read_text_file", false, map[string]any{"argv": argv, "read_tools": []string{"annotated"}}, "", "none"); err != nil {
		t.Fatal(err)
	}
	out, err = r.call(ctx, "fs2", "read_text_file", `{"path":"`+filepath.Join(allowed, "notes.txt")+`"}`)
	wantText(t, out, err, "the plan")
	_, err = r.call(ctx, "fs2", "list_directory", `{"path":"`+allowed+`"}`)
	wantCode(t, err, aos.EOutOfScope, "tool:list_directory is outside the granted scope")

	// Over MCP the agent is shown what it may call, and nothing else.
	cs := clientSession(t, r.in.URL+"/mcp", r.token)
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, tl := range res.Tools {
		listed[tl.Name] = true
	}
	for name, want := range map[string]bool{"fs.read_text_file": true, "fs.list_directory": true, "fs.write_file": false,
		"fs2.read_text_file": true, "fs2.list_directory": false} {
		if listed[name] != want {
			t.Errorf("tools/list: %s listed %v, want %v", name, listed[name], want)
		}
	}
	cs.Close()

	// Granted write, the agent writes inside the folder.
	r.in.Grant(t, owner.GrantRequest{Connection: "fs", Scope: "tool:write_file", Write: true, To: "ada"})
	out, err = r.call(ctx, "fs", "write_file", `{"path":"`+filepath.Join(allowed, "x.txt")+`","content":"written"}`)
	wantText(t, out, err, "Successfully wrote")
	if b, _ := os.ReadFile(filepath.Join(allowed, "x.txt")); string(b) != "written" {
		t.Fatalf("file holds %q", b)
	}
	r.in.Verify(t)
}
