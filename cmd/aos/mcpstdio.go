package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/mcpapi"
	"github.com/spf13/cobra"
)

func init() { register(newMCPStdioCmd) }

// newMCPStdioCmd bridges a stdio-only MCP client to the server's /mcp
// endpoint, as the agent whose token is in $AOS_TOKEN (never the owner's:
// /mcp refuses it). The server is --server, else $AOS_SERVER, else the URL
// the server wrote into the home.
func newMCPStdioCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "mcp-stdio",
		Short: "Bridge a stdio-only MCP client to the server's /mcp endpoint, as the agent in $AOS_TOKEN",
		Long: "Reads MCP messages (JSON-RPC, one a line) on stdin, sends them to the server's /mcp endpoint with the " +
			"agent's token from $AOS_TOKEN, and writes what the server answers to stdout, one message a line. " +
			"Give it to an MCP client as a stdio server's command.",
		Example: `  AOS_TOKEN=aos_agent_… aos mcp-stdio --server http://127.0.0.1:7070
  # in an MCP client's configuration:
  {"command": "aos", "args": ["mcp-stdio", "--server", "http://127.0.0.1:7070"], "env": {"AOS_TOKEN": "aos_agent_…"}}`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			token := e.getenv("AOS_TOKEN")
			if token == "" {
				return withHint(errors.New("no agent token"), "set AOS_TOKEN to the token `aos agent add NAME` printed")
			}
			if !strings.HasPrefix(token, aos.AgentTokenPrefix) {
				return withHint(errors.New("AOS_TOKEN is not an agent token"), "/mcp is for agents: use the token `aos agent add NAME` printed")
			}
			server := e.server
			if server == "" {
				server = e.getenv("AOS_SERVER")
			}
			if server == "" {
				h, err := resolveHome(e)
				if err != nil {
					return err
				}
				if server, err = h.read(serverURLFile); err != nil {
					return withHint(fmt.Errorf("no server URL: %s has no %s", h.dir, serverURLFile), "pass --server URL or set AOS_SERVER")
				}
			}
			return mcpapi.Bridge(cmd.Context(), e.stdin, e.stdout, strings.TrimSuffix(server, "/")+"/mcp", token, nil)
		},
	}
}
