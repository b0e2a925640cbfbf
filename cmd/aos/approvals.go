package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"

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
		for i := range as {
			if i > 0 {
				fmt.Fprintln(e.stdout)
			}
			printApproval(e, &as[i])
		}
		return nil
	}
	return cmd
}

// decided is the answer of aos approve and deny: the approval and, once a
// call was executed, the upstream's answer.
type decided struct {
	aos.Approval
	Result *httpapi.CallResult `json:"result,omitempty"`
}

// printApproval writes a readable block for one approval: who wants what,
// where, why it was held, what the agent says, and how it was decided.
func printApproval(e *env, a *aos.Approval) {
	w := e.stdout
	pts := make([]string, len(a.Points))
	for i, p := range a.Points {
		pts[i] = string(p)
	}
	fmt.Fprintf(w, "%s  %s  [%s]\n", a.ID, a.Status, strings.Join(pts, ", "))
	fmt.Fprintf(w, "  %s wants: %s", a.Requester, a.Summary)
	if a.Connection != "" {
		fmt.Fprintf(w, " on %s", a.Connection)
	}
	fmt.Fprintln(w)
	if a.View != nil && a.View.Text != "" {
		// The server's rendering says everything: what would be sent,
		// why it is held, and what the agent says.
		printIndented(w, "  ", a.View.Text)
	} else {
		printFacts(w, a)
	}
	fmt.Fprintf(w, "  digest: sha256:%s  expires: %s\n", a.Digest, fmtTime(&a.ExpiresAt))
	if a.Decider != "" {
		fmt.Fprintf(w, "  decided by %s at %s", a.Decider, fmtTime(a.DecidedAt))
		if a.Reason != "" {
			fmt.Fprintf(w, ": %s", a.Reason)
		}
		fmt.Fprintln(w)
	}
	switch {
	case a.Status == aos.ApprovalExecuted && a.ResultStatus != 0:
		fmt.Fprintf(w, "  executed: upstream answered %d\n", a.ResultStatus)
	case a.Status == aos.ApprovalExecuted:
		fmt.Fprintln(w, "  executed")
	case a.Status == aos.ApprovalFailed:
		fmt.Fprintf(w, "  failed: %s\n", a.Error)
	}
}

// printFacts writes what an approval without the server's rendering
// holds: operation, resource, facts, why it was held and what the agent
// says.
func printFacts(w io.Writer, a *aos.Approval) {
	if a.Operation != "" {
		fmt.Fprintf(w, "  operation: %s", a.Operation)
		if a.Access != "" {
			fmt.Fprintf(w, " (%s)", a.Access)
		}
		fmt.Fprintln(w)
	}
	if a.Resource != "" {
		fmt.Fprintf(w, "  resource: %s\n", a.Resource)
	}
	for _, f := range factLines(a.Facts) {
		fmt.Fprintf(w, "  %s\n", f)
	}
	if a.RedactEntry != 0 {
		fmt.Fprintf(w, "  redacts evidence entry %d\n", a.RedactEntry)
	}
	for _, r := range a.Reasons {
		fmt.Fprintf(w, "  held: %s\n", r)
	}
	if a.Purpose != "" {
		fmt.Fprintf(w, "  purpose: %s\n", a.Purpose)
	}
	if a.Recommendation != "" {
		fmt.Fprintf(w, "  recommendation: %s\n", a.Recommendation)
	}
	for _, alt := range a.Alternatives {
		fmt.Fprintf(w, "  alternative: %s\n", alt)
	}
}

