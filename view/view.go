// Package view renders a held call for the owner: who asked and from which
// department, the approval points and why each was reached, the connection
// and operation, and what the call would send, read from its sealed
// request in the terms of its connector (the amount in major units with
// its currency, the recipients, the target branch and the change, the
// customer data it carries, a generic call's method, path and bounded,
// pretty-printed body, a statement), followed by the agent's purpose,
// recommendation and alternatives.
//
// Render is pure: the same input gives the same bytes, so the view's
// digest names what the owner saw. It leaves out the approval's status and
// times, which change while the call waits, so a view is the same for the
// approval's whole life.
//
// What a view never shows:
//
//   - a secret: request headers are not shown at all (only the body's
//     Content-Type); query parameters, form fields and JSON members whose
//     names carry a credential (token, secret, password, authorization,
//     api key, cookie, session, signature, private key…) show
//     "[redacted]"; anything shaped like an aos token, and every secret
//     the caller passes in Input.Secrets (the connection's credential),
//     is replaced by "[redacted]" wherever it appears, before the body is
//     cut to its bound;
//   - customer data beyond the approval's facts: when the facts say the
//     payload carries customer data, sensitive or personal data, or could
//     not be scanned, the view shows the categories, sources and counts
//     the facts already name, and the body with every string and number
//     replaced by its length ("‹12 chars›"): its shape, keys and flags,
//     which is what the owner needs to see where the data would go,
//     without the data. Email recipients then show their domain only.
//     The amount, read from the facts, is shown either way.
//
// Text the agent wrote (bodies, purpose, recommendation) cannot steer the
// owner's terminal: control and bidirectional-formatting characters are
// written as \u escapes.
package view

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// MaxBody bounds, in bytes, the part of a request body a view shows; the
// view says how much more there was.
const MaxBody = 2 << 10

// Input is what a view is rendered from.
type Input struct {
	Approval *aos.Approval
	// Request is the approval's request, opened: the JSON of a
	// connector.Outbound for a call, {"redact_entry", "reason"} for a
	// redaction. Nil when it could not be opened; the view says so.
	Request []byte
	// ConnectionType is the connector type of the approval's connection
	// ("" if unknown): it says how the request reads.
	ConnectionType string
	// Department is the requesting agent's department ("" for none);
	// RequesterGone, that the agent has since been removed.
	Department    string
	RequesterGone bool
	// Secrets are values that must never appear in the view, such as the
	// connection's credential. Values shorter than 6 bytes are ignored.
	Secrets [][]byte
}

// Render renders the view of an approval.
func Render(in Input) aos.ApprovalView {
	// The longest secret first, so that one that contains another is
	// removed whole, whatever order they came in.
	secrets := slices.Clone(in.Secrets)
	slices.SortFunc(secrets, func(a, b []byte) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return bytes.Compare(a, b)
	})
	in.Secrets = secrets
	w := &writer{secrets: secrets}
	a := in.Approval
	w.head(in)
	if a.Kind == aos.ApprovalRedaction {
		w.redaction(in)
	} else {
		w.call(in)
	}
	w.meta(a)
	text := scrub(w.b.String(), in.Secrets)
	sum := sha256.Sum256([]byte(text))
	return aos.ApprovalView{Text: text, Digest: "sha256:" + hex.EncodeToString(sum[:])}
}

// writer accumulates the view's lines.
type writer struct {
	b       bytes.Buffer
	masked  bool
	secrets [][]byte
}

func (w *writer) line(indent int, format string, args ...any) {
	w.b.WriteString(strings.Repeat("  ", indent))
	fmt.Fprintf(&w.b, format, args...)
	w.b.WriteByte('\n')
}

// block writes text (sanitised) line by line at an indent.
func (w *writer) block(indent int, text string) {
	for l := range strings.SplitSeq(strings.TrimRight(text, "\n"), "\n") {
		w.line(indent, "%s", clean(strings.TrimSuffix(l, "\r")))
	}
}

