package secinfra

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the map as a table a person reads: one line per edge.
func WriteText(w io.Writer, m *FlowMap) error {
	if len(m.Edges) == 0 {
		if m.BySubject {
			_, err := fmt.Fprintln(w, "no recorded flow carried this subject's data")
			return err
		}
		_, err := fmt.Fprintln(w, "no customer data has left through the boundary")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tFROM\tDESTINATION\tTO\tCATEGORIES\tCOUNT\tCALLS\tFIRST\tLAST\tAPPROVED BY")
	for _, e := range m.Edges {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", e.Source, orDash(e.SourceResource),
			e.Destination, orDash(e.Resource),
			orDash(strings.Join(e.Categories, ",")), e.Count, e.Crossings, stamp(e.First), stamp(e.Last),
			approvedBy(e))
	}
	return tw.Flush()
}

// approvedBy lists an edge's approvals, and how many crossings had none.
func approvedBy(e Edge) string {
	parts := slices.Clone(e.Approvals)
	if e.Unapproved > 0 {
		parts = append(parts, fmt.Sprintf("no approval (%d)", e.Unapproved))
	}
	return strings.Join(parts, ",")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

// WriteDOT writes the map as a Graphviz graph: connections are nodes, and
// each edge is labelled with its resources (from → to), categories,
// counts and approvals.
func WriteDOT(w io.Writer, m *FlowMap) error {
	var b strings.Builder
	b.WriteString("digraph pii_map {\n\trankdir=LR;\n\tnode [shape=box];\n")
	var nodes []string
	for _, e := range m.Edges {
		for _, n := range []string{e.Source, e.Destination} {
			if !slices.Contains(nodes, n) {
				nodes = append(nodes, n)
			}
		}
	}
	slices.Sort(nodes)
	for _, n := range nodes {
		attrs := ""
		if n == "unattributed" {
			attrs = ", style=dashed"
		}
		fmt.Fprintf(&b, "\t%s [label=%s%s];\n", dotQuote(n), dotQuote(n), attrs)
	}
	for _, e := range m.Edges {
		label := []string{orDash(e.SourceResource) + " → " + orDash(e.Resource), orDash(strings.Join(e.Categories, ", ")),
			strconv.Itoa(e.Count) + " in " + plural(e.Crossings, "call"),
			stamp(e.First) + " to " + stamp(e.Last)}
		if len(e.Approvals) > 0 {
			label = append(label, "approved: "+strings.Join(e.Approvals, ", "))
		}
		if e.Unapproved > 0 {
			label = append(label, "no approval: "+plural(e.Unapproved, "call"))
		}
		fmt.Fprintf(&b, "\t%s -> %s [label=%s];\n", dotQuote(e.Source), dotQuote(e.Destination),
			dotQuote(strings.Join(label, "\n")))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// dotQuote quotes s as a DOT string: backslashes and quotes are escaped,
// line breaks become \n, and other control characters are dropped, so no
// name or resource can end the string or the statement.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
