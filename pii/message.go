package pii

import (
	"bytes"
	"encoding/base64"
	"io"
	"maps"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
)

// addressing are the header fields whose addresses say who sends a mail
// and where it goes, not what it carries: mailing a customer does not leak
// their address to them. Their display names are read all the same, and
// the addresses of every other address field (Reply-To) are content.
// Which To and Cc addresses other recipients read is the sender's
// business to say (the email connector does).
var addressing = map[string]bool{
	"From": true, "Sender": true, "To": true, "Cc": true, "Bcc": true,
	"Resent-From": true, "Resent-Sender": true, "Resent-To": true, "Resent-Cc": true, "Resent-Bcc": true,
	"Return-Path": true, "Delivered-To": true,
}

// addressFields are the header fields that hold address lists.
var addressFields = map[string]bool{"Reply-To": true, "Mail-Followup-To": true, "Mail-Reply-To": true}

// msgIDFields hold message ids ("<left@right>"), which look like email
// addresses but are not personal data: they are looked up whole, without a
// category, so that an id made of a customer's address still matches.
var msgIDFields = map[string]bool{"Message-Id": true, "In-Reply-To": true, "References": true,
	"Resent-Message-Id": true, "Content-Id": true}

// message reads an email: every header field (see headers), and the body
// by its own content type, decoded from its transfer encoding.
func (x *extractor) message(body []byte) {
	m, err := mail.ReadMessage(bytes.NewReader(body))
	if err != nil {
		x.member(string(body))
		return
	}
	x.headers(m.Header)
	rest, _ := io.ReadAll(m.Body)
	ct := m.Header.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	x.payload(ct, decodeTransfer(m.Header.Get("Content-Transfer-Encoding"), rest))
}

// headers reads a message's header fields, in name order, each under its
// name: encoded words decoded; of the address fields, the display names,
// and the addresses themselves unless the field is addressing; message
// ids whole and uncategorised; every other field as text. A field that
// does not parse as what its name says is read as text: nothing is
// skipped because it is malformed.
func (x *extractor) headers(h mail.Header) {
	x.open(true)
	defer x.close()
	for _, name := range slices.Sorted(maps.Keys(h)) {
		canon := textproto.CanonicalMIMEHeaderKey(name)
		for _, v := range h[name] {
			if x.full() {
				return
			}
			x.setKey(name)
			switch {
			case addressing[canon] || addressFields[canon]:
				x.addresses(v, !addressing[canon])
			case msgIDFields[canon]:
				x.msgIDs(v)
			default:
				x.member(decodeWords(v))
			}
			x.done()
		}
	}
}

// addresses reads an address list: the display names, and the addresses
// when content is set. A list that does not parse is read as text.
func (x *extractor) addresses(v string, content bool) {
	list, err := mail.ParseAddressList(v)
	if err != nil {
		x.member(decodeWords(v))
		return
	}
	for _, a := range list {
		if a.Name != "" {
			x.member(a.Name)
		}
		if content {
			x.member(a.Address)
		}
	}
}

// msgIDs adds each "<id>" of v whole, without a category; whatever is
// not an id in angle brackets is read as text.
func (x *extractor) msgIDs(v string) {
	for f := range strings.FieldsSeq(v) {
		if id, ok := strings.CutPrefix(f, "<"); ok && strings.HasSuffix(id, ">") {
			x.add(Item{Key: x.top().key, Value: strings.TrimSuffix(id, ">")})
		} else {
			x.member(f)
		}
	}
}

// decodeWords decodes RFC 2047 encoded words, keeping v as it is when
// they are malformed.
func decodeWords(v string) string {
	if dec, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		return dec
	}
	return v
}

// decodeTransfer undoes a base64 or quoted-printable transfer encoding; a
// body that does not decode, or has another encoding, is returned as it is
// (and read as text).
func decodeTransfer(encoding string, data []byte) []byte {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, bytes.NewReader(stripSpace(data)))
	case "quoted-printable":
		r = quotedprintable.NewReader(bytes.NewReader(data))
	default:
		return data
	}
	dec, err := io.ReadAll(io.LimitReader(r, MaxBytes))
	if err != nil {
		return data
	}
	return dec
}

// stripSpace removes the line breaks and spaces a base64 body is folded
// with.
func stripSpace(b []byte) []byte {
	return bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, b)
}
