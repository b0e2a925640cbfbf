package pii

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Extract returns the values in a payload, with what their keys and shapes
// say they are. It understands JSON (every string and number, with the key
// it sits under; also when the content type is missing or text/plain but
// the body starts like JSON; a body that stops being JSON is read on as
// text), application/x-www-form-urlencoded (a field holding JSON is read as
// JSON), multipart bodies (each part by its own content type, decoded from
// base64 or quoted-printable), HTML (read as the text it renders to, see
// html.go) and emails (message/rfc822: every header field that carries
// text, see message.go, and the body); anything else is text. Inside every
// value, and in text, it also finds email addresses, phone numbers and
// detector hits, each as an item of its own.
//
// Values under keys that name the company's own people rather than its
// customers ("owner", "assignee", "created_by", "author" and the like, and
// everything inside them) get no personal category: a CRM's sales rep is
// not customer data.
//
// Extract reads at most MaxBytes of body and returns at most MaxItems
// items; values shorter than 3 bytes are left out. It never panics, and
// returns the same items for the same input.
func Extract(contentType string, body []byte) []Item {
	if len(body) > MaxBytes {
		body = body[:MaxBytes]
	}
	x := &extractor{}
	x.payload(contentType, body)
	return x.items
}

// Bounds on nesting: deeper JSON is read as text, deeper multipart bodies
// as text too.
const (
	maxJSONDepth    = 512
	maxPayloadDepth = 8
)

// payload reads a body by its content type, at the current point of the
// walk (the top, or inside a form field or multipart part).
func (x *extractor) payload(contentType string, body []byte) {
	x.nesting++
	defer func() { x.nesting-- }()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = ""
	}
	switch {
	case x.nesting > maxPayloadDepth:
		x.member(string(body))
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json") ||
		(mt == "" || mt == "text/plain") && looksLikeJSON(body):
		x.json(body)
	case mt == "application/x-www-form-urlencoded":
		x.form(string(body))
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "":
		x.multipart(body, params["boundary"])
	case mt == "message/rfc822":
		x.message(body)
	case mt == "text/html" || mt == "application/xhtml+xml":
		x.html(body)
	default:
		x.member(string(body))
	}
}

func looksLikeJSON(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// json walks the JSON values in body; what follows the first syntax error,
// or nesting deeper than maxJSONDepth, is read as text. Containers left
// open are closed. Strings are read as encoding/json reads them (invalid
// UTF-8 as U+FFFD; a name given twice is read twice); numbers as written.
func (x *extractor) json(body []byte) {
	depth := len(x.frames)
	defer func() {
		for len(x.frames) > depth {
			x.close()
		}
	}()
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	for !x.full() {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return
		}
		if err != nil || len(x.frames)-depth > maxJSONDepth {
			if off := dec.InputOffset(); off >= 0 && off < int64(len(body)) {
				x.text(string(body[off:]))
			}
			return
		}
		switch tok.Kind() {
		case '{', '[':
			x.open(tok.Kind() == '{')
		case '}', ']':
			if len(x.frames) > depth {
				x.close()
			}
		case '"':
			t := tok.String()
			if f := x.top(); f != nil && f.object && f.expectKey {
				x.setKey(t)
			} else {
				x.member(t)
			}
		case '0':
			x.member(tok.String())
		default: // true, false, null
			x.done()
		}
	}
}

// form reads application/x-www-form-urlencoded fields as the members of
// one object.
func (x *extractor) form(body string) {
	x.open(true)
	defer x.close()
	for pair := range strings.SplitSeq(body, "&") {
		if x.full() {
			return
		}
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		x.field(unescape(k), []byte(unescape(v)), "")
	}
}

// unescape decodes a form component, keeping it as it is if malformed.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// field reads one named field of a form or multipart body: by its content
// type when it has one, as JSON when it starts like JSON, else as text.
func (x *extractor) field(name string, data []byte, contentType string) {
	x.setKey(name)
	switch {
	case contentType != "":
		x.payload(contentType, data)
	case looksLikeJSON(data):
		x.json(data)
	default:
		x.member(string(data))
		return
	}
	x.done()
}

// multipart reads each part of a multipart body as a field; a body that
// is not valid multipart is read (also) as text.
func (x *extractor) multipart(body []byte, boundary string) {
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	x.open(true)
	defer x.close()
	for !x.full() {
		p, err := r.NextPart()
		if err == io.EOF {
			return
		}
		var data []byte
		if err == nil {
			data, err = io.ReadAll(p)
		}
		if err != nil {
			x.text(string(body))
			return
		}
		// NextPart has already decoded a quoted-printable part.
		data = decodeTransfer(p.Header.Get("Content-Transfer-Encoding"), data)
		ct := p.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "text/plain") {
			ct = ""
		}
		x.field(p.FormName(), data, ct)
	}
}
