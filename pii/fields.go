package pii

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// field is what a JSON member, form field or part name says its value is.
type field int

const (
	fieldOther field = iota
	fieldEmail
	fieldPhone
	fieldFirstName
	fieldLastName
	fieldFullName
	// fieldBareName is "name": a person's only in an object that also has an
	// email or phone field.
	fieldBareName
	fieldStreet
	fieldPostalCode
	fieldNationalID
	fieldID
	// fieldReference is an order, invoice or tracking number: an identifier
	// of a thing, never mistaken for a card or a phone.
	fieldReference
)

// scansForDetectors reports whether the detectors and the phone finder run
// on values of the field. Ids, references and phone fields hold numbers that
// look like cards or phones and are neither.
func (f field) scansForDetectors() bool {
	return f != fieldID && f != fieldReference && f != fieldPhone
}

// maxKey is the longest key classified; longer ones are data, not names.
const maxKey = 64

var fieldsByKey = map[string]field{
	"mail": fieldEmail,

	"phone": fieldPhone, "phonenumber": fieldPhone, "mobile": fieldPhone, "mobilenumber": fieldPhone,
	"tel": fieldPhone, "telephone": fieldPhone, "telephonenumber": fieldPhone, "cell": fieldPhone,
	"cellphone": fieldPhone, "fax": fieldPhone, "faxnumber": fieldPhone, "msisdn": fieldPhone,

	"firstname": fieldFirstName, "givenname": fieldFirstName, "forename": fieldFirstName,
	"lastname": fieldLastName, "familyname": fieldLastName, "surname": fieldLastName,
	"fullname": fieldFullName, "contactname": fieldFullName, "customername": fieldFullName,
	"personname": fieldFullName, "displayname": fieldFullName, "legalname": fieldFullName,
	"name": fieldBareName,

	"address": fieldStreet, "street": fieldStreet, "streetaddress": fieldStreet,
	"line1": fieldStreet, "line2": fieldStreet, "addressline1": fieldStreet, "addressline2": fieldStreet,
	"address1": fieldStreet, "address2": fieldStreet, "addressline": fieldStreet,
	"streetline1": fieldStreet, "streetline2": fieldStreet,
	"postalcode": fieldPostalCode, "postcode": fieldPostalCode, "zip": fieldPostalCode,
	"zipcode": fieldPostalCode,

	"ssn": fieldNationalID, "socialsecuritynumber": fieldNationalID, "nino": fieldNationalID,
	"nationalinsurancenumber": fieldNationalID, "nationalid": fieldNationalID,

	"uuid": fieldID, "guid": fieldID,
	"reference": fieldReference, "ref": fieldReference, "sku": fieldReference,
}

// idSuffixes end the keys of identifiers: "id", "contact_id", "contactIds".
var idSuffixes = map[string]bool{"id": true, "ids": true, "uuid": true, "guid": true}

// referenceHeads and referenceTails make up references: "order_number",
// "invoiceNo", "tracking_code".
var (
	referenceHeads = map[string]bool{
		"order": true, "invoice": true, "tracking": true, "confirmation": true, "transaction": true,
		"receipt": true, "booking": true, "ticket": true, "shipment": true, "po": true, "purchase": true,
		"reference": true, "case": true,
	}
	referenceTails = map[string]bool{
		"number": true, "no": true, "num": true, "nr": true, "ref": true, "reference": true, "code": true,
	}
)

// addressHeads qualify "address" as a postal one: "billing_address".
var addressHeads = map[string]bool{
	"billing": true, "shipping": true, "home": true, "mailing": true, "postal": true,
	"delivery": true, "work": true, "residential": true, "street": true,
}

// genericKeys say nothing of their own: {"email": {"value": …}}, {"phone":
// {"number": …}}; their value is classified by the enclosing key.
var genericKeys = map[string]bool{"value": true, "values": true, "number": true, "val": true, "data": true}

// classifyKey says what a key's value is; outer is the key the enclosing
// object or array sits under ("" at the top).
func classifyKey(key, outer string) field {
	return classifyWords(keyWords(key), outer)
}

// classifyWords is classifyKey for a key already split by keyWords.
func classifyWords(ws []string, outer string) field {
	if len(ws) == 0 {
		return fieldOther
	}
	joined := strings.Join(ws, "")
	if len(ws) == 1 && outer != "" {
		if genericKeys[joined] {
			return classifyKey(outer, "")
		}
		// {"name": {"first": …, "last": …}}
		if o := classifyKey(outer, ""); o == fieldBareName || o == fieldFullName {
			switch joined {
			case "first", "given":
				return fieldFirstName
			case "last", "family":
				return fieldLastName
			}
		}
	}
	if f, ok := fieldsByKey[joined]; ok {
		return f
	}
	last := ws[len(ws)-1]
	switch {
	case slices.Contains(ws, "email"):
		return fieldEmail
	case strings.HasSuffix(joined, "phone") || last == "mobile":
		return fieldPhone
	case last == "address" && addressHeads[ws[0]]:
		return fieldStreet
	case idSuffixes[last]:
		return fieldID
	case len(ws) > 1 && referenceTails[last] && referenceHeads[ws[0]]:
		return fieldReference
	}
	return fieldOther
}

