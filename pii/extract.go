package pii

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"
)

// Extract returns the values in a payload, with what their keys and shapes
// say they are. It understands JSON (every string and number, with the key
// it sits under; also when the content type is missing or text/plain but
// the body starts like JSON; a body that stops being JSON is read on as
// text), application/x-www-form-urlencoded (a field holding JSON is read as
// JSON) and multipart/form-data (each part by its own content type);
// anything else is text. Inside every value, and in text, it also finds
// email addresses, phone numbers and detector hits, each as an item of its
// own.
//
// Extract reads at most MaxBytes of body and returns at most MaxItems
// items. It never panics, and returns the same items for the same input.
func Extract(contentType string, body []byte) []Item {
	if len(body) > MaxBytes {
		body = body[:MaxBytes]
	}
	x := &extractor{}
	x.payload(contentType, body)
	return x.items
}

// extractor walks a payload and collects its items.
type extractor struct {
	items  []Item
	frames []frame
}

// frame is an open JSON object or array (or a form, or a multipart body:
// an object of fields).
type frame struct {
	object    bool
	expectKey bool
	// key is, in an object, the member being read; in an array, the key the
	// array sits under. outer is the key the container itself sits under.
	// fl is what key says its values are.
	key, outer string
	fl         field
	// first, last and bare collect the parts of a person's name; contact is
	// set when the object has an email or phone member.
	first, last, bare string
	contact           bool
}

func (x *extractor) full() bool { return len(x.items) >= MaxItems }

func (x *extractor) add(it Item) {
	if !x.full() {
		x.items = append(x.items, it)
	}
}

func (x *extractor) payload(contentType string, body []byte) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = ""
	}
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json") ||
		(mt == "" || mt == "text/plain") && looksLikeJSON(body):
		x.json(body)
	case mt == "application/x-www-form-urlencoded":
		x.form(string(body))
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "":
		x.multipart(body, params["boundary"])
	default:
		x.member(string(body))
	}
}

func looksLikeJSON(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// json walks JSON values in body; what follows the first syntax error is
// read as text. Containers left open are closed.
func (x *extractor) json(body []byte) {
	depth := len(x.frames)
	defer func() {
		for len(x.frames) > depth {
			x.close()
		}
	}()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for !x.full() {
		tok, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			if off := dec.InputOffset(); off >= 0 && off < int64(len(body)) {
				x.text("", string(body[off:]))
			}
			return
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				x.open(t == '{')
			default:
				if len(x.frames) > depth {
					x.close()
				}
			}
		case string:
			if f := x.top(); f != nil && f.object && f.expectKey {
				x.setKey(t)
			} else {
				x.member(t)
			}
		case json.Number:
			x.member(string(t))
		default: // true, false, null
			x.done()
		}
	}
}

// top returns the innermost open container, or nil.
func (x *extractor) top() *frame {
	if len(x.frames) == 0 {
		return nil
	}
	return &x.frames[len(x.frames)-1]
}

// context returns the key a value at this point sits under and what the
// key says of it.
func (x *extractor) context() (key string, fl field) {
	if f := x.top(); f != nil {
		return f.key, f.fl
	}
	return "", fieldOther
}

func (x *extractor) open(object bool) {
	var parent frame
	if f := x.top(); f != nil {
		parent = *f
	}
	if object {
		x.frames = append(x.frames, frame{object: true, expectKey: true, outer: parent.key})
	} else {
		x.frames = append(x.frames, frame{key: parent.key, outer: parent.outer, fl: parent.fl})
	}
}

// close ends the innermost container: a first and a last name read in an
// object become a full name, as does a bare name in an object that also
// has an email or phone.
func (x *extractor) close() {
	f := x.frames[len(x.frames)-1]
	x.frames = x.frames[:len(x.frames)-1]
	if f.object {
		if f.first != "" && f.last != "" {
			if full := trimSpace(f.first) + " " + trimSpace(f.last); personName(full) {
				x.add(Item{Key: "name", Value: full, Category: CategoryName})
			}
		}
		if f.bare != "" && f.contact && personName(f.bare) {
			x.add(Item{Key: "name", Value: f.bare, Category: CategoryName})
		}
	}
	x.done()
}

// done marks the value of the current member read.
func (x *extractor) done() {
	if f := x.top(); f != nil && f.object {
		f.expectKey = true
	}
}

