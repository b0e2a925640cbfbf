package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aos-dev/aos"
)

// LeafVersion is the "v" field of every leaf. A change to the leaf encoding
// gets a new version; leaves already in a log never change.
const LeafVersion = 1

// SaltSize is the size of the random salt behind a payload commitment.
const SaltSize = 32

// leafTimeLayout is RFC 3339 in UTC with exactly nine fractional digits, so
// that every instant has one spelling.
const leafTimeLayout = "2006-01-02T15:04:05.000000000Z"

// commitDomain separates payload commitments from every other SHA-256 use.
const commitDomain = "aos evidence payload commitment v1\x00"

// Commit returns the commitment to a payload: the hex SHA-256 of a domain
// separator followed by the salt and the payload, each prefixed with its
// length as a big-endian uint64, so that no two (salt, payload) pairs share an
// encoding. With a fresh random salt the commitment reveals nothing about the
// payload, which lets a redaction delete the payload and keep the leaf.
func Commit(salt, payload []byte) string {
	h := sha256.New()
	writeCommitted(h, salt, payload)
	return hex.EncodeToString(h.Sum(nil))
}

// writeCommitted writes what Commit hashes to h.
func writeCommitted(h hash.Hash, salt, payload []byte) {
	h.Write([]byte(commitDomain))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(salt)))
	h.Write(n[:])
	h.Write(salt)
	binary.BigEndian.PutUint64(n[:], uint64(len(payload)))
	h.Write(n[:])
	h.Write(payload)
}

// EncodeLeaf returns the canonical leaf of e: the bytes the Merkle tree hashes.
//
// The leaf is a JSON object with the fields, in this order, "v" (LeafVersion),
// "index", "time" (UTC, RFC 3339 with nine fractional digits), "kind",
// "actor", then "subject", "attrs" (keys sorted), "commitment" and "state"
// (the state changes in order, each {"table","key","row"} with the row's keys
// sorted, or a null row) when they are not empty. Strings are escaped minimally ('"', '\\' and control
// characters only). e.Payload, e.Redacted and e.RedactedAt are not part of
// the leaf: the payload enters it only through e.Commitment, and a redaction
// happens after the leaf is sealed. Equal entries give equal bytes.
//
// EncodeLeaf fails for a negative index, a time outside years 0-9999, a
// string that is not valid UTF-8, or a commitment that is not 64 lowercase
// hex digits.
func EncodeLeaf(e aos.Entry) ([]byte, error) {
	if e.Index < 0 {
		return nil, fmt.Errorf("evidence: leaf: negative index %d", e.Index)
	}
	t := e.Time.UTC()
	if t.Year() < 0 || t.Year() > 9999 {
		return nil, fmt.Errorf("evidence: leaf %d: time %v out of range", e.Index, t)
	}
	if e.Commitment != "" && !isCommitment(e.Commitment) {
		return nil, fmt.Errorf("evidence: leaf %d: malformed commitment", e.Index)
	}
	if err := checkLeafStrings(e.Record); err != nil {
		return nil, fmt.Errorf("evidence: leaf %d: %w", e.Index, err)
	}

	b := make([]byte, 0, leafSize(e))
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, LeafVersion, 10)
	b = append(b, `,"index":`...)
	b = strconv.AppendInt(b, e.Index, 10)
	b = append(b, `,"time":"`...)
	b = t.AppendFormat(b, leafTimeLayout)
	b = append(b, `","kind":`...)
	b = appendString(b, e.Kind)
	b = append(b, `,"actor":`...)
	b = appendString(b, e.Actor)
	if e.Subject != "" {
		b = append(b, `,"subject":`...)
		b = appendString(b, e.Subject)
	}
	if len(e.Attrs) > 0 {
		b = append(b, `,"attrs":`...)
		b = appendStringMap(b, e.Attrs)
	}
	if e.Commitment != "" {
		b = append(b, `,"commitment":"`...)
		b = append(b, e.Commitment...)
		b = append(b, '"')
	}
	if len(e.State) > 0 {
		b = appendState(b, e.State)
	}
	return append(b, '}'), nil
}

// leafSize is the length of e's leaf when no string needs an escape: the
// capacity EncodeLeaf starts with, so that it allocates once.
func leafSize(e aos.Entry) int {
	// {"v":1,"index":,"time":"","kind":"","actor":""} with a 20-digit
	// index and a 30-byte time.
	n := 100 + len(e.Kind) + len(e.Actor)
	if e.Subject != "" {
		n += len(`,"subject":""`) + len(e.Subject)
	}
	if len(e.Attrs) > 0 {
		n += len(`,"attrs":{}`) + mapSize(e.Attrs)
	}
	if e.Commitment != "" {
		n += len(`,"commitment":""`) + len(e.Commitment)
	}
	if len(e.State) > 0 {
		n += len(`,"state":[]`)
		for _, c := range e.State {
			n += len(`{"table":"","key":"","row":null},`) + len(c.Table) + len(c.Key) + mapSize(c.Row)
		}
	}
	return n
}

