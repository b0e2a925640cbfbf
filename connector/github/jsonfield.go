package github

import (
	"bytes"
	"encoding/json"
	"strings"
)

// fields reads the top-level members named keys of a JSON object body, as
// GitHub will read them. It reports false when the body is not empty yet
// not one JSON object, or when a wanted member appears twice or also in
// another case ("draft" and "Draft"), since decoders disagree about which
// one counts. An empty body has no members.
func fields(body []byte, keys ...string) (map[string]json.RawMessage, bool) {
	out := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) == 0 {
		return out, true
	}
	if !json.Valid(body) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := kt.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		for _, want := range keys {
			if !strings.EqualFold(key, want) {
				continue
			}
			if _, dup := out[want]; dup || key != want {
				return nil, false
			}
			out[want] = v
		}
	}
	return out, true
}

// fieldState is what one member of a body holds.
type fieldState uint8

const (
	absent  fieldState = iota // missing or null
	present                   // a value of the wanted type
	badType                   // any other value
)

// stringField returns a member that should be a string.
func stringField(m map[string]json.RawMessage, key string) (string, fieldState) {
	raw, ok := m[key]
	if !ok || string(raw) == "null" {
		return "", absent
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", badType
	}
	return s, present
}

// isTrue reports whether a member is the JSON literal true.
func isTrue(m map[string]json.RawMessage, key string) bool {
	return string(m[key]) == "true"
}
