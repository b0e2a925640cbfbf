package view

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxValue bounds, in bytes, one value a view shows (a JSON string, a form
// value, a line of text); the rest is summarised.
const maxValue = 512

// bounded collects a body's rendering up to MaxBody: once a line takes it
// past the bound, it is full and the rest is left out.
type bounded struct {
	lines []string
	size  int
}

func (b *bounded) full() bool { return b.size >= MaxBody }

func (b *bounded) add(line string) {
	if b.full() {
		return
	}
	b.lines = append(b.lines, line)
	b.size += len(line) + 1
}

// cutValue shortens one value to maxValue bytes, on a rune boundary,
// saying how many bytes were left out.
func cutValue(s string) string {
	if len(s) <= maxValue {
		return s
	}
	n := maxValue
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:n], len(s)-n)
}

// masked is how a value is shown when values are not: by its length.
func maskedValue(s string) string {
	n := utf8.RuneCountInString(s)
	return fmt.Sprintf("‹%d %s›", n, plural(n, "char", "chars"))
}

// body writes a request body by its content type: JSON pretty-printed,
// a form field by field, text as it is, anything else by its size. It
// shows at most about MaxBody bytes and says how much of the body is left.
func (w *writer) body(contentType string, body []byte) {
	if len(body) == 0 {
		return
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	var b bounded
	var consumed int
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "" && json.Valid(body):
		c, err := w.jsonBody(&b, body)
		if err != nil {
			w.line(1, "body: %d bytes of %s that do not read as JSON", len(body), clean(contentType))
			return
		}
		consumed = c
	case mt == "application/x-www-form-urlencoded":
		consumed = w.formBody(&b, string(body))
	case strings.HasPrefix(mt, "text/"):
		if w.masked {
			b.add(maskedValue(string(body)))
			consumed = len(body)
		} else {
			consumed = w.textBody(&b, string(body))
		}
	default:
		w.line(1, "body: %d bytes of %s, not shown", len(body), clean(orNone(contentType)))
		return
	}
	w.line(1, "body (%s, %d bytes):", clean(orNone(contentType)), len(body))
	for _, l := range b.lines {
		w.line(2, "%s", clean(l))
	}
	if rest := len(body) - consumed; rest > 0 {
		w.line(2, "[cut at %d KiB: the last %d of %d bytes of the body are not shown]", MaxBody>>10, rest, len(body))
	}
}

func orNone(ct string) string {
	if ct == "" {
		return "no content type"
	}
	return ct
}

// text returns a value as the view shows it: secrets and tokens
// scrubbed, then cut to maxValue, or only its length when masked.
func (w *writer) text(s string) string {
	if w.masked {
		return maskedValue(s)
	}
	return cutValue(scrub(s, w.secrets))
}

var errFull = errors.New("view: body bound reached")

// jsonBody pretty-prints a JSON body with two spaces of indent, keeping
// its members' order, redacting members whose names carry a credential,
// and masking values when w.masked. It returns how many bytes of the body
// it read before the bound.
func (w *writer) jsonBody(b *bounded, body []byte) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	p := &jsonPrinter{w: w, b: b, dec: dec}
	err := p.value(0, false, "")
	if errors.Is(err, errFull) {
		p.flush()
		return int(dec.InputOffset()), nil
	}
	if err != nil {
		return 0, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return 0, errors.New("view: more than one JSON value")
	}
	p.flush()
	return len(body), nil
}

type jsonPrinter struct {
	w   *writer
	b   *bounded
	dec *json.Decoder
	cur strings.Builder // the line being written
}

func (p *jsonPrinter) flush() {
	if p.cur.Len() > 0 {
		p.b.add(p.cur.String())
		p.cur.Reset()
	}
}

// newline ends the current line and starts one at an indent.
func (p *jsonPrinter) newline(indent int) error {
	p.flush()
	if p.b.full() {
		return errFull
	}
	p.cur.WriteString(strings.Repeat("  ", indent))
	return nil
}

func quoteJSON(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}

// value prints one JSON value at an indent; redact says its member name
// carries a credential.
func (p *jsonPrinter) value(indent int, redact bool, _ string) error {
	tok, err := p.dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		closing, isObj := "]", t == '{'
		if isObj {
			closing = "}"
		}
		p.cur.WriteString(string(t))
		n := 0
		for p.dec.More() {
			if n > 0 {
				p.cur.WriteByte(',')
			}
			n++
			if err := p.newline(indent + 1); err != nil {
				return err
			}
			childRedact := redact
			if isObj {
				kt, err := p.dec.Token()
				if err != nil {
					return err
				}
				key, _ := kt.(string)
				p.cur.WriteString(quoteJSON(cutValue(key)) + ": ")
				childRedact = redact || secretName(key)
			}
			if err := p.value(indent+1, childRedact, ""); err != nil {
				return err
			}
		}
		if _, err := p.dec.Token(); err != nil {
			return err
		}
		if n > 0 {
			if err := p.newline(indent); err != nil {
				return err
			}
		}
		p.cur.WriteString(closing)
	case string:
		switch {
		case redact:
			p.cur.WriteString(`"[redacted]"`)
		case p.w.masked:
			p.cur.WriteString(maskedValue(t))
		default:
			p.cur.WriteString(quoteJSON(cutValue(scrub(t, p.w.secrets))))
		}
	case json.Number:
		switch {
		case redact:
			p.cur.WriteString(`"[redacted]"`)
		case p.w.masked:
			p.cur.WriteString(maskedValue(t.String()))
		default:
			p.cur.WriteString(cutValue(t.String()))
		}
	case bool:
		fmt.Fprint(&p.cur, t)
	case nil:
		p.cur.WriteString("null")
	}
	return nil
}

// formBody writes a form's fields in the order sent, one "name = value"
// a line. It returns how many bytes of the form it read before the bound.
func (w *writer) formBody(b *bounded, form string) int {
	consumed := 0
	for pair := range strings.SplitSeq(form, "&") {
		if b.full() {
			return consumed
		}
		consumed += len(pair) + 1
		if pair == "" {
			continue
		}
		b.add(w.field(pair))
	}
	return len(form)
}

// field renders one name=value pair of a form or query.
func (w *writer) field(pair string) string {
	k, v, _ := strings.Cut(pair, "=")
	if dk, err := url.QueryUnescape(k); err == nil {
		k = dk
	}
	if dv, err := url.QueryUnescape(v); err == nil {
		v = dv
	}
	if secretName(k) {
		return cutValue(k) + " = [redacted]"
	}
	return cutValue(scrub(k, w.secrets)) + " = " + w.text(v)
}

// textBody writes text line by line; it returns how many bytes it read
// before the bound.
func (w *writer) textBody(b *bounded, text string) int {
	consumed := 0
	for l := range strings.SplitAfterSeq(text, "\n") {
		if b.full() {
			return consumed
		}
		consumed += len(l)
		if l != "" {
			b.add(w.text(strings.TrimRight(l, "\r\n")))
		}
	}
	return len(text)
}
