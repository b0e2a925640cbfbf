package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// EchoRedactor removes a secret from what an upstream answered, in the
// forms an upstream commonly echoes it in. It holds those forms and so is
// itself secret: it prints, logs and marshals as "[redacted]", and gives
// nothing of the secret out, only text with the secret replaced.
//
// The forms are: the secret as it goes on the wire (trailing white space
// dropped) and, for user:password, the password, and for a JSON secret
// (a service account key) each value under a name that says it is secret
// (api_secret, private_key, ...) and each long line of such a value; their base64 (standard
// and URL alphabets, with and without padding), alone and as part of any
// longer text that was base64-encoded whole (an echoed header block), and
// that of the usual Authorization values (Bearer SECRET, token SECRET,
// Basic base64(SECRET)) and of SECRET: as a basic-auth user name; hex in
// either case; and each of those percent-encoded (as Go, JavaScript,
// Python and RFC 3986 escape, upper and lower case hex) and JSON-escaped (Go's and
// other encoders' escapes of <, >, &, / and non-ASCII). Forms shorter than
// 8 bytes are left alone: they would match by chance and, by the gap left,
// tell part of the secret. Longer forms are replaced first.
type EchoRedactor struct {
	_           [0]func() // not comparable
	replacement string
	r           *strings.Replacer // nil when there is nothing to look for
	forms       []string          // what r looks for, longest first
	formBytes   [][]byte          // forms as bytes, for occurs
}

// minEcho is the shortest form an EchoRedactor looks for.
const minEcho = 8

// EchoRedactor returns a redactor of s that writes replacement in place of
// each form of s found.
func (s Secret) EchoRedactor(replacement string) *EchoRedactor {
	forms := echoForms(s.b)
	if len(forms) == 0 {
		return &EchoRedactor{replacement: replacement}
	}
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, replacement)
	}
	fb := make([][]byte, len(forms))
	for i, f := range forms {
		fb[i] = []byte(f)
	}
	return &EchoRedactor{replacement: replacement, r: strings.NewReplacer(pairs...), forms: forms, formBytes: fb}
}

// occurs reports whether a form of the secret occurs in b. A short b, the
// usual answer, is searched form by form, allocating nothing; a long one
// in one pass of the Replacer, which beats a search per form there.
func (e *EchoRedactor) occurs(b []byte) bool {
	if len(b) > occursBySearch {
		in := string(b)
		return e.r.Replace(in) != in
	}
	for _, f := range e.formBytes {
		if bytes.Contains(b, f) {
			return true
		}
	}
	return false
}

// occursBySearch is the longest input occurs searches form by form.
const occursBySearch = 4 << 10

// Redact returns b with every form of the secret replaced, and whether
// there was one. b is returned as it is when there was none.
func (e *EchoRedactor) Redact(b []byte) ([]byte, bool) {
	if e.r == nil || len(b) < minEcho || !e.occurs(b) {
		return b, false
	}
	in := string(b)
	out := e.r.Replace(in)
	if out == in {
		return b, false
	}
	return []byte(out), true
}

// RedactString is Redact for a string.
func (e *EchoRedactor) RedactString(s string) (string, bool) {
	if e.r == nil || len(s) < minEcho {
		return s, false
	}
	out := e.r.Replace(s)
	return out, out != s
}

func (*EchoRedactor) String() string             { return redacted }
func (*EchoRedactor) GoString() string           { return redacted }
func (*EchoRedactor) Format(f fmt.State, _ rune) { f.Write([]byte(redacted)) }
func (*EchoRedactor) MarshalJSON() ([]byte, error) {
	return []byte(`"` + redacted + `"`), nil
}
func (*EchoRedactor) LogValue() slog.Value { return slog.StringValue(redacted) }