// factLines says what the facts of a held call bear on, one line each.
func factLines(f aos.Facts) []string {
	var out []string
	switch {
	case f.AmountUnknown:
		out = append(out, "amount: could not be read")
	case f.Amount != 0:
		out = append(out, "amount: "+formatAmount(f.Amount, f.Currency))
	}
	if f.Recipients > 0 {
		out = append(out, fmt.Sprintf("recipients: %d", f.Recipients))
	}
	var flags []string
	for _, b := range []struct {
		on   bool
		name string
	}{{f.Public, "public"}, {f.Production, "production"}, {f.Export, "export"}, {f.Share, "share"},
		{f.TrainingOptIn, "training opt-in"}, {f.Unscanned, "payload too large to scan"}} {
		if b.on {
			flags = append(flags, b.name)
		}
	}
	if len(flags) > 0 {
		out = append(out, "marks: "+strings.Join(flags, ", "))
	}
	if len(f.CustomerData) > 0 {
		line := "customer data: " + strings.Join(f.CustomerData, ", ")
		if len(f.CustomerSources) > 0 {
			line += " from " + strings.Join(f.CustomerSources, ", ")
		}
		out = append(out, line)
	}
	if len(f.Sensitive) > 0 {
		out = append(out, "sensitive: "+strings.Join(f.Sensitive, ", "))
	}
	if len(f.Personal) > 0 {
		out = append(out, "personal data: "+strings.Join(f.Personal, ", "))
	}
	return out
}

// formatAmount writes an amount in minor units in the currency's major
// units: 150000 usd is "1500.00 USD".
func formatAmount(minor int64, currency string) string {
	cur := strings.ToUpper(currency)
	if cur == "" {
		return fmt.Sprintf("%d (minor units, currency unknown)", minor)
	}
	digits := aos.MinorUnits(cur)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	if digits > 0 {
		for len(s) <= digits {
			s = "0" + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return s + " " + cur
}

// printIndented writes text with every line indented.
func printIndented(w io.Writer, indent, text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if line == "" {
			fmt.Fprintln(w)
			continue
		}
		fmt.Fprintf(w, "%s%s\n", indent, line)
	}
}

// maxShownBody bounds the upstream's answer aos approve prints.
const maxShownBody = 2 << 10

// printResult writes the upstream's answer to an executed call: its status
// and the first 2 KiB of its body, JSON pretty-printed.
func printResult(w io.Writer, r *httpapi.CallResult) {
	fmt.Fprintf(w, "upstream answer: %d %s\n", r.Status, http.StatusText(r.Status))
	if ct := r.Header["Content-Type"]; ct != "" {
		fmt.Fprintf(w, "  content-type: %s\n", ct)
	}
	var body string
	switch {
	case len(r.Body) > 0:
		var b bytes.Buffer
		if json.Indent(&b, r.Body, "", "  ") == nil {
			body = b.String()
		} else {
			body = string(r.Body)
		}
	case r.Text != "":
		body = r.Text
	case r.Base64 != "":
		n := base64.StdEncoding.DecodedLen(len(r.Base64))
		fmt.Fprintf(w, "  (about %d bytes of binary data, not shown)\n", n)
		return
	default:
		fmt.Fprintln(w, "  (empty body)")
		return
	}
	more := 0
	if len(body) > maxShownBody {
		cut := maxShownBody
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		more = len(body) - cut
		body = body[:cut]
	}
	printIndented(w, "  ", body)
	if more > 0 {
		fmt.Fprintf(w, "  … %d more bytes not shown (aos approve --json has them all)\n", more)
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
		var d decided
		if err := c.do(cmd.Context(), "POST", "/v1/owner/approvals/"+url.PathEscape(args[0])+"/"+name,
			httpapi.DecideRequest{Reason: *reason}, &d.Approval); err != nil {
			return err
		}
		a := &d.Approval
		if a.Kind == aos.ApprovalCall && (a.Status == aos.ApprovalExecuted || a.Status == aos.ApprovalApproved) {
			// The upstream's answer, from the same route agents poll
			// (the owner may read any approval's); an approved call
			// still under way is waited for a little.
			var st httpapi.ApprovalState
			if err := c.do(cmd.Context(), "GET", "/v1/approvals/"+url.PathEscape(a.ID)+"?wait=30s", nil, &st); err != nil {
				return err
			}
			a.Status, d.Result = st.Status, st.Result
			if st.Status == aos.ApprovalFailed && a.Error == "" {
				a.Error = st.Code
			}
		}
		if *asJSON {
			return printJSON(e.stdout, d)
		}
		printApproval(e, &d.Approval)
		if d.Result != nil {
			printResult(e.stdout, d.Result)
		}
		if a.Status == aos.ApprovalFailed {
			return aos.Errorf(a.Error, "approved, but the call failed")
		}
		return nil
	}
	return cmd
}
