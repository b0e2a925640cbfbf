package main

import (
	"fmt"
	"net/url"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/owner"
	"github.com/spf13/cobra"
)

func init() {
	register(newGrantCmd)
	register(newGrantsCmd)
	register(newRevokeCmd)
	register(newMissionCmd)
}

// grantView is a grant as the CLI prints it in JSON: the grantee always
// named ("company" for the whole company) and its state (active, revoked
// or expired).
type grantView struct {
	*aos.Grant
	Grantee string `json:"grantee"`
	State   string `json:"state"`
}

func viewGrant(g *aos.Grant, now time.Time) grantView {
	state := "active"
	switch {
	case g.RevokedAt != nil:
		state = "revoked"
	case g.Expired(now):
		state = "expired"
	}
	return grantView{Grant: g, Grantee: g.GranteeLabel(), State: state}
}

func viewGrants(gs []*aos.Grant) []grantView {
	now := time.Now()
	out := make([]grantView, len(gs))
	for i, g := range gs {
		out[i] = viewGrant(g, now)
	}
	return out
}

func newGrantCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "grant NAME --scope SCOPE --to GRANTEE",
		Short: "Grant access to a connection within a scope; prints the grant id",
		Long: `Grant an agent, a department or the whole company access to a connection
within a scope (in the connector's syntax; * means account-wide and must be
spelled out). Access is read unless --write.`,
		Example: `  aos grant crm --scope /v1/notes --write --to researcher
  aos grant crm --scope /v1/contacts --to company
  aos grant crm --scope /v1/campaigns --to department:content --expires 30d
  aos grant crm --scope /v1/tasks --to researcher --mission launch`,
		Args: exactArgs(1, "connection NAME"),
	}
	fs := cmd.Flags()
	scope := fs.String("scope", "", "what the grant covers (* = account-wide)")
	write := fs.Bool("write", false, "grant write access (default read-only)")
	to := fs.String("to", "", "the grantee (required): AGENT, department:D, or company for every agent")
	expires := fs.String("expires", "", "how long the grant lasts, such as 30d or 12h")
	mission := fs.String("mission", "", "the mission the grant is for; closing it ends the grant")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *scope == "" {
			return usagef("--scope is required (write * for account-wide access)")
		}
		if *to == "" {
			return usagef("--to is required: an agent, department:D, or company for every agent")
		}
		if *expires != "" {
			if _, err := owner.ParseDuration(*expires); err != nil {
				return usagef("%s", aos.ErrorMessage(err))
			}
		}
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var g aos.Grant
		req := httpapi.GrantRequest{Connection: args[0], Scope: *scope, Write: *write, To: *to, ExpiresIn: *expires, Mission: *mission}
		if err := c.do(cmd.Context(), "POST", "/v1/owner/grants", req, &g); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, viewGrant(&g, time.Now()))
		}
		fmt.Fprintln(e.stdout, g.ID)
		return nil
	}
	return cmd
}

func newGrantsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "grants",
		Short: "Every active grant with its id (--all: revoked and expired too)",
		Example: `  aos grants
  aos grants --all --json`,
		Args: noArgs,
	}
	all := cmd.Flags().Bool("all", false, "include revoked grants")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var gs []*aos.Grant
		path := "/v1/owner/grants"
		if *all {
			path += "?all=true"
		}
		if err := c.do(cmd.Context(), "GET", path, nil, &gs); err != nil {
			return err
		}
		views := viewGrants(gs)
		if *asJSON {
			return printJSON(e.stdout, views)
		}
		tw := table(e.stdout)
		fmt.Fprintln(tw, "ID\tCONNECTION\tSCOPE\tACCESS\tGRANTEE\tEXPIRES\tMISSION\tSTATE")
		for _, g := range views {
			scope := g.Scope
			if scope == "*" {
				scope = "* (account-wide)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.ID, g.Connection, scope, g.Access,
				g.Grantee, fmtTime(g.ExpiresAt), or(g.Mission, "-"), g.State)
		}
		return tw.Flush()
	}
	return cmd
}

func newRevokeCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "revoke GRANT_ID",
		Short: "End a grant at once: the next call that needed it is denied",
		Example: `  aos revoke g_0123456789ab
  aos revoke g_0123456789ab --json`,
		Args: exactArgs(1, "GRANT_ID"),
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var g aos.Grant
		if err := c.do(cmd.Context(), "DELETE", "/v1/owner/grants/"+url.PathEscape(args[0]), nil, &g); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, viewGrant(&g, time.Now()))
		}
		fmt.Fprintf(e.stdout, "revoked %s (%s on %s %s)\n", g.ID, g.Access, g.Connection, g.Scope)
		return nil
	}
	return cmd
}

func newMissionCmd(e *env) *cobra.Command {
	return group(&cobra.Command{
		Use:     "mission",
		Short:   "Close a mission, ending every grant made for it",
		Example: `  aos mission close launch`,
	}, newMissionCloseCmd(e))
}

func newMissionCloseCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "close M",
		Short: "End every grant made for mission M",
		Example: `  aos mission close launch
  aos mission close launch --json`,
		Args: exactArgs(1, "mission M"),
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := newClient(e)
		if err != nil {
			return err
		}
		m := args[0]
		var gs []*aos.Grant
		if err := c.do(cmd.Context(), "POST", "/v1/owner/missions/"+url.PathEscape(m)+"/close", nil, &gs); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, map[string]any{"mission": m, "revoked": viewGrants(gs)})
		}
		fmt.Fprintf(e.stdout, "closed mission %s: %d grant(s) revoked\n", m, len(gs))
		for _, g := range gs {
			fmt.Fprintf(e.stdout, "  %s (%s on %s %s)\n", g.ID, g.Access, g.Connection, g.Scope)
		}
		return nil
	}
	return cmd
}
