package pii

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// jsonStd is the walk of json as it was with encoding/json's tokenizer:
// the reference that FuzzJSONWalk holds json to.
func (x *extractor) jsonStd(body []byte) {
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
		if err != nil || len(x.frames)-depth > maxJSONDepth {
			if off := dec.InputOffset(); off >= 0 && off < int64(len(body)) {
				x.text(string(body[off:]))
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

// FuzzJSONWalk: on every input that encoding/json reads as JSON, the walk
// (jsontext's tokenizer) finds exactly the items the walk with
// encoding/json's tokenizer found; on any input it never panics.
func FuzzJSONWalk(f *testing.F) {
	for _, name := range []string{"crm_contacts.json", "ndjson.json", "slack_clean.json", "slack_message.json", "truncated.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "payloads", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"email":"ada@example.com","name":{"first":"Ada","last":"Lovelace"},"phone":"+44 20 7946 0000"}`,
		`{"a":"x\u00e9y","a":"dup@example.com","n":12345678901234567890,"f":-1.5e300,"t":true,"z":null}`,
		"{\"bad\":\"\xff\xfeada@example.com\"}",
		`{"s":"\ud800\udc00 \ud800 lone","e":"\"quoted\" \\ \/ \b\f\n\r\t"}`,
		`[[[[[[[[[[{"deep":"value@example.com"}]]]]]]]]]]`,
		`{"a":1} {"b":"two@example.com"}`,
		`[]`, `{}`, `"just a string@example.com"`, `123`,
		`{"owner":{"email":"rep@company.com"},"customer":{"email":"c@example.com"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		walk := func(std bool) []Item {
			x := &extractor{}
			if std {
				x.jsonStd(body)
			} else {
				x.json(body)
			}
			return x.items
		}
		got := walk(false)
		if !json.Valid(body) {
			return
		}
		if want := walk(true); !reflect.DeepEqual(got, want) {
			t.Fatalf("the walk of %q found\n%+v\nencoding/json's walk\n%+v", body, got, want)
		}
	})
}

// TestJSONWalk_largeBodies: the payloads of the benchmarks, read both ways.
func TestJSONWalk_largeBodies(t *testing.T) {
	body := []byte(`{"results":[` + strings.Repeat(`{"id":"cus_1","email":"person@example.com","first_name":"Ada","last_name":"Lovelace","phone":"+44 20 7946 0000","notes":"call assistant@example.org"},`, 500) + `{}]}`)
	a, b := &extractor{}, &extractor{}
	a.json(body)
	b.jsonStd(body)
	if !reflect.DeepEqual(a.items, b.items) || len(a.items) == 0 {
		t.Fatalf("%d items against encoding/json's walk's %d", len(a.items), len(b.items))
	}
}
