package evidence

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aos-dev/aos"
)

// decodeCanonicalLeaf parses a leaf spelled exactly as EncodeLeaf spells
// one, without encoding/json: the canonical field order, the escapes
// appendString writes and no others, valid UTF-8, attrs and row keys in
// increasing order, no empty subject, attrs or state, the time as
// leafTimeLayout writes it. What it accepts is the canonical leaf of what
// it returns; anything else (ok false) goes to the strict JSON path, which
// gives the error. FuzzDecodeLeafFast checks that both paths agree on
// every input.
func decodeCanonicalLeaf(leaf []byte) (e aos.Entry, ok bool) {
	return decodeCanonicalLeafIn(leaf, nil, false)
}

// decodeCanonicalLeafIn is decodeCanonicalLeaf taking its short strings
// from in (nil: allocating each). With replayOnly, it accepts and refuses
// the same leaves, but e.Attrs holds only the attributes the replay reads
// (replayReads), nil if none: what Verify needs, for less.
func decodeCanonicalLeafIn(leaf []byte, in interner, replayOnly bool) (e aos.Entry, ok bool) {
	p := leafParser{b: leaf, in: in}
	if !p.lit(`{"v":1,"index":`) {
		return e, false
	}
	// The index: digits, no sign, no leading zero.
	start := p.i
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		p.i++
	}
	if p.i == start || (p.b[start] == '0' && p.i-start > 1) {
		return e, false
	}
	idx, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	if err != nil {
		return e, false
	}
	e.Index = idx
	if !p.lit(`,"time":"`) || p.i+len(leafTimeLayout)+1 > len(p.b) {
		return e, false
	}
	t, ok := parseLeafTime(p.b[p.i : p.i+len(leafTimeLayout)])
	if !ok {
		return e, false
	}
	e.Time = t
	p.i += len(leafTimeLayout)
	var kind, actor string
	if !p.lit(`","kind":`) || !p.str(&kind) || !p.lit(`,"actor":`) || !p.str(&actor) {
		return e, false
	}
	e.Kind, e.Actor = kind, actor
	if p.lit(`,"subject":`) && (!p.str(&e.Subject) || e.Subject == "") {
		return e, false
	}
	if p.lit(`,"attrs":`) {
		if replayOnly {
			var n int
			if e.Attrs, n, ok = p.replayAttrs(); !ok || n == 0 {
				return e, false
			}
		} else if e.Attrs, ok = p.strMap(); !ok || len(e.Attrs) == 0 {
			return e, false
		}
	}
	if p.lit(`,"commitment":`) && (!p.str(&e.Commitment) || !isCommitment(e.Commitment)) {
		return e, false
	}
	if p.lit(`,"state":[`) {
		for {
			var c aos.StateChange
			if !p.lit(`{"table":`) || !p.str(&c.Table) || !p.lit(`,"key":`) || !p.str(&c.Key) || !p.lit(`,"row":`) ||
				c.Table == "" || c.Key == "" {
				return e, false
			}
			if !p.lit("null") {
				if c.Row, ok = p.strMap(); !ok {
					return e, false
				}
			}
			if !p.lit("}") {
				return e, false
			}
			e.State = append(e.State, c)
			if p.lit("]") {
				break
			}
			if !p.lit(",") {
				return e, false
			}
		}
	}
	if !p.lit("}") || p.i != len(p.b) {
		return e, false
	}
	return e, true
}

