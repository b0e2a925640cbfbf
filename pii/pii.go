// Package pii tells what customer data is in a payload without ever keeping
// it. The gateway uses it in two places:
//
//   - Learning: a response from a connection that holds customer data (a
//     CRM, say) goes through [Extract] and [Learn], which turns every piece
//     of customer data in it into a keyed fingerprint: a MAC, never the value.
//   - Scanning: an outbound write to any other connection goes through
//     [Extract] and [Candidates]; the MACs are looked up among the stored
//     fingerprints and [Assess] turns what was found, together with the
//     detectors (card numbers, IBANs, national ids), into the customer-data
//     facts the policy decides on.
//
// The package does no I/O, keeps no state and reads no clock: the MAC is
// given to it ((*vault.Vault).MAC), the store is the caller's.
//
// # What is learnt
//
// Precision comes first: an approval point that fires on everything gets
// switched off. Learn remembers, from a response:
//
//   - every email address and phone number found anywhere, including inside
//     free text (a phone in free text must be written like one: with a
//     leading +, in parentheses, in the 3-3-4 North American shape, or as a
//     grouped national number starting with 0; a bare run of digits is not
//     a phone unless its field says so);
//   - full names: a "full_name"-like field, a first and a last name from the
//     same object joined, or a bare "name" in an object that also has an
//     email or phone field (a lone "name" is as often a product or a
//     channel). A name is 2 to 5 words of letters; one word ("Ada", "Smith")
//     is never learnt, it would match too much, nor is a placeholder ("Test
//     User", "John Doe");
//   - street lines (2 words or more, with a digit and a letter) and postal
//     codes that mix letters and digits ("SW1A 1AA"). City, region and
//     country identify no one and are never learnt, nor are digit-only ZIP
//     codes;
//   - record ids under id-like keys ("id", "*_id", "contactId", "uuid") only
//     when distinctive: at least 6 characters with both a digit and a letter
//     and no space, or at least 10 digits; either way at least 4 distinct
//     characters. A bare 42, a nil UUID, or a word such as "Europe/London"
//     under "timezone_id" is never remembered;
//   - payment data (card numbers, IBANs) and national ids found by the
//     detectors, or under an "ssn"/"nino"-like key when valid.
//
// Nothing is learnt from under keys that name the company's own people
// ("owner", "assignee", "created_by", "author"): a sales rep's email in
// every CRM record is not customer data. Values under id, reference
// ("order_number") and phone keys are never taken for card numbers.
//
// # Normalisation
//
// Values are normalised before they are hashed, identically when learning
// and when scanning, so trivial variations still match. Characters that
// render as nothing (zero-width spaces and joiners, soft hyphens, direction
// marks: Unicode format characters) are dropped from every value first, so
// that what a reader sees is what is matched; text spelled in tag
// characters (invisible copies of ASCII) is read as a value of its own.
// Emails are trimmed
// and lower-cased; phone numbers are reduced to their digits, keeping a
// leading + (a leading 00 becomes +), with 8 to 15 digits; when scanning, a
// North American 10-digit number is also tried with +1 and the other way
// round. Names, addresses and free text are case-folded (Unicode simple
// folding), split into words at spaces and at , ; | and stripped of
// punctuation at the ends of words, then joined by single spaces. Ids are
// kept as they are (trimmed). Card numbers, IBANs and national ids lose
// their spaces and dashes and are upper-cased.
//
// # What is looked up
//
// For an outbound payload, Candidates yields the MAC of every value as a
// whole (as is and folded), of every email, phone and detector hit inside
// values, of every id-like word in free text, and of every run of 2 to 5
// words in free text, so that "please call Ada Lovelace at 10 Downing
// Street" matches a learnt name and a learnt street line.
//
// # Limits
//
// Extract reads at most [MaxBytes] of a payload and returns at most
// [MaxItems] items; Candidates returns at most [MaxCandidates] MACs, whole
// values and embedded hits first. Whatever lies beyond is not seen: a
// caller that needs certainty about larger payloads must decide about them
// itself. Nothing in the package panics on malformed input, and the same
// input always gives the same output.
package pii

import (
	"strings"

	"github.com/aos-dev/aos"
)

// Purpose is the MAC purpose of customer-data fingerprints. It is fixed and
// versioned: changing the normalisation means a new version, since stored
// fingerprints would no longer match.
const Purpose = "pii fingerprint v1"

// Categories of customer data, as fingerprints and flows record them.
const (
	CategoryEmail      = "email"
	CategoryPhone      = "phone"
	CategoryName       = "name"
	CategoryAddress    = "address"
	CategoryPayment    = "payment"
	CategoryNationalID = "national_id"
	CategoryRecordID   = "record_id"
)

