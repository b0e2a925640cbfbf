package email

import (
	"net/textproto"
	"slices"
	"strings"

	"github.com/aos-dev/aos/connector"
)

// allowedHeaders are the only header fields an agent may add, each with a
// check of its value. Everything else is refused: the connector writes
// the addressing, identity and MIME fields itself, and provider-specific
// fields (X-SMTPAPI, X-SES-*, ...) can add recipients or change delivery
// behind the policy's back, so no X-* field passes.
var allowedHeaders = map[string]func(string) bool{
	"In-Reply-To":           isMsgIDList,
	"References":            isMsgIDList,
	"List-Unsubscribe":      isUnsubscribeList,
	"List-Unsubscribe-Post": func(v string) bool { return v == "List-Unsubscribe=One-Click" },
	"Auto-Submitted":        func(v string) bool { return v == "no" || v == "auto-generated" || v == "auto-replied" },
}

const maxHeaderValue = 900

// extraHeaders checks the headers argument and returns the fields in
// canonical name order. Names are matched case-insensitively; values must
// be printable ASCII, one line, in the form the field requires.
func extraHeaders(in map[string]string) ([]header, error) {
	var out []header
	for name, v := range in {
		canon := textproto.CanonicalMIMEHeaderKey(name)
		if canon == "Message-Id" {
			canon = "Message-ID"
		}
		check, ok := allowedHeaders[canon]
		if !ok {
			return nil, connector.BadRequest("args.headers: %q cannot be set; the allowed headers are %s", clip(name), allowedList())
		}
		if !isPlainASCII(v) || strings.ContainsAny(v, "\r\n") {
			return nil, connector.BadRequest("args.headers.%s must be one line of printable ASCII (no CR, LF or other control character)", canon)
		}
		v = strings.Join(strings.Fields(v), " ")
		if len(v) > maxHeaderValue || !check(v) {
			return nil, connector.BadRequest("args.headers.%s has a value that is not of the form that field takes", canon)
		}
		out = append(out, header{canon, v})
	}
	slices.SortFunc(out, func(a, b header) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

func allowedList() string {
	var names []string
	for n := range allowedHeaders {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// isMsgIDList reports whether v is one or more "<left@right>" separated
// by spaces, each free of spaces, brackets and quotes.
func isMsgIDList(v string) bool {
	for id := range strings.SplitSeq(v, " ") {
		inner, ok := angled(id)
		if !ok || len(id) > 250 {
			return false
		}
		left, right, ok := strings.Cut(inner, "@")
		if !ok || left == "" || right == "" || strings.ContainsAny(inner, "<>\"\\ ") || strings.Count(inner, "@") != 1 {
			return false
		}
	}
	return true
}

// isUnsubscribeList reports whether v is one or more "<URI>" separated by
// commas (RFC 2369), each a mailto: or https: URI without spaces.
func isUnsubscribeList(v string) bool {
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		uri, ok := angled(item)
		if !ok || strings.ContainsAny(uri, "<> ") {
			return false
		}
		if !strings.HasPrefix(uri, "mailto:") && !strings.HasPrefix(uri, "https://") {
			return false
		}
	}
	return true
}

// angled returns what is between a leading '<' and a trailing '>'.
func angled(s string) (string, bool) {
	if len(s) < 2 || s[0] != '<' || s[len(s)-1] != '>' {
		return "", false
	}
	return s[1 : len(s)-1], true
}