func (x *extractor) setKey(k string) {
	f := x.top()
	f.key, f.expectKey, f.fl = k, false, classifyKey(k, f.outer)
	if f.fl == fieldEmail || f.fl == fieldPhone {
		f.contact = true
	}
	if strings.IndexByte(k, '@') >= 0 {
		for sp := range findEmails(k) {
			x.add(Item{Value: k[sp.start:sp.end], Category: CategoryEmail})
		}
	}
}

// member reads a scalar value at the current point.
func (x *extractor) member(v string) {
	key, fl := x.context()
	if f := x.top(); f != nil && f.object {
		switch fl {
		case fieldFirstName:
			f.first = v
		case fieldLastName:
			f.last = v
		case fieldBareName:
			f.bare = v
		}
	}
	x.value(key, fl, v)
	x.done()
}

// value adds v, read under key in a field fl, and what is inside it.
// Values shorter than minWhole are left out, but not what is inside them.
func (x *extractor) value(key string, fl field, v string) {
	trimmed := trimSpace(v)
	whole := Item{Key: key, Value: v, Category: classifyValue(fl, v)}
	if whole.Category == CategoryNationalID {
		whole.Detector = SensitiveNationalID
	}
	inner := x.inside(key, fl, v)
	if whole.Category == "" && len(inner) == 1 && inner[0].Value == trimmed {
		whole, inner = inner[0], nil
	}
	if whole.Category != "" || len(trimmed) >= minWhole {
		x.add(whole)
	}
	for _, it := range inner {
		if it.Value != trimmed || it.Category != whole.Category {
			x.add(it)
		}
	}
}

// text adds a run of text that has no key of its own.
func (x *extractor) text(key, s string) {
	x.value(key, fieldOther, s)
}

// classifyValue returns the category of a whole value in a field, if the
// value has the shape the field promises.
func classifyValue(fl field, v string) string {
	v = trimSpace(v)
	ok := false
	cat := ""
	switch fl {
	case fieldEmail:
		ok, cat = validEmail(v), CategoryEmail
	case fieldPhone:
		_, ok = normPhone(v)
		cat = CategoryPhone
	case fieldFullName:
		ok, cat = personName(v), CategoryName
	case fieldStreet:
		ok, cat = streetLine(v), CategoryAddress
	case fieldPostalCode:
		ok, cat = postalCode(v), CategoryAddress
	case fieldID:
		ok, cat = distinctiveID(v), CategoryRecordID
	case fieldNationalID:
		ok, cat = validNationalID(compact(v)), CategoryNationalID
	}
	if !ok {
		return ""
	}
	return cat
}

// inside returns the emails, phones and detector hits inside v. Ids,
// references and phone fields are searched for emails only. A phone number
// that overlaps a detector hit is part of it ("0044 0532 0130 00" inside
// an IBAN), not a phone.
func (x *extractor) inside(key string, fl field, v string) []Item {
	var found []Item
	if strings.IndexByte(v, '@') >= 0 {
		for sp := range findEmails(v) {
			found = append(found, Item{Key: key, Value: v[sp.start:sp.end], Category: CategoryEmail})
		}
	}
	if !fl.scansForDetectors() {
		return found
	}
	var hits []span
	for _, d := range detectors {
		for sp := range d.find(v) {
			hits = append(hits, sp)
			found = append(found, Item{Key: key, Value: v[sp.start:sp.end], Category: d.category, Detector: d.kind})
		}
	}
	for sp := range findPhones(v) {
		if !slices.ContainsFunc(hits, sp.overlaps) {
			found = append(found, Item{Key: key, Value: v[sp.start:sp.end], Category: CategoryPhone})
		}
	}
	return found
}

// form reads application/x-www-form-urlencoded fields as the members of
// one object.
func (x *extractor) form(body string) {
	x.open(true)
	for pair := range strings.SplitSeq(body, "&") {
		if x.full() {
			break
		}
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		x.field(unescape(k), []byte(unescape(v)), "")
	}
	x.close()
}

// unescape decodes a form component, keeping it as it is if malformed.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// field reads one named field of a form or multipart body, by its content
// type when it has one, as JSON when it starts like JSON, else as text.
func (x *extractor) field(name string, data []byte, contentType string) {
	x.setKey(name)
	if contentType != "" {
		x.payload(contentType, data)
		x.done()
		return
	}
	if looksLikeJSON(data) {
		x.json(data)
		x.done()
		return
	}
	x.member(string(data))
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
		if err != nil {
			x.text("", string(body))
			return
		}
		data, err := io.ReadAll(p)
		if err != nil {
			x.text("", string(body))
			return
		}
		ct := p.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "text/plain") {
			ct = ""
		}
		x.field(p.FormName(), data, ct)
	}
}
