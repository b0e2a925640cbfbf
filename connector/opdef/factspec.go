package opdef

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aos-dev/aos"
	"gopkg.in/yaml.v3"
)

// sourceKind is where a fact's value is read.
type sourceKind uint8

const (
	noSource   sourceKind = iota // not declared
	always                       // the fact always holds (a flag declared true)
	jsonPtr                      // a JSON pointer into a JSON body
	formField                    // a field of a urlencoded body
	queryParam                   // a query parameter
	constant                     // a value written in the file
)

// source is a parsed fact source. arg is the pointer, field name or
// constant as it appears in the normal form; tokens are a pointer's
// reference tokens, unescaped.
type source struct {
	kind   sourceKind
	arg    string
	tokens []string
}

// String is the source in the normal form. An always source is written
// as JSON true by MarshalJSON, not as a string.
func (s source) String() string {
	switch s.kind {
	case jsonPtr:
		return s.arg
	case formField:
		return "form:" + s.arg
	case queryParam:
		return "query:" + s.arg
	case constant:
		return "value:" + s.arg
	}
	return ""
}

// factSpec is where each fact of an operation is read.
type factSpec struct {
	amount     source
	major      bool // amount is in the currency's major unit
	currency   source
	recipients source
	public     source
	production source
	export     source
	share      source
	trainingOp source
}

// valueKind is the kind of value a fact key takes.
type valueKind uint8

const (
	amountValue   valueKind = iota // a source or value:N
	unitValue                      // minor or major
	currencyValue                  // a source or value:XYZ
	countValue                     // a source or value:N
	flagValue                      // true or a source
)

// factKey describes one key of facts: the point it belongs to and the
// kind of value it takes.
type factKey struct {
	key   string
	point aos.ApprovalPoint
	kind  valueKind
	field func(*factSpec) *source // nil for amount_unit
}

var factKeys = []factKey{
	{"amount", aos.PointMoney, amountValue, func(f *factSpec) *source { return &f.amount }},
	{"amount_unit", aos.PointMoney, unitValue, nil},
	{"currency", aos.PointMoney, currencyValue, func(f *factSpec) *source { return &f.currency }},
	{"recipients", aos.PointPublicClaim, countValue, func(f *factSpec) *source { return &f.recipients }},
	{"public", aos.PointPublicClaim, flagValue, func(f *factSpec) *source { return &f.public }},
	{"export", aos.PointCustomerData, flagValue, func(f *factSpec) *source { return &f.export }},
	{"share", aos.PointCustomerData, flagValue, func(f *factSpec) *source { return &f.share }},
	{"training_opt_in", aos.PointCustomerData, flagValue, func(f *factSpec) *source { return &f.trainingOp }},
	{"production", aos.PointProduction, flagValue, func(f *factSpec) *source { return &f.production }},
}

func lookupFactKey(key string) factKey {
	for _, fk := range factKeys {
		if fk.key == key {
			return fk
		}
	}
	return factKey{}
}

// facts reads an operation's facts and applies the rules that tie them to
// its points (see the package documentation).
func (p *parser) facts(op *yaml.Node, m map[string]entry, points []aos.ApprovalPoint, what string) (factSpec, error) {
	var f factSpec
	e, declared := m["facts"]
	if declared {
		keys := make([]string, len(factKeys))
		for i, fk := range factKeys {
			keys[i] = fk.key
		}
		if _, err := p.mapping(e.value, what+": facts", keys...); err != nil {
			return f, err
		}
		// In file order, so that the first problem is reported first.
		unit := ""
		for i := 0; i+1 < len(e.value.Content); i += 2 {
			fe := entry{e.value.Content[i], e.value.Content[i+1]}
			fk := lookupFactKey(fe.key.Value)
			if !containsPoint(points, fk.point) {
				return f, p.errorf(fe.key, "%s: facts.%s needs %s in points", what, fk.key, fk.point)
			}
			if fk.kind == unitValue {
				s, err := p.str(fe, what+": facts")
				if err != nil {
					return f, err
				}
				if s != "minor" && s != "major" {
					return f, p.errorf(fe.value, "%s: facts.amount_unit %q must be minor or major", what, s)
				}
				unit, f.major = s, s == "major"
				continue
			}
			src, err := p.source(fe, fk, what)
			if err != nil {
				return f, err
			}
			*fk.field(&f) = src
		}
		if unit != "" && f.amount.kind == noSource {
			return f, p.errorf(e.key, "%s: facts.amount_unit is given without facts.amount", what)
		}
		if f.amount.kind == constant {
			exp := maxExponent
			if f.currency.kind == constant {
				exp = exponent(f.currency.arg)
			}
			if _, ok := parseAmount(f.amount.arg, f.major, exp); !ok {
				return f, p.errorf(e.key, "%s: facts.amount value:%s is not a whole number of minor units (amount_unit %s)", what, f.amount.arg, unitName(f.major))
			}
		}
	}
	if containsPoint(points, aos.PointMoney) && (f.amount.kind == noSource || f.currency.kind == noSource) {
		return f, p.errorf(op, "%s: the money point needs facts.amount and facts.currency, where the request says "+
			"how much and in which currency (a fixed currency is written value:usd)", what)
	}
	if containsPoint(points, aos.PointPublicClaim) && f.public.kind == noSource && f.recipients.kind == noSource {
		f.public = source{kind: always}
	}
	if containsPoint(points, aos.PointProduction) && f.production.kind == noSource {
		f.production = source{kind: always}
	}
	return f, nil
}

