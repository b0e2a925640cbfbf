package pii

import (
	"bytes"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// html reads an HTML document as what a reader of it sees and can reach:
// the text it renders to (character references, numeric and named,
// decoded; tags gone; inline elements joined without a break, so that
// "ada<b></b>&#64;example.com" is the address a mail client shows; block
// elements and <br> breaking the text) as one value, and, as text of their
// own, every attribute value (a mailto: link, an alt or title text; a URL
// also with its %XX escapes decoded), every comment and the content of
// <script>, <style> and the like, which the markup carries even where it
// is not shown. Every kind of space becomes a plain one.
func (x *extractor) html(body []byte) {
	z := html.NewTokenizer(bytes.NewReader(body))
	var shown strings.Builder
	raw := false // inside an element whose content is not rendered
	for !x.full() {
		switch tt := z.Next(); tt {
		case html.ErrorToken: // io.EOF, or a bound of the tokenizer
			x.member(shown.String())
			return
		case html.TextToken:
			if raw {
				x.text(string(z.Text()))
			} else {
				writeShown(&shown, string(z.Text()))
			}
		case html.CommentToken:
			x.text(string(z.Text()))
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			for hasAttr {
				var v []byte
				_, v, hasAttr = z.TagAttr()
				x.text(string(v))
				if dec, ok := percentDecoded(string(v)); ok {
					x.text(dec)
				}
			}
			a := atom.Lookup(name)
			switch {
			case rawText[a]:
				raw = tt == html.StartTagToken
			case !inline[a]:
				shown.WriteByte('\n')
			}
		}
	}
}

// percentDecoded decodes the %XX escapes of a URL in an attribute
// ("mailto:ada%40example.com", "https://x.example/?e=ada%40example.com"),
// where a click sends what they encode; malformed escapes stay as they
// are. It reports whether anything was decoded.
func percentDecoded(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, false
	}
	var b strings.Builder
	decoded := false
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			decoded = true
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String(), decoded
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// writeShown adds text as it renders, with every space (a no-break
// space, a thin space) a plain one, as the detectors read spaces. (What
// renders as nothing is dropped from every value, see visible.)
func writeShown(b *strings.Builder, s string) {
	for _, r := range s {
		if r != '\n' && unicode.IsSpace(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
}

// rawText are the elements whose content is not rendered as text.
var rawText = map[atom.Atom]bool{atom.Script: true, atom.Style: true, atom.Template: true}

// inline are the elements a renderer runs into the text around them
// without a break; every other element breaks the text.
var inline = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true,
	atom.Code: true, atom.Data: true, atom.Dfn: true, atom.Em: true, atom.Font: true, atom.I: true,
	atom.Kbd: true, atom.Mark: true, atom.Q: true, atom.S: true, atom.Samp: true, atom.Small: true,
	atom.Span: true, atom.Strike: true, atom.Strong: true, atom.Sub: true, atom.Sup: true, atom.Time: true,
	atom.Tt: true, atom.U: true, atom.Var: true, atom.Wbr: true, atom.Ins: true, atom.Del: true,
	atom.Label: true, atom.Big: true, atom.Nobr: true, atom.Img: true,
}
