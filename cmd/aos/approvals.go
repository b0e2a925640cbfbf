package main

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/policy"
)

func cmdApprovals(ctx context.Context, e *env, args []string) error {
	fs := newOwnerFlags("approvals")
	all := fs.Bool("all", false, "include decided approvals")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseExactly(fs.FlagSet, args, 0, ""); err != nil {
		return err
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	path := "/v1/owner/approvals"
	if *all {
		path += "?all=true"
	}
	var as []aos.Approval
	if err := c.do(ctx, "GET", path, nil, &as); err != nil {
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

func decide(ctx context.Context, e *env, args []string, approve bool) error {
	name := map[bool]string{true: "approve", false: "deny"}[approve]
	fs := newOwnerFlags(name)
	reason := fs.String("reason", "", "why (required to deny)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseExactly(fs.FlagSet, args, 1, "approval ID")
	if err != nil {
		return err
	}
	if !approve && strings.TrimSpace(*reason) == "" {
		return usagef("--reason is required to deny")
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	var a aos.Approval
	if err := c.do(ctx, "POST", "/v1/owner/approvals/"+url.PathEscape(pos[0])+"/"+name,
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

func cmdApprove(ctx context.Context, e *env, args []string) error { return decide(ctx, e, args, true) }
func cmdDeny(ctx context.Context, e *env, args []string) error    { return decide(ctx, e, args, false) }

// usdFlag parses dollars ("1000", "1,000.50", "$250") into cents.
func parseUSD(s string) (int64, error) {
	s = strings.NewReplacer("$", "", ",", "", "_", "").Replace(strings.TrimSpace(s))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || f > 1e13 {
		return 0, usagef("%q is not an amount in dollars", s)
	}
	return int64(math.Round(f * 100)), nil
}

func cmdCaps(ctx context.Context, e *env, args []string) error {
	fs := newOwnerFlags("caps")
	perMove := fs.String("per-move", "", "cap per money move, in USD")
	perWeek := fs.String("per-week", "", "cap per rolling 7 days, in USD")
	recipients := fs.Int("recipient-limit", -1, "a send to more recipients is a public claim")
	strict := fs.String("strict", "", "on|off: hold personal data never seen from a system of record")
	var rates []string
	fs.Func("rate", "CUR=USD_PER_UNIT, such as EUR=1.08 (repeatable; CUR= removes)", func(v string) error {
		rates = append(rates, v)
		return nil
	})
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseExactly(fs.FlagSet, args, 0, ""); err != nil {
		return err
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	var caps aos.Caps
	if err := c.do(ctx, "GET", "/v1/owner/caps", nil, &caps); err != nil {
		return err
	}
	changed := false
	if *perMove != "" {
		if caps.PerMove, err = parseUSD(*perMove); err != nil {
			return err
		}
		changed = true
	}
	if *perWeek != "" {
		if caps.PerWeek, err = parseUSD(*perWeek); err != nil {
			return err
		}
		changed = true
	}
	if *recipients >= 0 {
		caps.RecipientLimit, changed = *recipients, true
	}
	switch *strict {
	case "":
	case "on", "true":
		caps.Strict, changed = true, true
	case "off", "false":
		caps.Strict, changed = false, true
	default:
		return usagef("--strict takes on or off")
	}
	for _, r := range rates {
		cur, v, ok := strings.Cut(r, "=")
		if !ok {
			return usagef("--rate takes CUR=RATE, such as EUR=1.08")
		}
		if caps.Rates == nil {
			caps.Rates = map[string]string{}
		}
		if v == "" {
			delete(caps.Rates, strings.ToUpper(cur))
		} else {
			caps.Rates[strings.ToUpper(cur)] = v
		}
		changed = true
	}
	if changed {
		if err := c.do(ctx, "PUT", "/v1/owner/caps", caps, &caps); err != nil {
			return err
		}
	}
	if *asJSON {
		return printJSON(e.stdout, caps)
	}
	fmt.Fprintf(e.stdout, "per move:         %s\n", policy.FormatUSD(caps.PerMove))
	fmt.Fprintf(e.stdout, "per rolling week: %s\n", policy.FormatUSD(caps.PerWeek))
	fmt.Fprintf(e.stdout, "recipient limit:  %d\n", caps.RecipientLimit)
	fmt.Fprintf(e.stdout, "strict PII:       %v\n", caps.Strict)
	for cur, r := range caps.Rates {
		fmt.Fprintf(e.stdout, "rate:             1 %s = %s USD\n", cur, r)
	}
	return nil
}

func evidenceRedact(ctx context.Context, e *env, args []string) error {
	fs := newOwnerFlags("evidence redact")
	reason := fs.String("reason", "", "why the content must go (required)")
	pos, err := parseExactly(fs.FlagSet, args, 1, "ENTRY")
	if err != nil {
		return err
	}
	entry, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || entry < 0 {
		return usagef("ENTRY must be an entry number")
	}
	if strings.TrimSpace(*reason) == "" {
		return usagef("--reason is required")
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	var a aos.Approval
	if err := c.do(ctx, "POST", "/v1/owner/evidence/redact", httpapi.RedactRequest{Entry: entry, Reason: *reason}, &a); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s\n", a.ID)
	fmt.Fprintf(e.stderr, "held as an audit-edit: nothing is removed until `aos approve %s`\n", a.ID)
	return nil
}
