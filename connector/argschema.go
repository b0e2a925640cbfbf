package connector

import (
	"encoding/json"
	"strings"
)

// PatternParams returns the names of the parameters of a path pattern
// ("/repos/{owner}/{repo}" gives owner and repo), in order; a parameter
// written {name...} or {name+} is named name.
func PatternParams(pattern string) []string {
	var names []string
	for seg := range strings.SplitSeq(pattern, "/") {
		for {
			open := strings.IndexByte(seg, '{')
			if open < 0 {
				break
			}
			end := strings.IndexByte(seg[open:], '}')
			if end < 0 {
				break
			}
			name := strings.TrimRight(seg[open+1:open+end], ".+*")
			if name != "" {
				names = append(names, name)
			}
			seg = seg[open+end+1:]
		}
	}
	return names
}

// ObjectSchema returns the JSON Schema of an object with the given
// properties (each a JSON Schema), required names, and no other member.
func ObjectSchema(props map[string]json.RawMessage, required []string) json.RawMessage {
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	b, _ := json.Marshal(s)
	return b
}
