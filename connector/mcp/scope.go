package mcp

import (
	"slices"
	"strings"

	"github.com/aos-dev/aos"
)

// CheckScope validates a scope: "*" (everything), "tool:*" (every pinned
// tool), "tool:" and a comma-separated list of tool names (returned
// sorted without duplicates), "resources" (the upstream's resources and
// templates, listed and read) or "prompts" (listed and got). Errors are
// EBadRequest.
func (k *Connector) CheckScope(scope string) (string, error) {
	switch scope {
	case "*", "tool:*", resourceOfResources, resourceOfPrompts:
		return scope, nil
	}
	list, ok := strings.CutPrefix(scope, "tool:")
	if !ok || list == "" {
		return "", aos.Errorf(aos.EBadRequest, "an mcp scope is tool:NAME[,NAME...], tool:*, resources, prompts or *")
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

// Covers reports whether a scope covers a resource: "tool:NAME",
// "resources" or "prompts".
func (k *Connector) Covers(scope, resource string) bool {
	if resource == resourceOfResources || resource == resourceOfPrompts {
		return scope == "*" || scope == resource
	}
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

// ScopeAllows reports whether a grant of scope can ever allow operation
// op (connector.OperationScoper): the scope covers the tool, or the
// feature, op names.
func (k *Connector) ScopeAllows(_ *aos.Connection, scope, op string) bool {
	if r := featureResource(op); r == resourceOfCompletion {
		return k.Covers(scope, resourceOfPrompts) || k.Covers(scope, resourceOfResources)
	} else if r != "" {
		return k.Covers(scope, r)
	}
	return k.Covers(scope, "tool:"+op)
}
