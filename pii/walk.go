package pii

import (
	"slices"
	"strings"
	"unicode"
)

// extractor walks a payload and collects its items.
type extractor struct {
	items  []Item
	frames []frame
	// nesting counts payloads inside payloads (multipart parts).
	nesting int
}

// frame is an open JSON object or array (or a form, or a multipart body:
// an object of fields).
type frame struct {
	object    bool
	expectKey bool
	// key is, in an object, the member being read; in an array, the key the
	// array sits under. outer is the key the container itself sits under.
	key, outer string
	// fl is what key says its values are; staffKey that key names the
	// company's own people; staff that the container sits under such a key.
	fl              field
	staffKey, staff bool
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

// top returns the innermost open container, or nil.
func (x *extractor) top() *frame {
	if len(x.frames) == 0 {
		return nil
	}
	return &x.frames[len(x.frames)-1]
}

// context returns the key a value at this point sits under, what the key
// says of it, and whether it belongs to the company's own people.
func (x *extractor) context() (key string, fl field, staff bool) {
	if f := x.top(); f != nil {
		return f.key, f.fl, f.staff || f.staffKey
	}
	return "", fieldOther, false
}

func (x *extractor) open(object bool) {
	var parent frame
	if f := x.top(); f != nil {
		parent = *f
	}
	staff := parent.staff || parent.staffKey
	if object {
		x.frames = append(x.frames, frame{object: true, expectKey: true, outer: parent.key, staff: staff})
	} else {
		x.frames = append(x.frames, frame{key: parent.key, outer: parent.outer, fl: parent.fl, staff: staff})
	}
}

// close ends the innermost container: a first and a last name read in an
// object become a full name, as does a bare name in an object that also
// has an email or phone.
func (x *extractor) close() {
	f := x.frames[len(x.frames)-1]
	x.frames = x.frames[:len(x.frames)-1]
	if f.object && !f.staff {
		if f.first != "" && f.last != "" {
			if full := strings.TrimSpace(f.first) + " " + strings.TrimSpace(f.last); personName(full) {
				x.add(Item{Key: "name", Value: full, Category: CategoryName})
			}
		}
		if f.bare != "" && f.contact && personName(f.bare) {
			x.add(Item{Key: "name", Value: strings.TrimSpace(f.bare), Category: CategoryName})
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
	ws := keyWords(k)
	f.key, f.expectKey = k, false
	f.fl, f.staffKey = classifyWords(ws, f.outer), staffKey(ws)
	if f.fl == fieldEmail || f.fl == fieldPhone {
		f.contact = true
	}
	if strings.IndexByte(k, '@') >= 0 && !f.staff {
		for sp := range findEmails(k) {
			x.add(Item{Value: k[sp.start:sp.end], Category: CategoryEmail})
		}
	}
}

// member reads a scalar value at the current point.
func (x *extractor) member(v string) {
	key, fl, staff := x.context()
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
	x.value(key, fl, staff, v)
	x.done()
}

// text adds text that has no key of its own.
func (x *extractor) text(s string) {
	x.value("", fieldOther, false, s)
}

// value adds v, read under key in a field fl, and what is inside it.
// Values shorter than minWhole are left out, but not what is inside them.
// The company's own people's data (staff) keeps only detector hits.
func (x *extractor) value(key string, fl field, staff bool, v string) {
	if hidden := tagged(v); hidden != "" {
		x.value(key, fieldOther, staff, hidden)
	}
	v = visible(v)
	trimmed := strings.TrimSpace(v)
	whole := Item{Key: key, Value: v, Category: classifyValue(fl, trimmed)}
	if whole.Category == CategoryNationalID {
		whole.Detector = SensitiveNationalID
	}
	inner := x.inside(key, fl, v)
	if whole.Category == "" && len(inner) == 1 && inner[0].Value == trimmed {
		whole, inner = inner[0], nil
	}
	if staff {
		whole = unpersonal(whole)
		for i := range inner {
			inner[i] = unpersonal(inner[i])
		}
		inner = slices.DeleteFunc(inner, func(it Item) bool { return it.Category == "" })
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

// visible returns v without the characters that render as nothing (see
// invisible): "grace\u200b@example.com" is the address a reader sees, in
// any payload, and is found and learnt as such.
func visible(v string) string {
	if !strings.ContainsFunc(v, invisible) {
		return v
	}
	return strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, v)
}

// tagged returns the text spelled in Unicode tag characters (U+E0020 to
// U+E007E, each an invisible copy of an ASCII character) inside v, which
// a reader does not see but a program reads back: data smuggled in them
// is read like any other text.
func tagged(v string) string {
	var b strings.Builder
	for _, r := range v {
		if 0xE0020 <= r && r <= 0xE007E {
			b.WriteRune(r - 0xE0000)
		}
	}
	return b.String()
}

// invisible reports whether r renders as nothing in running text: a
// format character (zero-width space and joiners, byte-order mark, soft
// hyphen, direction marks...).
func invisible(r rune) bool { return unicode.Is(unicode.Cf, r) }

// unpersonal drops the category of anything but a detector hit.
func unpersonal(it Item) Item {
	if it.Detector == "" {
		it.Category = ""
	}
	return it
}

// classifyValue returns the category of a whole value, trimmed of space, in
// a field, if the value has the shape the field promises.
func classifyValue(fl field, v string) string {
	var ok bool
	var category string
	switch fl {
	case fieldEmail:
		ok, category = validEmail(v), CategoryEmail
	case fieldPhone:
		ok, category = isPhone(v), CategoryPhone
	case fieldFullName:
		ok, category = personName(v), CategoryName
	case fieldStreet:
		ok, category = streetLine(v), CategoryAddress
	case fieldPostalCode:
		ok, category = postalCode(v), CategoryAddress
	case fieldID:
		ok, category = distinctiveID(v), CategoryRecordID
	case fieldNationalID:
		ok, category = validNationalID(compact(v)), CategoryNationalID
	}
	if !ok {
		return ""
	}
	return category
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
