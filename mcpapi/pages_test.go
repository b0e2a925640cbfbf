package mcpapi_test

import (
	"context"
	"testing"

	"github.com/aos-dev/aos/connector/github"
	"github.com/aos-dev/aos/connector/github/githubtest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
)

// TestMCP_ToolPages: a write grant on GitHub is hundreds of tools, listed
// over pages, each once: every operation of the connector, and aos's own.
func TestMCP_ToolPages(t *testing.T) {
	const token = "ghp_sealedbyowner000000000000000000000"
	gh := githubtest.Start(t, token)
	in := gatewaytest.Start(t, github.New())
	alice := in.Agent(t, "alice", "eng")
	in.Connect(t, owner.ConnectRequest{Type: github.Type, Name: "gh", Scope: "repo:acme/app", To: "alice", Write: true,
		BaseURL: gh.URL, Credential: vault.NewSecret([]byte(token))})
	cs := connect(t, &world{in: in}, alice, "2025-11-25", nil)
	ctx := context.Background()
	first, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.NextCursor == "" {
		t.Fatalf("%d tools on one page; want more than one page", len(first.Tools))
	}
	seen := map[string]bool{}
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[tool.Name] {
			t.Errorf("%s listed twice", tool.Name)
		}
		seen[tool.Name] = true
	}
	if want := len(github.New().Describe().Operations) + 2; len(seen) != want {
		t.Errorf("%d tools over all pages; want %d", len(seen), want)
	}
	if !seen["gh.pulls.merge"] || !seen["aos_wait_approval"] {
		t.Error("gh.pulls.merge or aos_wait_approval is missing")
	}
}
