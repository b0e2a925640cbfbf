package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/spf13/cobra"
)

func init() { register(newKeysCmd) }

// newKeysCmd is `aos keys`: the inventory, a connection's rotation period,
// rotation and the exposed-key runbook.
func newKeysCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys [NAME --rotate-every D]",
		Short: "The key inventory; a connection's rotation period; rotation and the exposed-key runbook",
		Long: `Without arguments, every credential version: connection, type, breadth, the
grants that use it, created, last rotated, rotation period, due date and last
use; never the secret. With NAME --rotate-every D, set how often that
connection's credential is due for rotation.`,
		Example: `  aos keys
  aos keys --json
  aos keys code --rotate-every 60d
  aos keys rotate code --credential-env NEW_GH_TOKEN
  aos keys exposed code --credential-env NEW_GH_TOKEN`,
		Args: maxArgs(1),
	}
	cmd.AddCommand(newKeysRotateCmd(e), newKeysExposedCmd(e))
	every := cmd.Flags().String("rotate-every", "", "with NAME: set how often its credential is due for rotation, such as 90d")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, pos []string) error {
		ctx := cmd.Context()
		if len(pos) == 1 && *every == "" {
			return usagef("with a connection NAME, give --rotate-every D (or use `aos keys rotate NAME`)")
		}
		if len(pos) == 0 && *every != "" {
			return usagef("--rotate-every needs a connection NAME")
		}
		if *every != "" {
			if _, err := owner.ParseDuration(*every); err != nil {
				return usagef("--rotate-every: %s", aos.ErrorMessage(err))
			}
		}
		c, err := newClient(e)
		if err != nil {
			return err
		}
		if len(pos) == 1 {
			var cred aos.Credential
			if err := c.do(ctx, "PUT", "/v1/owner/keys/"+url.PathEscape(pos[0]), httpapi.KeySettingsRequest{RotateEvery: *every}, &cred); err != nil {
				return err
			}
			if *asJSON {
				return printJSON(e.stdout, cred)
			}
			fmt.Fprintf(e.stdout, "%s: credential version %d is rotated every %s; next due %s\n", pos[0], cred.Version,
				secinfra.FormatPeriod(cred.RotationPeriod), cred.DueAt().Format("2006-01-02T15:04:05Z07:00"))
			return nil
		}
		var keys []secinfra.Key
		if err := c.do(ctx, "GET", "/v1/owner/keys", nil, &keys); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, keys)
		}
		tw := table(e.stdout)
		fmt.Fprintln(tw, "CONNECTION\tTYPE\tVERSION\tSTATUS\tFINGERPRINT\tBREADTH\tGRANTS\tCREATED\tLAST ROTATED\tEVERY\tDUE\tLAST USED")
		for _, k := range keys {
			due := "-"
			if k.DueAt != nil {
				due = fmtTime(k.DueAt)
				if k.Overdue {
					due += " (OVERDUE)"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.Connection, k.Type, k.Version, k.Status,
				k.Fingerprint, breadthOf(k), grantsOf(k.Grants), fmtTime(&k.CreatedAt), fmtTime(k.LastRotated),
				k.RotateEvery, due, fmtTime(k.LastUsedAt))
		}
		return tw.Flush()
	}
	return cmd
}

// breadthOf summarises what inspection found a credential allows.
func breadthOf(k secinfra.Key) string {
	b := k.Breadth
	if b == nil {
		if k.InspectError != "" {
			return "unknown (inspection failed)"
		}
		return "not inspected"
	}
	var parts []string
	if b.Kind != "" {
		parts = append(parts, b.Kind)
	}
	if b.AccountWide {
		parts = append(parts, "account-wide")
	}
	if b.CanWrite {
		parts = append(parts, "can write")
	}
	return strings.Join(parts, ", ")
}