func unitName(major bool) string {
	if major {
		return "major"
	}
	return "minor"
}

// source reads one fact's source.
func (p *parser) source(fe entry, fk factKey, what string) (source, error) {
	if err := p.check(fe.value); err != nil {
		return source{}, err
	}
	v := fe.value
	if fk.kind == flagValue && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
		if strings.EqualFold(v.Value, "true") {
			return source{kind: always}, nil
		}
		return source{}, p.errorf(v, "%s: facts.%s: false is the same as leaving it out; remove it", what, fk.key)
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		return source{}, p.errorf(v, "%s: facts.%s must be %s", what, fk.key, sourceForms(fk.kind))
	}
	src, msg := parseSource(v.Value, fk.kind)
	if msg != "" {
		return source{}, p.errorf(v, "%s: facts.%s %q: %s", what, fk.key, v.Value, msg)
	}
	return src, nil
}

// sourceForms lists the forms a fact of kind k can take.
func sourceForms(k valueKind) string {
	const where = "a JSON pointer such as /amount, form:FIELD or query:FIELD"
	switch k {
	case amountValue:
		return where + ", or value:N"
	case currencyValue:
		return where + ", or value:XYZ (a currency code)"
	case countValue:
		return where + ", or value:N"
	}
	return "true, or " + where
}

// parseSource parses a source of a fact of kind k. It returns a message
// saying what is wrong, or "".
func parseSource(s string, k valueKind) (source, string) {
	if len(s) > maxSourceLen {
		return source{}, "longer than " + strconv.Itoa(maxSourceLen) + " bytes"
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return source{}, "has a control character or is not valid UTF-8"
	}
	kind, arg, _ := strings.Cut(s, ":")
	switch {
	case strings.HasPrefix(s, "/"):
		tokens, msg := parsePointer(s)
		if msg != "" {
			return source{}, msg
		}
		return source{kind: jsonPtr, arg: s, tokens: tokens}, ""
	case kind == "form" || kind == "query":
		if arg == "" {
			return source{}, kind + ": needs a field name, such as " + kind + ":amount"
		}
		if kind == "form" {
			return source{kind: formField, arg: arg}, ""
		}
		return source{kind: queryParam, arg: arg}, ""
	case kind == "value" && k != flagValue:
		return parseConstant(arg, k)
	}
	return source{}, "want " + sourceForms(k)
}

// parseConstant checks a value:V constant. Amounts are checked once the
// unit is known.
func parseConstant(v string, k valueKind) (source, string) {
	switch k {
	case currencyValue:
		if !isCurrency(v) {
			return source{}, "a currency is three letters, such as value:usd"
		}
		return source{kind: constant, arg: strings.ToUpper(v)}, ""
	case countValue:
		if n, ok := parseCount(v); !ok || strconv.Itoa(n) != v {
			return source{}, "recipients value:N must be a whole number written without leading zeros"
		}
	case amountValue:
		if v == "" {
			return source{}, "value: needs an amount"
		}
	}
	return source{kind: constant, arg: v}, ""
}

// parsePointer parses a JSON pointer (RFC 6901) that is not the empty
// pointer, and returns its unescaped reference tokens.
func parsePointer(s string) ([]string, string) {
	parts := strings.Split(s[1:], "/")
	for i, t := range parts {
		for j := 0; j < len(t); j++ {
			if t[j] == '~' && (j+1 == len(t) || t[j+1] != '0' && t[j+1] != '1') {
				return nil, "not a JSON pointer: '~' must be followed by 0 (for ~) or 1 (for /)"
			}
		}
		// ~1 first, then ~0, so that "~01" is "~1" and not "/".
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return parts, ""
}

// isCurrency reports whether s is three ASCII letters.
func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
