package opdef

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/url"
	"strconv"
	"strings"
)

// status is what reading a source found.
type status uint8

const (
	absent     status = iota // not in the request, or null
	present                  // a value
	unreadable               // the body cannot be read, or the value is ambiguous or in the wrong place
)

// valKind is the JSON kind of a present value. Form fields and query
// parameters are strings.
type valKind uint8

const (
	vString valKind = iota
	vNumber
	vBool
	vArray
	vObject
)

// value is what a source found in a request.
type value struct {
	status status
	kind   valKind
	text   string   // a string, or a number as written
	b      bool     // a boolean
	n      int      // an array's length
	all    []string // every value of a repeated form field or query parameter
}

// mediaKind is how a request body is read.
type mediaKind uint8

const (
	noBody    mediaKind = iota // empty: every body source is absent
	jsonBody                   // application/json or *+json
	formBody                   // application/x-www-form-urlencoded
	otherBody                  // anything else, or no Content-Type: unreadable
)

func mediaOf(contentType string, body []byte) mediaKind {
	if len(body) == 0 {
		return noBody
	}
	mt, _, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil:
		return otherBody
	case mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return jsonBody
	case mt == "application/x-www-form-urlencoded":
		return formBody
	}
	return otherBody
}

// input is one request, read once for all the sources of an operation.
type input struct {
	query  url.Values
	media  mediaKind
	form   url.Values
	formOK bool
	ptrs   []*source // the operation's JSON pointer sources
	vals   []value   // what each of ptrs found
}

func newInput(contentType string, query url.Values, body []byte, ptrs []*source) *input {
	in := &input{query: query, media: mediaOf(contentType, body), ptrs: ptrs}
	switch in.media {
	case jsonBody:
		tokens := make([][]string, len(ptrs))
		for i, p := range ptrs {
			tokens[i] = p.tokens
		}
		in.vals = readJSON(body, tokens)
	case formBody:
		// ParseQuery refuses ';' separators and bad escapes, which
		// servers read differently.
		form, err := url.ParseQuery(string(body))
		in.form, in.formOK = form, err == nil
	}
	return in
}

// read returns what s finds. Unless multi, a form field or query
// parameter given more than once is unreadable.
func (in *input) read(s *source, multi bool) value {
	switch s.kind {
	case always:
		return value{status: present, kind: vBool, b: true}
	case constant:
		// Constants were checked by Parse: amounts and counts start with
		// a digit, currencies with a letter.
		if s.arg != "" && '0' <= s.arg[0] && s.arg[0] <= '9' {
			return value{status: present, kind: vNumber, text: s.arg}
		}
		return value{status: present, kind: vString, text: s.arg, all: []string{s.arg}}
	case queryParam:
		return field(in.query, s.arg, multi)
	case formField:
		switch {
		case in.media == noBody:
			return value{}
		case in.media != formBody || !in.formOK:
			return value{status: unreadable}
		}
		return field(in.form, s.arg, multi)
	case jsonPtr:
		switch in.media {
		case noBody:
			return value{}
		case jsonBody:
			for i, p := range in.ptrs {
				if p == s {
					return in.vals[i]
				}
			}
		}
		return value{status: unreadable}
	}
	return value{}
}

// field returns the values of name in vs. Another name that differs only
// in case makes the value ambiguous.
func field(vs url.Values, name string, multi bool) value {
	for k := range vs {
		if k != name && strings.EqualFold(k, name) {
			return value{status: unreadable}
		}
	}
	all := vs[name]
	switch {
	case len(all) == 0:
		return value{}
	case len(all) > 1 && !multi:
		return value{status: unreadable}
	}
	return value{status: present, kind: vString, text: all[0], all: all}
}

// readJSON reads the values at each pointer of ptrs in a JSON body, in one
// pass that skips every part no pointer leads into.
func readJSON(body []byte, ptrs [][]string) []value {
	out := make([]value, len(ptrs))
	fail := func() []value {
		for i := range out {
			out[i] = value{status: unreadable}
		}
		return out
	}
	// Valid also refuses trailing data, which another reader might take
	// as a second value.
	if !json.Valid(body) {
		return fail()
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := &jsonWalker{dec: dec, ptrs: ptrs, out: out, ambiguous: make([]bool, len(ptrs))}
	targets := make([]int, len(ptrs))
	for i := range targets {
		targets[i] = i
	}
	if err := w.value(targets, 0); err != nil {
		return fail()
	}
	for i, amb := range w.ambiguous {
		if amb {
			out[i] = value{status: unreadable}
		}
	}
	return out
}

// jsonWalker walks a JSON document with the pointers still leading into
// the current value (targets: indices into ptrs), recording in out what
// each pointer finds where it ends.
type jsonWalker struct {
	dec       *json.Decoder
	ptrs      [][]string
	out       []value
	ambiguous []bool
}

// value reads the next value, at depth tokens into every target pointer.
func (w *jsonWalker) value(targets []int, depth int) error {
	if len(targets) == 0 {
		var skip json.RawMessage
		return w.dec.Decode(&skip)
	}
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	var ending, deeper []int
	for _, i := range targets {
		if len(w.ptrs[i]) == depth {
			ending = append(ending, i)
			w.out[i] = valueOf(tok)
		} else {
			deeper = append(deeper, i)
		}
	}
	switch tok {
	case json.Delim('{'):
		return w.object(deeper, depth)
	case json.Delim('['):
		n, err := w.array(deeper, depth)
		for _, i := range ending {
			w.out[i].n = n
		}
		return err
	}
	// A scalar where a pointer goes on: null is absent, anything else is
	// the wrong type.
	if tok != nil {
		for _, i := range deeper {
			w.out[i] = value{status: unreadable}
		}
	}
	return nil
}

func (w *jsonWalker) object(deeper []int, depth int) error {
	matched := map[int]bool{}
	for w.dec.More() {
		kt, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		var sub []int
		for _, i := range deeper {
			want := w.ptrs[i][depth]
			if key != want && !strings.EqualFold(key, want) {
				continue
			}
			// A repeated key, or one in another case, is read differently
			// by different decoders.
			if key != want || matched[i] {
				w.ambiguous[i] = true
				continue
			}
			matched[i] = true
			sub = append(sub, i)
		}
		if err := w.value(sub, depth+1); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // '}'
	return err
}

// array reads the elements of an array and returns how many there are.
func (w *jsonWalker) array(deeper []int, depth int) (int, error) {
	for _, i := range deeper {
		if _, ok := arrayIndex(w.ptrs[i][depth]); !ok {
			w.out[i] = value{status: unreadable} // not an index: the wrong type
		}
	}
	n := 0
	for w.dec.More() {
		var sub []int
		for _, i := range deeper {
			if idx, ok := arrayIndex(w.ptrs[i][depth]); ok && idx == n {
				sub = append(sub, i)
			}
		}
		if err := w.value(sub, depth+1); err != nil {
			return n, err
		}
		n++
	}
	_, err := w.dec.Token() // ']'
	return n, err
}

// arrayIndex parses a pointer token as an array index: "0", or digits
// without a leading zero.
func arrayIndex(tok string) (int, bool) {
	if tok == "" || len(tok) > 1 && tok[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(tok)
	return n, err == nil
}

func valueOf(tok json.Token) value {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return value{status: present, kind: vArray}
		}
		return value{status: present, kind: vObject}
	case string:
		return value{status: present, kind: vString, text: t, all: []string{t}}
	case json.Number:
		return value{status: present, kind: vNumber, text: string(t)}
	case bool:
		return value{status: present, kind: vBool, b: t}
	}
	return value{} // null
}