func (w *writer) head(in Input) {
	a := in.Approval
	points := make([]string, len(a.Points))
	for i, p := range a.Points {
		points[i] = string(p)
	}
	w.line(0, "approval %s, held at %s", clean(a.ID), strings.Join(points, ", "))
	who := clean(a.Requester)
	switch {
	case in.Department != "":
		who += " (department " + clean(in.Department) + ")"
	case strings.HasPrefix(a.Requester, "agent:"):
		who += " (no department)"
	}
	if in.RequesterGone {
		who += ", since removed"
	}
	w.line(0, "requested by: %s", who)
	if a.Kind == aos.ApprovalRedaction {
		return
	}
	conn := clean(a.Connection)
	if in.ConnectionType != "" {
		conn += " (" + clean(in.ConnectionType) + ")"
	}
	w.line(0, "connection:   %s", conn)
	w.line(0, "operation:    %s (%s)", clean(a.Operation), clean(string(a.Access)))
	w.line(0, "resource:     %s", clean(a.Resource))
	w.line(0, "request:      sha256:%s", clean(a.Digest))
	if len(a.Reasons) > 0 {
		w.line(0, "")
		w.line(0, "why it is held:")
		for _, r := range a.Reasons {
			w.line(1, "- %s", clean(r))
		}
	}
}

func (w *writer) redaction(in Input) {
	a := in.Approval
	w.line(0, "")
	w.line(0, "what it would do:")
	w.line(1, "remove the payload of evidence entry %d (the entry and its commitment stay, so the log still verifies)", a.RedactEntry)
}

// maskedFacts reports whether the facts say the payload may carry data
// that the view must not repeat.
func maskedFacts(f aos.Facts) bool {
	return len(f.CustomerData) > 0 || len(f.Sensitive) > 0 || len(f.Personal) > 0 || f.Unscanned
}

func (w *writer) call(in Input) {
	a := in.Approval
	f := a.Facts
	w.masked = maskedFacts(f)
	w.line(0, "")
	w.line(0, "what it would send:")
	switch {
	case f.AmountUnknown && f.AmountUnknownReason != "":
		w.line(1, "amount:       could not be read: %s", clean(f.AmountUnknownReason))
	case f.AmountUnknown:
		w.line(1, "amount:       could not be read")
	case f.Amount > 0:
		w.line(1, "amount:       %s", aos.FormatMoney(f.Amount, clean(f.Currency)))
	}
	if f.Recipients > 0 {
		if f.Recipients == int(^uint(0)>>1) {
			w.line(1, "recipients:   could not be counted")
		} else {
			w.line(1, "recipients:   %d", f.Recipients)
		}
	}
	w.customerData(f)
	var flags []string
	for _, fl := range []struct {
		on   bool
		name string
	}{{f.Public, "publishes under the company's name"}, {f.Production, "changes production"},
		{f.Export, "exports data"}, {f.Share, "shares data outside the boundary"},
		{f.TrainingOptIn, "opts data into training"}} {
		if fl.on {
			flags = append(flags, fl.name)
		}
	}
	if len(flags) > 0 {
		w.line(1, "it:           %s", strings.Join(flags, "; "))
	}
	if in.Request == nil {
		w.line(1, "(the held request could not be opened; it will not be sent)")
		return
	}
	var out connector.Outbound
	if err := json.Unmarshal(in.Request, &out); err != nil {
		w.line(1, "(the held request does not read as a request; it will not be sent)")
		return
	}
	if w.masked {
		w.line(1, "(values in the request are shown by their length only: it carries customer or personal data)")
	}
	switch in.ConnectionType {
	case "postgres":
		w.postgres(&out)
	case "email":
		w.email(&out)
	case "github":
		w.github(&out)
		w.http(&out)
	default:
		w.http(&out)
	}
}