func grantsOf(gs []secinfra.KeyGrant) string {
	if len(gs) == 0 {
		return "-"
	}
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = fmt.Sprintf("%s %s %s to %s", g.ID, g.Access, g.Scope, g.Grantee)
		if g.ExpiresAt != nil {
			out[i] += " until " + fmtTime(g.ExpiresAt)
		}
		if g.Mission != "" {
			out[i] += " for " + g.Mission
		}
	}
	return strings.Join(out, "; ")
}

func newKeysRotateCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rotate NAME",
		Short: "Rotate a connection's credential: a new version, no call fails",
		Example: `  aos keys rotate code --credential-env NEW_GH_TOKEN
  aos keys rotate code --credential-file new.token --json
  echo "$NEW" | aos keys rotate code`,
		Args: exactArgs(1, "connection NAME"),
	}
	credFlags := addCredentialFlags(cmd.Flags(), "new credential")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, pos []string) error {
		ctx := cmd.Context()
		if err := credFlags.check(); err != nil {
			return err
		}
		c, err := newClient(e)
		if err != nil {
			return err
		}
		cred, err := credFlags.read(e)
		if err != nil {
			return err
		}
		var res httpapi.RotateResponse
		if err := c.do(ctx, "POST", "/v1/owner/keys/"+url.PathEscape(pos[0])+"/rotate", httpapi.RotateRequest{Credential: cred}, &res); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, res)
		}
		fmt.Fprintf(e.stdout, "rotated %s: calls use credential version %d from now on", res.Connection, res.Version)
		if res.Retired != 0 {
			fmt.Fprintf(e.stdout, "; version %d is retired", res.Retired)
		}
		fmt.Fprintln(e.stdout)
		if res.Retired != 0 {
			fmt.Fprintf(e.stdout, "left for you: revoke version %d at the provider once the calls under way have ended\n", res.Retired)
		}
		return nil
	}
	return cmd
}

func newKeysExposedCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exposed NAME",
		Short: "The exposed-key runbook: revoke now, rotate if given a new credential, confirm nothing stale",
		Example: `  aos keys exposed code
  aos keys exposed code --credential-env NEW_GH_TOKEN --json`,
		Args: exactArgs(1, "connection NAME"),
	}
	credFlags := addCredentialFlags(cmd.Flags(), "new credential to rotate in")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, pos []string) error {
		ctx := cmd.Context()
		if err := credFlags.check(); err != nil {
			return err
		}
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var req httpapi.RotateRequest
		// A new credential is optional here: the revocation must not wait for
		// one, so standard input is never read.
		if credFlags.given() {
			if req.Credential, err = credFlags.read(e); err != nil {
				return err
			}
		}
		var rep secinfra.ExposedReport
		if err := c.do(ctx, "POST", "/v1/owner/keys/"+url.PathEscape(pos[0])+"/exposed", req, &rep); err != nil {
			return err
		}
		if *asJSON {
			if err := printJSON(e.stdout, rep); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(e.stdout, "exposed key of %s (version %d)\n", rep.Connection, rep.Version)
			fmt.Fprintln(e.stdout, "done:")
			for _, d := range rep.Done {
				fmt.Fprintf(e.stdout, "  - %s\n", d)
			}
			for _, id := range rep.FailedApprovals {
				fmt.Fprintf(e.stdout, "  - failed held call %s (approval_stale)\n", id)
			}
			if rep.Clean() {
				fmt.Fprintln(e.stdout, "stale check: nothing stale remains")
			} else {
				fmt.Fprintln(e.stdout, "stale check: stale access remains (see below)")
			}
			if len(rep.Left) == 0 {
				fmt.Fprintln(e.stdout, "left for you: nothing")
			} else {
				fmt.Fprintln(e.stdout, "left for you:")
				for _, l := range rep.Left {
					fmt.Fprintf(e.stdout, "  - %s\n", l)
				}
			}
		}
		if rep.RotateError != "" {
			return withHint(fmt.Errorf("the key is revoked, but the new credential was not rotated in: %s", rep.RotateError),
				fmt.Sprintf("fix the credential and run `aos keys rotate %s`", rep.Connection))
		}
		return nil
	}
	return cmd
}
