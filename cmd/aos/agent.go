package main

import (
	"fmt"
	"net/url"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/httpapi"
	"github.com/spf13/cobra"
)

func init() { register(newAgentCmd) }

func newAgentCmd(e *env) *cobra.Command {
	return group(&cobra.Command{
		Use:   "agent",
		Short: "Add, list and remove agents",
		Example: `  aos agent add researcher --department growth   # prints the agent's token, once
  aos agent list
  aos agent remove researcher`,
	}, newAgentAddCmd(e), newAgentListCmd(e), newAgentRemoveCmd(e))
}

func newAgentAddCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Add an agent; prints its token once, alone on stdout",
		Example: `  TOKEN=$(aos agent add researcher --department growth)
  aos agent add writer --json`,
		Args: exactArgs(1, "NAME"),
	}
	dept := cmd.Flags().String("department", "", "the agent's department")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var res httpapi.AddAgentResponse
		if err := c.do(cmd.Context(), "POST", "/v1/owner/agents", httpapi.AddAgentRequest{Name: args[0], Department: *dept}, &res); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, res)
		}
		fmt.Fprintln(e.stdout, res.Token)
		return nil
	}
	return cmd
}

func newAgentListCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the agents",
		Example: `  aos agent list --json`,
		Args:    noArgs,
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var ps []aos.Principal
		if err := c.do(cmd.Context(), "GET", "/v1/owner/agents", nil, &ps); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, ps)
		}
		tw := table(e.stdout)
		fmt.Fprintln(tw, "NAME\tDEPARTMENT\tCREATED")
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Name, or(p.Department, "-"), fmtTime(&p.CreatedAt))
		}
		return tw.Flush()
	}
	return cmd
}

func newAgentRemoveCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove an agent: its token stops working, its grants are revoked, its held calls fail",
		Example: `  aos agent remove researcher
  aos agent remove researcher --json`,
		Args: exactArgs(1, "NAME"),
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := newClient(e)
		if err != nil {
			return err
		}
		if err := c.do(cmd.Context(), "DELETE", "/v1/owner/agents/"+url.PathEscape(args[0]), nil, nil); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, map[string]any{"removed": args[0]})
		}
		fmt.Fprintf(e.stdout, "removed agent %s; its token no longer works, its grants are revoked and its held calls failed\n", args[0])
		return nil
	}
	return cmd
}