// keyWords splits a key into lower-case words at punctuation and at case
// changes: "first_name", "firstName", "FirstName" and "first-name" all give
// [first name]; "HSObjectID" gives [hs object id]. Digits stay with the
// word before them ("line1").
func keyWords(key string) []string {
	if len(key) > maxKey {
		return nil
	}
	var ws []string
	rs := []rune(key)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			ws = append(ws, strings.ToLower(string(rs[start:end])))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start >= 0 && unicode.IsUpper(r) {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower {
				flush(i)
			}
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(rs))
	return ws
}

// placeholderWords make up the names of test and placeholder records
// ("Test User", "Unknown Customer", "John Doe"): a name of these words only
// would match every message about testing.
var placeholderWords = map[string]bool{
	"test": true, "tester": true, "testing": true, "demo": true, "sample": true, "example": true,
	"unknown": true, "user": true, "customer": true, "contact": true, "client": true, "admin": true,
	"null": true, "none": true, "new": true, "lead": true, "guest": true, "anonymous": true,
	"first": true, "last": true, "name": true, "dummy": true, "fake": true, "placeholder": true,
	"john": true, "jane": true, "doe": true,
}

// personName reports whether v looks like a person's full name: 2 to 5
// words of letters (with ' - . inside), at most 100 bytes, not all of them
// placeholder words.
func personName(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) > 100 || !utf8.ValidString(v) {
		return false
	}
	ws := strings.Fields(v)
	if len(ws) < 2 || len(ws) > 5 {
		return false
	}
	for _, w := range ws {
		letters := 0
		for _, r := range w {
			switch {
			case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
				letters++
			case r == '\'' || r == '’' || r == '-' || r == '.' || r == ',':
			default:
				return false
			}
		}
		if letters == 0 {
			return false
		}
	}
	for _, w := range ws {
		if !placeholderWords[foldText(w)] {
			return true
		}
	}
	return false
}

// streetLine reports whether v looks like a street line: 2 words or more,
// a letter and a digit, at most 200 bytes.
func streetLine(v string) bool {
	v = strings.TrimSpace(v)
	return len(v) <= 200 && strings.IndexFunc(v, unicode.IsSpace) >= 0 && hasLetterAndDigit(v)
}

// postalCode reports whether v looks like a postal code that identifies a
// handful of addresses: 5 to 10 letters, digits, spaces or dashes, with
// both a letter and a digit ("SW1A 1AA", "K1A 0B1", "1012 AB").
func postalCode(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 5 || len(v) > 10 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isAlnum(c) && c != ' ' && c != '-' {
			return false
		}
	}
	return hasLetterAndDigit(v)
}

// distinctiveID reports whether an identifier is distinctive enough to be
// remembered: no white space, at least 4 distinct characters, and either at
// least 10 digits and nothing else, or at least 6 characters with both a
// digit and a letter. Short numbers match everything; plain words ("active",
// "Europe/London") are enumerations, not records.
func distinctiveID(v string) bool {
	if len(v) < 6 || len(v) > 128 || !utf8.ValidString(v) {
		return false
	}
	digits, letters := 0, 0
	var distinct []rune
	for _, r := range v {
		switch {
		case unicode.IsSpace(r):
			return false
		case '0' <= r && r <= '9':
			digits++
		case unicode.IsLetter(r):
			letters++
		}
		if len(distinct) < 4 && !slices.Contains(distinct, r) {
			distinct = append(distinct, r)
		}
	}
	if len(distinct) < 4 {
		return false
	}
	if digits == len(v) {
		return digits >= 10
	}
	return digits > 0 && letters > 0
}

func hasLetterAndDigit(v string) bool {
	return strings.IndexFunc(v, unicode.IsLetter) >= 0 && strings.IndexFunc(v, unicode.IsDigit) >= 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isAlnum(c byte) bool { return isDigit(c) || isLetter(c) }

// staffWords and staffKeys name the company's own people in the records
// of its systems: a contact's owner, a ticket's assignee, a note's author.
var (
	staffWords = map[string]bool{
		"owner": true, "owners": true, "assignee": true, "assignees": true, "author": true, "creator": true,
	}
	staffKeys = []string{"createdby", "updatedby", "modifiedby", "assignedto"}
)

// staffKey reports whether a key, split by keyWords, names the company's
// own people ("owner", "hubspot_owner", "owner_email", "CreatedBy",
// "assigned_to").
func staffKey(ws []string) bool {
	for _, w := range ws {
		if staffWords[w] {
			return true
		}
	}
	joined := strings.Join(ws, "")
	for _, k := range staffKeys {
		if strings.Contains(joined, k) {
			return true
		}
	}
	return false
}
