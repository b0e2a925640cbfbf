package main

import (
	"fmt"
	"time"

	"github.com/aos-dev/aos/owner"
	"github.com/spf13/cobra"
)

func init() { register(newStatusCmd) }

func newStatusCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "What the running server holds: agents, connections, grants, approvals, evidence",
		Example: `  aos status
  aos status --json`,
		Args: noArgs,
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var st owner.Status
		if err := c.do(cmd.Context(), "GET", "/v1/owner/status", nil, &st); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, st)
		}
		fmt.Fprintf(e.stdout, "server:       %s\n", c.base)
		fmt.Fprintf(e.stdout, "agents:       %d\n", st.Agents)
		fmt.Fprintf(e.stdout, "connections:  %d (%d connected)\n", st.Connections, st.Connected)
		fmt.Fprintf(e.stdout, "grants:       %d active\n", st.ActiveGrants)
		fmt.Fprintf(e.stdout, "approvals:    %d pending\n", st.Pending)
		fmt.Fprintf(e.stdout, "evidence:     %d entries\n", st.LogSize)
		if st.Money.Text != "" {
			fmt.Fprintf(e.stdout, "money:        %s\n", st.Money.Text)
		}
		if len(st.Overdue) > 0 {
			fmt.Fprintf(e.stdout, "keys overdue: %d\n", len(st.Overdue))
			for _, k := range st.Overdue {
				fmt.Fprintf(e.stdout, "  %s version %d, due %s: run `aos keys rotate %s`\n", k.Connection, k.Version, k.DueAt.UTC().Format(time.RFC3339), k.Connection)
			}
		}
		return nil
	}
	return cmd
}
