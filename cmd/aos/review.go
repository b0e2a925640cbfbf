package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/spf13/cobra"
)

func init() { register(newReviewCmd) }

// newReviewCmd runs the access review, applies its remedies or records a
// decision to keep what a finding is about.
func newReviewCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "review [--apply ID...]",
		Short: "The access review: findings and remedies; --apply narrows or revokes, --dismiss keeps",
		Example: `  aos review
  aos review --markdown > review-2026-12.md
  aos review --apply write-unused/g_0123456789ab scope-wider/g_0123456789ab
  aos review --dismiss credential-broader/crm --reason "restricted keys are not offered for this API"`,
		Args: cobra.ArbitraryArgs,
	}
	fs := cmd.Flags()
	asJSON := jsonFlag(cmd)
	asMarkdown := fs.Bool("markdown", false, "print the Markdown sign-off document")
	window := fs.String("window", "", "tracking window, such as 90d (default: the server's)")
	all := fs.Bool("all", false, "show dismissed findings too")
	apply := fs.Bool("apply", false, "carry out the remedies of the findings named as arguments")
	dismiss := fs.String("dismiss", "", "record a decision to keep what finding ID is about")
	reason := fs.String("reason", "", "why the finding is dismissed")
	cmd.RunE = func(cmd *cobra.Command, pos []string) error {
		ctx := cmd.Context()
		switch {
		case *asJSON && *asMarkdown:
			return usagef("--json and --markdown are exclusive")
		case *apply && *dismiss != "":
			return usagef("--apply and --dismiss are exclusive")
		case *apply && len(pos) == 0:
			return usagef("missing finding ID after --apply")
		case !*apply && len(pos) > 0:
			return usagef("unexpected argument %q", pos[0])
		case *dismiss != "" && strings.TrimSpace(*reason) == "":
			return usagef("--dismiss needs --reason TEXT")
		case *dismiss == "" && *reason != "":
			return usagef("--reason goes with --dismiss")
		}
		if *window != "" {
			if _, err := owner.ParseDuration(*window); err != nil {
				return usagef("--window: %s", message(err))
			}
		}
		c, err := newClient(e)
		if err != nil {
			return err
		}
		switch {
		case *apply:
			var res secinfra.Applied
			if err := c.do(ctx, "POST", "/v1/owner/review/apply", httpapi.ReviewApplyRequest{Findings: pos, Window: *window}, &res); err != nil {
				return err
			}
			if *asJSON {
				return printJSON(e.stdout, res)
			}
			for _, id := range res.Revoked {
				fmt.Fprintf(e.stdout, "revoked grant %s\n", id)
			}
			for _, g := range res.Created {
				fmt.Fprintf(e.stdout, "granted %s %s on %s to %s (narrower, as %s)\n", g.Access, g.Scope, g.Connection, g.GranteeLabel(), g.ID)
			}
			fmt.Fprintf(e.stdout, "applied %s (evidence entries %v)\n", strings.Join(res.Findings, ", "), res.Entries)
			return nil
		case *dismiss != "":
			var d secinfra.Dismissal
			if err := c.do(ctx, "POST", "/v1/owner/review/dismiss", httpapi.ReviewDismissRequest{Finding: *dismiss, Reason: *reason, Window: *window}, &d); err != nil {
				return err
			}
			if *asJSON {
				return printJSON(e.stdout, d)
			}
			fmt.Fprintf(e.stdout, "kept %s; it is not shown again unless its evidence changes\n", d.ID)
			return nil
		}
		q := url.Values{}
		if *window != "" {
			q.Set("window", *window)
		}
		if *all {
			q.Set("all", "1")
		}
		path := "/v1/owner/review"
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
		var rep secinfra.ReviewReport
		if err := c.do(ctx, "GET", path, nil, &rep); err != nil {
			return err
		}
		switch {
		case *asJSON:
			return printJSON(e.stdout, rep)
		case *asMarkdown:
			return secinfra.WriteMarkdown(e.stdout, &rep)
		}
		if len(rep.Findings) == 0 {
			fmt.Fprintf(e.stdout, "no findings in the last %s (%d dismissed and kept)\n", rep.Window, len(rep.Dismissed))
			return nil
		}
		tw := table(e.stdout)
		fmt.Fprintln(tw, "ID\tFINDING\tREMEDY")
		for _, f := range rep.Findings {
			remedy := f.Remedy.Text
			if !f.Remedy.Applicable {
				remedy += " (for a person)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", f.ID, f.Summary, remedy)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\n%d finding(s) in the last %s, %d dismissed and kept. Apply with `aos review --apply ID…`; keep with `aos review --dismiss ID --reason TEXT`.\n",
			len(rep.Findings), rep.Window, len(rep.Dismissed))
		return nil
	}
	return cmd
}