// mapSize is the length of m as a JSON object whose strings need no escape.
func mapSize(m map[string]string) int {
	n := 2
	for k, v := range m {
		n += len(k) + len(v) + len(`"":"",`)
	}
	return n
}

// appendState appends the "state" field: the changes in their order, each
// an object with "table", "key" and "row" (keys sorted, or null).
func appendState(b []byte, changes []aos.StateChange) []byte {
	b = append(b, `,"state":[`...)
	for i, c := range changes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"table":`...)
		b = appendString(b, c.Table)
		b = append(b, `,"key":`...)
		b = appendString(b, c.Key)
		b = append(b, `,"row":`...)
		if c.Row == nil {
			b = append(b, "null"...)
		} else {
			b = appendStringMap(b, c.Row)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendStringMap appends m as a JSON object with its keys sorted.
func appendStringMap(b []byte, m map[string]string) []byte {
	// Records have a few attributes: their keys are sorted in place.
	var buf [8]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

// leafJSON is the decoding shape of a leaf.
type leafJSON struct {
	V          int               `json:"v"`
	Index      int64             `json:"index"`
	Time       string            `json:"time"`
	Kind       string            `json:"kind"`
	Actor      string            `json:"actor"`
	Subject    string            `json:"subject"`
	Attrs      map[string]string `json:"attrs"`
	Commitment string            `json:"commitment"`
	State      []aos.StateChange `json:"state"`
}

// errNotCanonical reports a leaf that decodes but is not spelled the one way
// EncodeLeaf spells it.
var errNotCanonical = errors.New("evidence: leaf is not canonical")

// DecodeLeaf parses a leaf written by EncodeLeaf. It is strict: unknown
// fields, another version, or any byte sequence other than the canonical
// encoding of the decoded entry (other field order, whitespace, escapes,
// duplicate keys, time spelling) is rejected, so that a leaf has exactly one
// spelling and DecodeLeaf followed by EncodeLeaf gives back the same bytes.
// The returned entry has no Payload and is not marked redacted.
func DecodeLeaf(leaf []byte) (aos.Entry, error) {
	if e, ok := decodeCanonicalLeaf(leaf); ok {
		return e, nil // the canonical leaf of e, as the strict path would find
	}
	return decodeLeafJSON(leaf)
}

// decodeLeafJSON is DecodeLeaf through encoding/json: the reference, and
// the path that explains why a leaf is refused.
func decodeLeafJSON(leaf []byte) (aos.Entry, error) {
	dec := json.NewDecoder(bytes.NewReader(leaf))
	dec.DisallowUnknownFields()
	var l leafJSON
	if err := dec.Decode(&l); err != nil {
		return aos.Entry{}, fmt.Errorf("evidence: leaf: %w", err)
	}
	if l.V != LeafVersion {
		return aos.Entry{}, fmt.Errorf("evidence: leaf: unsupported version %d", l.V)
	}
	t, err := time.Parse(leafTimeLayout, l.Time)
	if err != nil {
		return aos.Entry{}, fmt.Errorf("evidence: leaf: time: %w", err)
	}
	e := aos.Entry{
		Index: l.Index,
		Time:  t,
		Record: aos.Record{
			Kind:    l.Kind,
			Actor:   l.Actor,
			Subject: l.Subject,
			Attrs:   l.Attrs,
			State:   l.State,
		},
		Commitment: l.Commitment,
	}
	again, err := EncodeLeaf(e)
	if err != nil {
		return aos.Entry{}, err
	}
	if !bytes.Equal(again, leaf) {
		return aos.Entry{}, errNotCanonical
	}
	return e, nil
}

// checkLeafStrings rejects strings that JSON could not carry unchanged.
func checkLeafStrings(r aos.Record) error {
	for _, s := range []string{r.Kind, r.Actor, r.Subject} {
		if !utf8.ValidString(s) {
			return errors.New("string is not valid UTF-8")
		}
	}
	for k, v := range r.Attrs {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return errors.New("attr is not valid UTF-8")
		}
	}
	for _, c := range r.State {
		if c.Table == "" || c.Key == "" || !utf8.ValidString(c.Table) || !utf8.ValidString(c.Key) {
			return errors.New("state change without a valid table and key")
		}
		for k, v := range c.Row {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return errors.New("state row is not valid UTF-8")
			}
		}
	}
	return nil
}

// isCommitment reports whether s is 64 lowercase hex digits.
func isCommitment(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !lowerHex[s[i]] {
			return false
		}
	}
	return true
}

// lowerHex marks the lower case hex digits.
var lowerHex = [256]bool{
	'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
	'a': true, 'b': true, 'c': true, 'd': true, 'e': true, 'f': true,
}

// appendString appends s, valid UTF-8, as a JSON string escaping only what
// JSON requires.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
