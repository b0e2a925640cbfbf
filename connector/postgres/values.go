package postgres

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The server sends every value in text format, with the output settings
// Do pins (DateStyle ISO, TimeZone UTC, bytea_output hex,
// extra_float_digits 3). Values become JSON as follows:
//
//	boolean                      true / false
//	smallint, integer, bigint,   numbers (a bigint may exceed what a
//	oid, real, double precision  JavaScript number holds exactly);
//	                             NaN and ±Infinity as strings
//	numeric                      a string, exactly as the server writes it
//	json, jsonb                  the JSON value itself
//	bytea                        a base64 string (standard alphabet, padded)
//	timestamp with time zone     RFC 3339 in UTC ("2024-05-01T12:00:00.5Z")
//	timestamp                    "2024-05-01T12:00:00.5", without an offset
//	arrays of the types above    JSON arrays (nested for several dimensions)
//	anything else                the server's text ("2024-05-01", "1 day",
//	                             a UUID, an enum label); infinity and BC
//	                             dates stay as the server writes them
//	NULL                         null

var typeMap = pgtype.NewMap()

// decodeValue turns one text-format value into its JSON form.
func decodeValue(oid uint32, raw []byte) any {
	if raw == nil {
		return nil
	}
	s := string(raw)
	switch oid {
	case pgtype.BoolOID:
		return s == "t"
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.OIDOID, pgtype.XIDOID, pgtype.CIDOID:
		return json.Number(s)
	case pgtype.Float4OID, pgtype.Float8OID:
		if s == "NaN" || strings.HasSuffix(s, "Infinity") {
			return s
		}
		return json.Number(s)
	case pgtype.JSONOID, pgtype.JSONBOID:
		if json.Valid(raw) {
			return json.RawMessage(s)
		}
	case pgtype.ByteaOID:
		if b, err := hex.DecodeString(strings.TrimPrefix(s, `\x`)); err == nil && strings.HasPrefix(s, `\x`) {
			return base64.StdEncoding.EncodeToString(b)
		}
	case pgtype.TimestamptzOID:
		if t, err := time.Parse("2006-01-02 15:04:05.999999999-07:00", s); err == nil {
			return t.UTC().Format(time.RFC3339Nano)
		}
		if t, err := time.Parse("2006-01-02 15:04:05.999999999-07", s); err == nil {
			return t.UTC().Format(time.RFC3339Nano)
		}
	case pgtype.TimestampOID:
		if t, err := time.Parse("2006-01-02 15:04:05.999999999", s); err == nil {
			return t.Format("2006-01-02T15:04:05.999999999")
		}
	}
	if elem, delim, ok := arrayElement(oid); ok {
		if v, ok := parseArray(s, elem, delim); ok {
			return v
		}
	}
	return s
}

// arrayElement returns the element type and delimiter of a built-in array
// type.
func arrayElement(oid uint32) (uint32, byte, bool) {
	t, ok := typeMap.TypeForOID(oid)
	if !ok {
		return 0, 0, false
	}
	ac, ok := t.Codec.(*pgtype.ArrayCodec)
	if !ok || ac.ElementType == nil {
		return 0, 0, false
	}
	delim := ac.Delimiter
	if delim == 0 {
		delim = ','
	}
	return ac.ElementType.OID, delim, true
}

// parseArray reads an array's text form ({1,2}, {{"a b",NULL}},
// [0:1]={1,2}) into nested JSON arrays of decoded elements.
func parseArray(s string, elem uint32, delim byte) (any, bool) {
	if i := strings.Index(s, "="); i >= 0 && strings.HasPrefix(s, "[") {
		s = s[i+1:]
	}
	p := arrayParser{s: s, elem: elem, delim: delim}
	v, ok := p.array()
	return v, ok && p.i == len(p.s)
}

type arrayParser struct {
	s     string
	i     int
	elem  uint32
	delim byte
}

func (p *arrayParser) array() ([]any, bool) {
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return nil, false
	}
	p.i++
	out := []any{}
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return out, true
	}
	for {
		v, ok := p.element()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if p.i >= len(p.s) {
			return nil, false
		}
		switch p.s[p.i] {
		case p.delim:
			p.i++
		case '}':
			p.i++
			return out, true
		default:
			return nil, false
		}
	}
}

func (p *arrayParser) element() (any, bool) {
	if p.i >= len(p.s) {
		return nil, false
	}
	switch p.s[p.i] {
	case '{':
		return p.array()
	case '"':
		var b strings.Builder
		for p.i++; p.i < len(p.s); p.i++ {
			switch c := p.s[p.i]; c {
			case '\\':
				p.i++
				if p.i < len(p.s) {
					b.WriteByte(p.s[p.i])
				}
			case '"':
				p.i++
				return decodeValue(p.elem, []byte(b.String())), true
			default:
				b.WriteByte(c)
			}
		}
		return nil, false
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != p.delim && p.s[p.i] != '}' {
		p.i++
	}
	word := strings.TrimSpace(p.s[start:p.i])
	if word == "NULL" {
		return nil, true
	}
	return decodeValue(p.elem, []byte(word)), true
}
