package secinfra

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// WriteMarkdown writes rep as the monthly sign-off document: the summary,
// every finding with its evidence and remedy, the dismissals that still
// hold, and a place to sign.
func WriteMarkdown(w io.Writer, rep *ReviewReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Access review, %s\n\n", rep.At.UTC().Format(time.DateOnly))
	fmt.Fprintf(&b, "- Run at: %s\n", rep.At.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "- Window: %s (since %s)\n", rep.Window, rep.WindowStart.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "- Evidence read: entries %d to %d\n", rep.ScannedFrom, rep.ScannedTo)
	fmt.Fprintf(&b, "- Findings: %d; dismissed and still kept: %d\n\n", len(rep.Findings), len(rep.Dismissed))
	if len(rep.Counts) > 0 {
		b.WriteString("| Kind | Findings |\n|---|---|\n")
		kinds := make([]string, 0, len(rep.Counts))
		for k := range rep.Counts {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			fmt.Fprintf(&b, "| %s | %d |\n", k, rep.Counts[k])
		}
		b.WriteString("\n")
	}
	b.WriteString("## Findings\n\n")
	if len(rep.Findings) == 0 {
		b.WriteString("Nothing to change.\n\n")
	}
	for _, f := range rep.Findings {
		fmt.Fprintf(&b, "### `%s`\n\n%s.\n\n", f.ID, mdText(f.Summary))
		b.WriteString("Evidence:\n\n")
		for _, line := range evidenceLines(f.Evidence) {
			fmt.Fprintf(&b, "- %s\n", line)
		}
		fmt.Fprintf(&b, "\nRemedy: %s.", mdText(f.Remedy.Text))
		if f.Remedy.Command != "" {
			fmt.Fprintf(&b, " `%s`", f.Remedy.Command)
		}
		if !f.Remedy.Applicable {
			b.WriteString(" (for a person; aos does not apply it)")
		}
		b.WriteString("\n\n- [ ] apply  - [ ] keep (reason: ________)\n\n")
	}
	if len(rep.Dismissed) > 0 {
		b.WriteString("## Kept by decision\n\n| Finding | Reason | By | At |\n|---|---|---|---|\n")
		for _, d := range rep.Dismissed {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", d.ID, mdCell(d.Reason), d.By, d.At.UTC().Format(time.RFC3339))
		}
		b.WriteString("\n")
	}
	b.WriteString("## Sign-off\n\nReviewed by: ________________  Date: ____________  Signature: ________________\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func evidenceLines(e ReviewEvidence) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if e.Scope != "" {
		add("grant: %s `%s`", e.Access, mdText(e.Scope))
	}
	if e.GrantCreatedAt != nil {
		add("created: %s", e.GrantCreatedAt.Format(time.RFC3339))
	}
	add("uses or denials since %s: %d", e.Since.UTC().Format(time.RFC3339), e.Count)
	if e.First != nil && e.Last != nil {
		add("first %s, last %s", e.First.Format(time.RFC3339), e.Last.Format(time.RFC3339))
	}
	if len(e.Entries) > 0 {
		s := make([]string, len(e.Entries))
		for i, n := range e.Entries {
			s[i] = fmt.Sprint(n)
		}
		add("evidence entries: %s", strings.Join(s, ", "))
	}
	if len(e.UsedScopes) > 0 {
		add("used only on: `%s`", mdText(strings.Join(e.UsedScopes, "`, `")))
	}
	if e.LastUsedAt != nil {
		add("credential last used: %s", e.LastUsedAt.Format(time.RFC3339))
	}
	if e.DueAt != nil {
		add("rotation due: %s (credential version %d)", e.DueAt.Format(time.RFC3339), e.CredentialVersion)
	}
	if e.ExpiresAt != nil {
		add("expires: %s", e.ExpiresAt.Format(time.RFC3339))
	}
	if x := e.Excess; x != nil {
		add("credential beyond its grants: account-wide %t, write %t, resources %s", x.AccountWide, x.Write,
			mdText(strings.Join(x.Resources, ", ")))
	}
	if len(e.Grants) > 0 {
		add("grants: %s", strings.Join(e.Grants, ", "))
	}
	return out
}

// mdText keeps text from breaking out of its place in the document.
func mdText(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ", "`", "'").Replace(s)
}

func mdCell(s string) string { return strings.ReplaceAll(mdText(s), "|", "\\|") }