// parseLeafTime parses a time spelled as leafTimeLayout spells one: fixed
// width, UTC, every field in its range. Anything else (ok false), including
// the years before 1, goes to the strict path.
func parseLeafTime(b []byte) (t time.Time, ok bool) {
	// 2006-01-02T15:04:05.000000000Z
	if len(b) != len(leafTimeLayout) || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' ||
		b[16] != ':' || b[19] != '.' || b[29] != 'Z' {
		return t, false
	}
	ok = true
	num := func(from, to int) int {
		n := 0
		for _, c := range b[from:to] {
			if c < '0' || c > '9' {
				ok = false
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec, nsec := num(11, 13), num(14, 16), num(17, 19), num(20, 29)
	if !ok || year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // 31 April, 29 February of a common year
		return time.Time{}, false
	}
	return t, true
}

// interner hands out one string per short byte string it is given, so that
// what recurs through a log (kinds, actors, subjects, attribute names and
// many values) is allocated once per decoder rather than once per entry. It
// keeps up to internMax strings of up to internLen bytes; one goroutine uses
// it.
type interner map[string]string

const (
	internMax = 1 << 12
	internLen = 48
)

func (in interner) str(b []byte) string {
	if in == nil || len(b) > internLen {
		return string(b)
	}
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(in) < internMax {
		in[s] = s
	}
	return s
}

type leafParser struct {
	b  []byte
	i  int
	in interner
}

// lit consumes s if the input continues with it.
func (p *leafParser) lit(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// str parses a JSON string with the escapes appendString writes (and no
// others) into *out; with out nil (a string nobody reads) it is checked the
// same way and not made.
func (p *leafParser) str(out *string) bool {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return false
	}
	p.i++
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			if !utf8.Valid(p.b[start:p.i]) {
				return false
			}
			if out != nil {
				*out = p.in.str(p.b[start:p.i])
			}
			p.i++
			return true
		case c == '\\':
			if out == nil {
				var s string
				return p.escaped(start, &s)
			}
			return p.escaped(start, out)
		case c < 0x20:
			return false
		}
		p.i++
	}
	return false
}

// escaped finishes a string that has escapes, from start.
func (p *leafParser) escaped(start int, out *string) bool {
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			if !utf8.Valid(buf) {
				return false
			}
			*out = string(buf)
			p.i++
			return true
		case c < 0x20:
			return false
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			return false
		}
		switch p.b[p.i+1] {
		case '"', '\\':
			buf = append(buf, p.b[p.i+1])
			p.i += 2
		case 'n':
			buf = append(buf, '\n')
			p.i += 2
		case 'r':
			buf = append(buf, '\r')
			p.i += 2
		case 't':
			buf = append(buf, '\t')
			p.i += 2
		case 'u':
			// Only \u00XX (lower case hex) of a control character.
			if p.i+6 > len(p.b) || p.b[p.i+2] != '0' || p.b[p.i+3] != '0' {
				return false
			}
			hi, lo := unhex(p.b[p.i+4]), unhex(p.b[p.i+5])
			if hi > 1 || lo > 15 {
				return false
			}
			if c := hi<<4 | lo; c == '\n' || c == '\r' || c == '\t' {
				return false // written \n, \r, \t
			} else {
				buf = append(buf, c)
			}
			p.i += 6
		default:
			return false
		}
	}
	return false
}

// unhex is the value of a lower case hex digit, or 255.
func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return 255
}

// strMap parses a JSON object of strings.
func (p *leafParser) strMap() (map[string]string, bool) {
	if !p.lit("{") {
		return nil, false
	}
	m := map[string]string{}
	if p.lit("}") {
		return m, true
	}
	last, first := "", true
	for {
		var k, v string
		if !p.str(&k) || !p.lit(":") || !p.str(&v) {
			return nil, false
		}
		if !first && k <= last { // keys sorted, each once
			return nil, false
		}
		last, first = k, false
		m[k] = v
		if p.lit("}") {
			return m, true
		}
		if !p.lit(",") {
			return nil, false
		}
	}
}

// replayAttrs parses a JSON object of strings as strMap does, refusing the
// same, but keeps only the attributes the replay reads (replayReads); n is
// how many attributes the object has.
func (p *leafParser) replayAttrs() (m map[string]string, n int, ok bool) {
	if !p.lit("{") {
		return nil, 0, false
	}
	if p.lit("}") {
		return nil, 0, true
	}
	var last string
	for {
		var k string
		if !p.str(&k) || !p.lit(":") {
			return nil, 0, false
		}
		if n > 0 && k <= last { // keys sorted, each once
			return nil, 0, false
		}
		last = k
		n++
		if replayReads(k) {
			var v string
			if !p.str(&v) {
				return nil, 0, false
			}
			if m == nil {
				m = make(map[string]string, 1)
			}
			m[k] = v
		} else if !p.str(nil) {
			return nil, 0, false
		}
		if p.lit("}") {
			return m, n, true
		}
		if !p.lit(",") {
			return nil, 0, false
		}
	}
}