func (w *writer) customerData(f aos.Facts) {
	for _, fl := range f.Flows {
		res := ""
		if len(fl.SourceResources) > 0 {
			res = " (" + clean(strings.Join(fl.SourceResources, ", ")) + ")"
		}
		w.line(1, "customer data: %d %s of %s from %s%s", fl.Count, plural(fl.Count, "value", "values"),
			clean(strings.Join(fl.Categories, ", ")), clean(fl.Source), res)
	}
	if len(f.Flows) == 0 && len(f.CustomerData) > 0 {
		w.line(1, "customer data: %s from %s", clean(strings.Join(f.CustomerData, ", ")), clean(strings.Join(f.CustomerSources, ", ")))
	}
	if len(f.Sensitive) > 0 {
		w.line(1, "sensitive:    %s", clean(strings.Join(f.Sensitive, ", ")))
	}
	if len(f.Personal) > 0 {
		w.line(1, "personal:     %s (never seen from a system of record)", clean(strings.Join(f.Personal, ", ")))
	}
	if f.Unscanned {
		w.line(1, "unscanned:    the payload is larger than the scan reads")
	}
}

func (w *writer) meta(a *aos.Approval) {
	if a.Purpose == "" && a.Recommendation == "" && len(a.Alternatives) == 0 {
		return
	}
	w.line(0, "")
	if a.Purpose != "" {
		w.line(0, "purpose:")
		w.block(1, a.Purpose)
	}
	if a.Recommendation != "" {
		w.line(0, "recommendation:")
		w.block(1, a.Recommendation)
	}
	if len(a.Alternatives) > 0 {
		w.line(0, "alternatives:")
		for _, alt := range a.Alternatives {
			first, rest, _ := strings.Cut(alt, "\n")
			w.line(1, "- %s", clean(first))
			if rest != "" {
				w.block(2, rest)
			}
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// clean escapes what could steer a terminal or mislead a reader: control
// characters (newlines included: callers split lines first), invalid
// UTF-8 and bidirectional formatting characters.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if unsafeRune(r) {
			ok = false
			break
		}
	}
	if ok && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	if r == '\t' {
		return false
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) ||
		r == '\u2028' || r == '\u2029' || r == utf8.RuneError
}

// secretWords are the parts of a field name that mark its value as a
// credential.
var secretWords = []string{"token", "secret", "password", "passwd", "authorization", "apikey", "api_key",
	"api-key", "credential", "cookie", "session", "signature", "private_key", "privatekey", "bearer"}

// secretName reports whether a query, form or JSON name marks its value
// as a credential.
func secretName(name string) bool {
	n := strings.ToLower(name)
	return slices.ContainsFunc(secretWords, func(w string) bool { return strings.Contains(n, w) })
}

// tokenRE matches aos bearer tokens (see aos.NewToken).
var tokenRE = regexp.MustCompile(`aos_(?:owner|agent|auditor)_[a-z2-7]{8,}`)

// scrub replaces every secret, and anything shaped like an aos token, by
// "[redacted]".
func scrub(s string, secrets [][]byte) string {
	s = tokenRE.ReplaceAllString(s, "[redacted]")
	for _, sec := range secrets {
		if len(sec) >= 6 {
			s = strings.ReplaceAll(s, string(sec), "[redacted]")
		}
	}
	return s
}

// SecretParts returns a credential and the parts of it that could travel
// on their own: the password of a "user:password" credential, and the
// values of the members of a JSON credential whose names carry a secret
// (a service account's private_key, a Measurement Protocol api_secret).
func SecretParts(secret []byte) [][]byte {
	out := [][]byte{secret}
	if _, pw, ok := bytes.Cut(secret, []byte(":")); ok && len(pw) > 0 && !bytes.HasPrefix(secret, []byte("{")) {
		out = append(out, pw)
	}
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if s, ok := x.(string); ok && secretName(k) {
					out = append(out, []byte(s))
				}
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	var v any
	if json.Unmarshal(secret, &v) == nil {
		walk(v)
	}
	return out
}