// Kinds of sensitive data the detectors find, as aos.Facts.Sensitive
// reports them. They are held wherever they come from.
const (
	SensitivePaymentCard = "payment_card"
	SensitiveIBAN        = "iban"
	SensitiveNationalID  = "national_id"
)

// Limits on the work done for one payload.
const (
	// MaxBytes is how much of a payload Extract reads.
	MaxBytes = 1 << 20
	// MaxItems is the most items Extract returns.
	MaxItems = 50_000
	// MaxCandidates is the most MACs Candidates returns.
	MaxCandidates = 100_000
)

// MAC is a keyed hash: (*vault.Vault).MAC. It must be deterministic for a
// given purpose and data.
type MAC func(purpose string, data []byte) []byte

// Item is one value found in a payload.
type Item struct {
	// Key is the name of the JSON member, form field or multipart part the
	// value was found under; "" in plain text.
	Key string
	// Value is the value as found. For an email, phone or detector hit
	// inside a larger value, it is just that part.
	Value string
	// Category is one of the Category constants when the key and the value
	// agree on what the value is (a "name" key holding "Q3 renewal" gets
	// none), else "".
	Category string
	// Detector is the Sensitive kind of a detector hit ("payment_card",
	// "iban", "national_id"), else "".
	Detector string
}

// Learn returns the fingerprints to remember for a response's items: one
// per distinct normalised value with a category, with MAC and Category set
// (the caller fills in the connection and times). Learn checks every
// category's rule itself, so an item it is handed that breaks its rule (a
// record id "42", say) is never remembered.
func Learn(mac MAC, items []Item) []aos.Fingerprint {
	var fps []aos.Fingerprint
	seen := make(map[string]bool)
	for _, it := range items {
		s, ok := learnable(it)
		if !ok || seen[s] {
			continue
		}
		seen[s] = true
		fps = append(fps, aos.Fingerprint{MAC: mac(Purpose, []byte(s)), Category: it.Category})
	}
	return fps
}

// learnable returns the normalised form of an item worth remembering.
func learnable(it Item) (string, bool) {
	if !valid(it.Category, it.Value) {
		return "", false
	}
	s := normalize(it.Category, it.Value)
	return s, s != ""
}

// valid reports whether v keeps the rule of its category (see the package
// documentation); nothing without a category is valid.
func valid(category, v string) bool {
	v = strings.TrimSpace(v)
	switch category {
	case CategoryEmail:
		return validEmail(v)
	case CategoryPhone:
		return isPhone(v)
	case CategoryName:
		return personName(v)
	case CategoryAddress:
		return streetLine(v) || postalCode(v)
	case CategoryRecordID:
		return distinctiveID(v)
	case CategoryPayment:
		s := compact(v)
		return validCard(s) || validIBAN(s)
	case CategoryNationalID:
		return validNationalID(compact(v))
	}
	return false
}

// Candidates returns the MACs to look up for an outbound payload's items,
// de-duplicated, in a stable order, at most MaxCandidates of them. A value
// that Learn remembered from one payload yields, through the same
// normalisation, one of these MACs when it appears in another.
func Candidates(mac MAC, items []Item) [][]byte {
	c := candidates{mac: mac, seen: make(map[string]bool)}
	for _, it := range items {
		for _, s := range forms(it) {
			c.add(s)
		}
	}
	for _, it := range items {
		if it.Category == "" {
			c.text(it.Value)
		}
	}
	return c.macs
}

// Findings are what the detectors found in a payload.
type Findings struct {
	// Sensitive lists the kinds of sensitive data found ("iban",
	// "national_id", "payment_card"), sorted, each once.
	Sensitive []string
	// Personal lists the kinds of personal data found ("email", "phone"),
	// sorted, each once. From Scan, every email and phone counts; from
	// Assess, only those never seen from a system of record.
	Personal []string
}

// Scan reports the detector hits and the personal data among items.
func Scan(items []Item) Findings {
	return scan(items, nil)
}

// scan is Scan leaving out, from Personal, the items attributed says are
// known customer data.
func scan(items []Item, attributed func(Item) bool) Findings {
	var sensitive, personal set
	for _, it := range items {
		if it.Detector != "" {
			sensitive.add(it.Detector)
		}
		if (it.Category == CategoryEmail || it.Category == CategoryPhone) && !personal.has(it.Category) &&
			(attributed == nil || !attributed(it)) {
			personal.add(it.Category)
		}
	}
	return Findings{Sensitive: sensitive.sorted(), Personal: personal.sorted()}
}
