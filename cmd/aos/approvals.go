package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/httpapi"
	"github.com/spf13/cobra"
)

func init() {
	register(newApprovalsCmd)
	register(func(e *env) *cobra.Command { return newDecideCmd(e, true) })
	register(func(e *env) *cobra.Command { return newDecideCmd(e, false) })
}

func newApprovalsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "approvals",
		Short: "Held calls waiting for the owner (--all: decided ones too)",
		Long: `Every held call, one block each: its approval points, the agent and what it
wants, the connection, operation and resource, the amount, why it was held, the
agent's purpose, recommendation and alternatives, the digest of the exact
request and when it expires.`,
		Example: `  aos approvals
  aos approvals --all --json`,
		Args: noArgs,
	}
	all := cmd.Flags().Bool("all", false, "include decided approvals")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := newClient(e)
		if err != nil {
			return err
		}
		path := "/v1/owner/approvals"
		if *all {
			path += "?all=true"
		}
		var as []aos.Approval
		if err := c.do(cmd.Context(), "GET", path, nil, &as); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, as)
		}
		if len(as) == 0 {
			fmt.Fprintln(e.stdout, "no approvals waiting")
			return nil
		}
		for i, a := range as {
			if i > 0 {
				fmt.Fprintln(e.stdout)
			}
			printApproval(e, &a)
		}
		return nil
	}
	return cmd
}

func printApproval(e *env, a *aos.Approval) {
	pts := make([]string, len(a.Points))
	for i, p := range a.Points {
		pts[i] = string(p)
	}
	fmt.Fprintf(e.stdout, "%s  %s  [%s]\n", a.ID, a.Status, strings.Join(pts, ", "))
	fmt.Fprintf(e.stdout, "  %s wants: %s", a.Requester, a.Summary)
	if a.Connection != "" {
		fmt.Fprintf(e.stdout, " on %s", a.Connection)
	}
	fmt.Fprintln(e.stdout)
	for _, r := range a.Reasons {
		fmt.Fprintf(e.stdout, "  held: %s\n", r)
	}
	if a.Purpose != "" {
		fmt.Fprintf(e.stdout, "  purpose: %s\n", a.Purpose)
	}
	if a.Recommendation != "" {
		fmt.Fprintf(e.stdout, "  recommendation: %s\n", a.Recommendation)
	}
	for _, alt := range a.Alternatives {
		fmt.Fprintf(e.stdout, "  alternative: %s\n", alt)
	}
	fmt.Fprintf(e.stdout, "  digest: sha256:%s  expires: %s\n", a.Digest, fmtTime(&a.ExpiresAt))
	if a.Decider != "" {
		fmt.Fprintf(e.stdout, "  decided by %s at %s", a.Decider, fmtTime(a.DecidedAt))
		if a.Reason != "" {
			fmt.Fprintf(e.stdout, ": %s", a.Reason)
		}
		fmt.Fprintln(e.stdout)
	}
	switch {
	case a.Status == aos.ApprovalExecuted && a.ResultStatus != 0:
		fmt.Fprintf(e.stdout, "  executed: upstream answered %d\n", a.ResultStatus)
	case a.Status == aos.ApprovalExecuted:
		fmt.Fprintln(e.stdout, "  executed")
	case a.Status == aos.ApprovalFailed:
		fmt.Fprintf(e.stdout, "  failed: %s\n", a.Error)
	}
}

func newDecideCmd(e *env, approve bool) *cobra.Command {
	name := map[bool]string{true: "approve", false: "deny"}[approve]
	cmd := &cobra.Command{
		Use:   name + " ID",
		Short: "Approve a held call: it runs exactly the held request, once, and shows the upstream's answer",
		Example: `  aos approve ap_0123456789ab --reason "ok for this customer"
  aos approve ap_0123456789ab --json`,
		Args: exactArgs(1, "approval ID"),
	}
	if !approve {
		cmd.Short = "Deny a held call: it never reaches the upstream"
		cmd.Example = `  aos deny ap_0123456789ab --reason "not before the launch"`
	}
	reason := cmd.Flags().String("reason", "", "why (required to deny)")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if !approve && strings.TrimSpace(*reason) == "" {
			return usagef("--reason is required to deny")
		}
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var a aos.Approval
		if err := c.do(cmd.Context(), "POST", "/v1/owner/approvals/"+url.PathEscape(args[0])+"/"+name,
			httpapi.DecideRequest{Reason: *reason}, &a); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, a)
		}
		printApproval(e, &a)
		if a.Status == aos.ApprovalFailed {
			return aos.Errorf(a.Error, "approved, but the call failed")
		}
		return nil
	}
	return cmd
}
