package approval

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/policy"
)

// View is what the owner is shown of a held call: a plain-text rendering
// that is a pure function of the approval, and the hex SHA-256 of that
// text. A decision may carry the digest of the view its owner decided on
// (DecideShown); the decision is refused if the approval no longer renders
// to it, and the digest is recorded in the decision's evidence entry, so
// the trail proves what the approver saw.
type View struct {
	Text   string `json:"text"`
	Digest string `json:"digest"`
}

// Render renders a. It reads only what the approval holds in the clear
// (never the sealed request, never a secret), so the same approval always
// renders to the same bytes.
func Render(a *aos.Approval) View {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-14s %s\n", label+":", fmt.Sprintf(format, args...))
	}
	line("Approval", "%s", a.ID)
	line("Points", "%s", PointNames(a.Points))
	line("Requested by", "%s", a.Requester)
	if a.Kind == aos.ApprovalRedaction {
		line("Redacts entry", "%d", a.RedactEntry)
	}
	if a.Connection != "" {
		line("Connection", "%s", a.Connection)
	}
	if a.Operation != "" {
		line("Operation", "%s (%s)", a.Operation, a.Access)
	}
	if a.Resource != "" {
		line("Resource", "%s", a.Resource)
	}
	if a.Summary != "" {
		line("Call", "%s", a.Summary)
	}
	f := a.Facts
	switch {
	case f.AmountUnknown:
		line("Amount", "moves money; the amount could not be read")
	case f.Amount != 0 || f.Currency != "":
		line("Amount", "%s", MajorUnits(f.Amount, f.Currency))
	}
	if f.Recipients > 0 {
		line("Recipients", "%d", f.Recipients)
	}
	var flags []string
	for _, fl := range []struct {
		on   bool
		name string
	}{{f.Public, "public"}, {f.Production, "production"}, {f.Export, "export"}, {f.Share, "share"},
		{f.TrainingOptIn, "training opt-in"}, {f.Unscanned, "payload too large to scan"}} {
		if fl.on {
			flags = append(flags, fl.name)
		}
	}
	if len(flags) > 0 {
		line("Flags", "%s", strings.Join(flags, ", "))
	}
	for _, fl := range f.Flows {
		line("Customer data", "%d from %s (%s)", fl.Count, fl.Source, strings.Join(fl.Categories, ", "))
	}
	if len(f.Flows) == 0 && len(f.CustomerData) > 0 {
		line("Customer data", "%s from %s", strings.Join(f.CustomerData, ", "), strings.Join(f.CustomerSources, ", "))
	}
	if len(f.Sensitive) > 0 {
		line("Sensitive", "%s", strings.Join(f.Sensitive, ", "))
	}
	if len(f.Personal) > 0 {
		line("Personal data", "%s", strings.Join(f.Personal, ", "))
	}
	for _, r := range a.Reasons {
		line("Held because", "%s", r)
	}
	line("Request digest", "%s", a.Digest)
	sum := sha256.Sum256([]byte(b.String()))
	return View{Text: b.String(), Digest: hex.EncodeToString(sum[:])}
}

// MajorUnits formats an amount in a currency's minor unit in major units
// with the currency: 125000 USD is "1,250.00 USD", 500 JPY "500 JPY".
func MajorUnits(amount int64, currency string) string {
	cur := strings.ToUpper(currency)
	if cur == "" {
		cur = "(no currency)"
	}
	exp := policy.MinorUnits(currency)
	neg := amount < 0
	if neg {
		amount = -amount
	}
	div := int64(1)
	for range exp {
		div *= 10
	}
	whole := fmt.Sprint(amount / div)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if exp > 0 {
		fmt.Fprintf(&b, ".%0*d", exp, amount%div)
	}
	return b.String() + " " + cur
}

// validDigest reports whether d looks like a hex SHA-256.
func validDigest(d string) bool {
	if len(d) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(d)
	return err == nil && strings.ToLower(d) == d
}