// echoForms lists the forms of secret (see EchoRedactor), longest first,
// without duplicates or forms shorter than minEcho.
func echoForms(secret []byte) []string {
	v := strings.TrimSpace(string(secret))
	if v == "" {
		return nil
	}
	raw := []string{v}
	if _, pass, ok := strings.Cut(v, ":"); ok && pass != "" {
		raw = append(raw, pass)
	}
	raw = append(raw, jsonSecrets(v)...)
	values := slices.Clone(raw)
	for _, t := range raw {
		values = append(values, base64Cores(t)...)
		values = append(values, hex.EncodeToString([]byte(t)), strings.ToUpper(hex.EncodeToString([]byte(t))))
	}
	// Texts that go base64-encoded whole: the secret, basic auth with the
	// secret as user name (as Stripe accepts), Authorization values.
	for _, t := range []string{v, v + ":", "Bearer " + v, "token " + v, "Basic " + base64.StdEncoding.EncodeToString([]byte(v))} {
		for _, enc := range encodings {
			values = append(values, enc.EncodeToString([]byte(t)))
		}
	}

	var forms []string
	for _, t := range values {
		for _, p := range percentForms(t) {
			forms = append(forms, jsonForms(p)...)
		}
	}
	forms = slices.DeleteFunc(forms, func(f string) bool { return len(f) < minEcho })
	slices.SortFunc(forms, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(forms)
}

// jsonSecrets returns, if v is a JSON object, the string values in it
// under names that say they are secret (see secretName), and the lines of
// at least 16 bytes of those that have several (a PEM key's base64 lines,
// which may be echoed without the rest).
func jsonSecrets(v string) []string {
	if !strings.HasPrefix(v, "{") {
		return nil
	}
	var doc any
	if json.Unmarshal([]byte(v), &doc) != nil {
		return nil
	}
	var out []string
	var walk func(name string, x any)
	walk = func(name string, x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, y := range x {
				walk(k, y)
			}
		case []any:
			for _, y := range x {
				walk(name, y)
			}
		case string:
			if !secretName(name) || strings.TrimSpace(x) == "" {
				return
			}
			out = append(out, strings.TrimSpace(x))
			if lines := strings.Split(x, "\n"); len(lines) > 1 {
				for _, l := range lines {
					if l = strings.TrimSpace(l); len(l) >= 16 {
						out = append(out, l)
					}
				}
			}
		}
	}
	walk("", doc)
	return out
}

// secretName reports whether a JSON member name says its value is secret.
func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"secret", "password", "private_key", "privatekey", "token", "api_key", "apikey"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

var encodings = []*base64.Encoding{
	base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
}

// base64Cores returns what base64 of any text holding t always contains:
// for each of the three alignments t can have in the text, the characters
// that encode t's bytes alone (the first and last partial groups, which
// mix in neighbouring bytes, are left out), in both alphabets.
func base64Cores(t string) []string {
	var out []string
	for k := 0; k < 3; k++ {
		enc := base64.RawStdEncoding.EncodeToString(append(make([]byte, k), t...))
		start := 0
		if k > 0 {
			start = 4
		}
		end := 4 * ((k + len(t)) / 3)
		if end-start < minEcho {
			continue
		}
		core := enc[start:end]
		out = append(out, core, strings.NewReplacer("+", "-", "/", "_").Replace(core))
	}
	return out
}

// percentForms returns t and its percent-encodings as common encoders
// write them: Go's query and path escapes, RFC 3986's strict one,
// JavaScript's encodeURIComponent and encodeURI, Python's quote (which
// keeps "/"), each with upper and lower case hex digits.
func percentForms(t string) []string {
	if escapeExcept(t, "") == t {
		return []string{t} // nothing to escape
	}
	forms := []string{t, url.QueryEscape(t), url.PathEscape(t), escapeExcept(t, ""), escapeExcept(t, "!'()*"),
		escapeExcept(t, ";,/?:@&=+$!'()*#"), escapeExcept(t, "/")}
	for _, f := range forms[1:] {
		forms = append(forms, lowerHexEscapes(f))
	}
	return forms
}

// escapeExcept percent-encodes every byte of t but ALPHA, DIGIT, -._~
// and those in keep.
func escapeExcept(t, keep string) string {
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		c := t[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~"+keep, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// lowerHexEscapes writes the hex digits of each %XX of s in lower case.
func lowerHexEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerHex(b[i+1]), lowerHex(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lowerHex(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// jsonForms returns t as it appears inside JSON strings written by common
// encoders: Go's (which escapes <, > and &), one that escapes none of
// them, one that also escapes "/" (PHP), and one that escapes all
// non-ASCII (Python).
func jsonForms(t string) []string {
	if !strings.ContainsFunc(t, func(r rune) bool {
		return r < ' ' || r >= utf8.RuneSelf || strings.ContainsRune(`"\<>&/`, r)
	}) {
		return []string{t} // every encoder writes it as it is
	}
	plain := jsonString(t, false)
	forms := []string{t, jsonString(t, true), plain, strings.ReplaceAll(plain, "/", `\/`), asciiJSON(plain)}
	return forms
}

// jsonString is t encoded as a JSON string, without the quotes.
func jsonString(t string, escapeHTML bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	enc.Encode(t) // a string always encodes
	s := strings.TrimSuffix(b.String(), "\n")
	return s[1 : len(s)-1]
}

// asciiJSON escapes the non-ASCII characters of a JSON string body as
// \uXXXX (UTF-16, lower case hex), as Python's json.dumps does by default.
func asciiJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}
