package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/httpapi"
)

func TestFormatAmount(t *testing.T) {
	for _, c := range []struct {
		minor int64
		cur   string
		want  string
	}{
		{150000, "usd", "1500.00 USD"},
		{5, "eur", "0.05 EUR"},
		{-250, "usd", "-2.50 USD"},
		{500, "jpy", "500 JPY"},
		{1500, "kwd", "1.500 KWD"},
		{42, "", "42 (minor units, currency unknown)"},
	} {
		if got := formatAmount(c.minor, c.cur); got != c.want {
			t.Errorf("formatAmount(%d, %q) = %q, want %q", c.minor, c.cur, got, c.want)
		}
	}
}

// TestPrintApproval_withoutView: an approval the server sent no view for
// still shows what the call is, why it was held and what the agent says;
// with a view, the view is shown instead.
func TestPrintApproval_withoutView(t *testing.T) {
	a := &aos.Approval{ID: "ap_1", Status: aos.ApprovalPending, Points: []aos.ApprovalPoint{"money"},
		Requester: "agent:buyer", Connection: "pay", Summary: "refunds.create", Operation: "refunds.create",
		Access: aos.Write, Resource: "refunds", Facts: aos.Facts{Amount: 150000, Currency: "usd"},
		Reasons: []string{"money: over the cap"}, Purpose: "duplicate order", Recommendation: "approve",
		Alternatives: []string{"store credit"}, Digest: "ab", ExpiresAt: time.Unix(0, 0)}
	var out bytes.Buffer
	printApproval(&env{stdout: &out}, a)
	for _, want := range []string{"ap_1  pending  [money]\n", "  agent:buyer wants: refunds.create on pay\n",
		"  operation: refunds.create (write)\n", "  resource: refunds\n", "  amount: 1500.00 USD\n",
		"  held: money: over the cap\n", "  purpose: duplicate order\n", "  recommendation: approve\n",
		"  alternative: store credit\n", "  digest: sha256:ab  expires: 1970-01-01T00:00:00Z\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
	a.View = &aos.ApprovalView{Text: "approval ap_1, held at money\n\nwhat it would send:\n  amount: $1,500.00 USD\n"}
	out.Reset()
	printApproval(&env{stdout: &out}, a)
	if !strings.Contains(out.String(), "  approval ap_1, held at money\n\n  what it would send:\n    amount: $1,500.00 USD\n") {
		t.Errorf("the view is not shown as sent:\n%s", out.String())
	}
	if strings.Contains(out.String(), "  held: ") || strings.Contains(out.String(), "  operation: ") {
		t.Errorf("with a view, the facts are shown twice:\n%s", out.String())
	}
}

func TestPrintResult_bounded(t *testing.T) {
	body := `{"id":"x","data":"` + strings.Repeat("é", 3000) + `"}`
	var out bytes.Buffer
	printResult(&out, &httpapi.CallResult{Status: 201, Header: map[string]string{"Content-Type": "application/json"}, Body: []byte(body)})
	s := out.String()
	if !strings.HasPrefix(s, "upstream answer: 201 Created\n  content-type: application/json\n  {\n    \"id\": \"x\",\n") {
		t.Errorf("answer:\n%.300s", s)
	}
	if !strings.Contains(s, "more bytes not shown") || len(s) > maxShownBody+400 {
		t.Errorf("answer of %d bytes is not cut at 2 KiB", len(s))
	}
	if !strings.Contains(s, "é") || strings.Contains(s, "\uFFFD") {
		t.Errorf("the cut splits a character")
	}
	out.Reset()
	printResult(&out, &httpapi.CallResult{Status: 200, Text: "plain answer"})
	if out.String() != "upstream answer: 200 OK\n  plain answer\n" {
		t.Errorf("text answer: %q", out.String())
	}
	out.Reset()
	printResult(&out, &httpapi.CallResult{Status: 204})
	if out.String() != "upstream answer: 204 No Content\n  (empty body)\n" {
		t.Errorf("empty answer: %q", out.String())
	}
}
