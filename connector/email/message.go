package email

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aos-dev/aos/connector"
)

// RFC 5322 §2.1.1: a line is at most 998 octets before its CRLF; header
// lines are folded to 78 where they can be.
const (
	maxLine       = 998
	foldAt        = 78
	maxEncodedLen = 75 // RFC 2047 §2: an encoded-word is at most 75 characters
)

// draft is a message to build from checked parts.
type draft struct {
	from             address
	replyTo          []address
	to, cc           []address
	subject          string
	text, html       *string
	extra            []header // allowed headers, in canonical order
	date             time.Time
	messageID        string // with angle brackets
	boundary         string // for multipart/alternative
	sevenBitText     bool
	sevenBitHTML     bool
	normText, normHT string // bodies with CRLF line ends
}

type header struct{ name, value string }

// newDraft fills in the parts that are chosen, not given: Date,
// Message-ID (random, at the sender's domain) and the MIME boundary. It
// normalises the bodies' line ends to CRLF and refuses a body line longer
// than 998 octets, a control character other than tab, or invalid UTF-8:
// the bodies go out as 7bit or 8bit, never re-encoded, so that what the
// gateway's scan reads is what the recipient reads.
func newDraft(d *draft, now time.Time) error {
	d.date = now
	d.messageID = "<" + randomHex(16) + "@" + d.from.domain() + ">"
	var err error
	if d.text != nil {
		if d.normText, d.sevenBitText, err = normalizeBody(*d.text, "text"); err != nil {
			return err
		}
	}
	if d.html != nil {
		if d.normHT, d.sevenBitHTML, err = normalizeBody(*d.html, "html"); err != nil {
			return err
		}
	}
	for {
		d.boundary = "aos-" + randomHex(12)
		if !strings.Contains(d.normText, d.boundary) && !strings.Contains(d.normHT, d.boundary) {
			return nil
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// normalizeBody turns CRLF, LF and lone CR into CRLF and checks each line.
// It reports whether the body is 7-bit ASCII.
func normalizeBody(s, field string) (string, bool, error) {
	if !utf8.ValidString(s) {
		return "", false, connector.BadRequest("args.%s is not valid UTF-8", field)
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	ascii := true
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		if len(line) > maxLine {
			return "", false, connector.BadRequest("args.%s line %d is %d bytes; a mail line is at most %d bytes: break it "+
				"(in HTML, a line break may replace any space between words or tags)", field, i+1, len(line), maxLine)
		}
		for j := 0; j < len(line); j++ {
			switch c := line[j]; {
			case c >= 0x80:
				ascii = false
			case c < ' ' && c != '\t' || c == 0x7f:
				return "", false, connector.BadRequest("args.%s line %d has a control character (0x%02x)", field, i+1, c)
			}
		}
	}
	return strings.Join(lines, "\r\n"), ascii, nil
}

// bytes renders the message: CRLF line ends, folded headers, UTF-8
// bodies as 7bit or 8bit. Bcc recipients appear only in the envelope.
func (d *draft) bytes() []byte {
	var b bytes.Buffer
	writeHeader(&b, "Date", d.date.Format(time.RFC1123Z))
	writeHeader(&b, "From", formatList([]address{d.from}))
	if len(d.replyTo) > 0 {
		writeHeader(&b, "Reply-To", formatList(d.replyTo))
	}
	if len(d.to) > 0 {
		writeHeader(&b, "To", formatList(d.to))
	}
	if len(d.cc) > 0 {
		writeHeader(&b, "Cc", formatList(d.cc))
	}
	writeHeader(&b, "Subject", encodeText(d.subject))
	writeHeader(&b, "Message-ID", d.messageID)
	for _, h := range d.extra {
		writeHeader(&b, h.name, h.value)
	}
	writeHeader(&b, "MIME-Version", "1.0")
	switch {
	case d.text != nil && d.html != nil:
		writeHeader(&b, "Content-Type", `multipart/alternative; boundary="`+d.boundary+`"`)
		writeHeader(&b, "Content-Transfer-Encoding", cte(d.sevenBitText && d.sevenBitHTML))
		b.WriteString("\r\n")
		writePart(&b, d.boundary, "text/plain", d.normText, d.sevenBitText)
		writePart(&b, d.boundary, "text/html", d.normHT, d.sevenBitHTML)
		b.WriteString("--" + d.boundary + "--\r\n")
	case d.html != nil:
		writeBody(&b, "text/html", d.normHT, d.sevenBitHTML, false)
	default:
		writeBody(&b, "text/plain", d.normText, d.sevenBitText, false)
	}
	return b.Bytes()
}

func cte(sevenBit bool) string {
	if sevenBit {
		return "7bit"
	}
	return "8bit"
}

// writeBody writes a part's header and body. The body ends with a CRLF
// of its own: a message must, and in a multipart the CRLF before the
// next boundary belongs to the boundary, so the content stays exactly
// what was given.
func writeBody(b *bytes.Buffer, typ, body string, sevenBit, inMultipart bool) {
	writeHeader(b, "Content-Type", typ+"; charset=utf-8")
	writeHeader(b, "Content-Transfer-Encoding", cte(sevenBit))
	b.WriteString("\r\n")
	b.WriteString(body)
	if inMultipart || !strings.HasSuffix(body, "\r\n") {
		b.WriteString("\r\n")
	}
}

func writePart(b *bytes.Buffer, boundary, typ, body string, sevenBit bool) {
	b.WriteString("--" + boundary + "\r\n")
	writeBody(b, typ, body, sevenBit, true)
}

// writeHeader writes "Name: value" folded before a space so that lines
// stay within 78 characters where a space allows it, never leaving a
// line of white space only. Values are built from checked parts whose
// words are all far shorter than 998 octets.
func writeHeader(b *bytes.Buffer, name, value string) {
	line := name + ":"
	for i, word := range strings.Split(value, " ") {
		switch {
		case i == 0 && len(line)+1+len(word) > foldAt:
			// Fold right after the colon: FWS may begin any value.
			b.WriteString(line + "\r\n")
			line = " " + word
		case i == 0:
			line += " " + word
		case len(line)+1+len(word) > foldAt && word != "":
			b.WriteString(line + "\r\n")
			line = " " + word
		default:
			line += " " + word
		}
	}
	b.WriteString(line + "\r\n")
}

// formatList writes mailboxes separated by ", ".
func formatList(as []address) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = formatAddress(a)
	}
	return strings.Join(parts, ", ")
}

// formatAddress writes "Name <addr>" or "<addr>"-less addr when there is
// no name. A name that is plain ASCII is an atom sequence or a quoted
// string; any other is encoded words.
func formatAddress(a address) string {
	if a.name == "" {
		return a.addr
	}
	return encodePhrase(a.name) + " <" + a.addr + ">"
}

// encodeText encodes unstructured text (a Subject): as is when it is
// printable ASCII that no reader would mistake for an encoded word,
// else as Q-encoded words (RFC 2047), which keep ASCII readable.
func encodeText(s string) string {
	if isPlainASCII(s) && !strings.Contains(s, "=?") {
		return s
	}
	return qWords(s, func(c byte) bool { return c > ' ' && c < 0x7f && c != '=' && c != '?' && c != '_' })
}

// encodePhrase encodes a display name: atoms as they are, other ASCII
// (and anything a reader could take for an encoded word) as a quoted
// string, in which encoded words are never decoded, anything else as Q-encoded words restricted to the
// characters RFC 2047 §5(3) allows in a phrase.
func encodePhrase(s string) string {
	if isPlainASCII(s) {
		if isAtoms(s) && !strings.Contains(s, "=?") {
			return s
		}
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	return qWords(s, func(c byte) bool { return isAlnum(c) || strings.IndexByte("!*+-/", c) >= 0 })
}

// isPlainASCII reports whether s is printable ASCII and spaces.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// isAtoms reports whether s is atoms separated by single spaces.
func isAtoms(s string) bool {
	for w := range strings.SplitSeq(s, " ") {
		if w == "" || !isDotAtom(w) || strings.Contains(w, ".") {
			return false
		}
	}
	return true
}

// qWords encodes s as "=?utf-8?q?...?=" words of at most 75 characters,
// split between runes, separated by spaces (so that writeHeader may fold
// between them). literal says which bytes stand for themselves; a space
// is "_", every other byte "=XX".
func qWords(s string, literal func(byte) bool) string {
	const prefix, suffix = "=?utf-8?q?", "?="
	var words []string
	var cur strings.Builder
	for _, r := range s {
		var enc strings.Builder
		var buf [utf8.UTFMax]byte
		for _, c := range buf[:utf8.EncodeRune(buf[:], r)] {
			switch {
			case c == ' ':
				enc.WriteByte('_')
			case literal(c):
				enc.WriteByte(c)
			default:
				fmt.Fprintf(&enc, "=%02X", c)
			}
		}
		if len(prefix)+cur.Len()+enc.Len()+len(suffix) > maxEncodedLen {
			words = append(words, prefix+cur.String()+suffix)
			cur.Reset()
		}
		cur.WriteString(enc.String())
	}
	words = append(words, prefix+cur.String()+suffix)
	return strings.Join(words, " ")
}
