package mcp

import (
	"slices"
	"strings"

	"github.com/aos-dev/aos"
)

// CheckScope validates a scope: "*", "tool:*", or "tool:" and a
// comma-separated list of tool names, returned sorted without
// duplicates. Errors are EBadRequest.
func (k *Connector) CheckScope(scope string) (string, error) {
	if scope == "*" || scope == "tool:*" {
		return scope, nil
	}
	list, ok := strings.CutPrefix(scope, "tool:")
	if !ok || list == "" {
		return "", aos.Errorf(aos.EBadRequest, "an mcp scope is tool:NAME[,NAME...], tool:* or *")
	}
	names := strings.Split(list, ",")
	for _, n := range names {
		if err := checkToolName(n); err != nil {
			return "", err
		}
	}
	slices.Sort(names)
	return "tool:" + strings.Join(slices.Compact(names), ","), nil
}

// Covers reports whether a scope covers a resource "tool:NAME".
func (k *Connector) Covers(scope, resource string) bool {
	name, ok := strings.CutPrefix(resource, "tool:")
	if !ok || name == "" {
		return false
	}
	if scope == "*" || scope == "tool:*" {
		return true
	}
	list, ok := strings.CutPrefix(scope, "tool:")
	return ok && slices.Contains(strings.Split(list, ","), name)
}
