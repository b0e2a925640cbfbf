package slack

import (
	"slices"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// Resources and scopes that are not channels.
const (
	// AccountWide is the scope of the whole workspace, and the resource of
	// methods that reach it: only "*" covers it.
	AccountWide = "*"
	// Self is the resource of auth.test: any valid scope covers it.
	Self = "self"
	// Upload is the resource of a file upload not shared into a channel:
	// any valid scope covers it (and every such upload slot is held).
	Upload = "upload"
)

const channelPrefix = "channel:"

// maxChannels bounds the conversations of one scope or resource.
const maxChannels = 100

// checkChannelID accepts a conversation ID: C… (channel), G… (private or
// multi-person group) or D… (direct message), then upper-case letters and
// digits, 9 to 24 characters in all. Names (#general) and user IDs (U…)
// are refused: a name can be renamed onto another channel, and a user ID
// opens a DM that no grant names. Errors are EBadRequest.
func checkChannelID(id string) error {
	ok := len(id) >= 9 && len(id) <= 24 && strings.IndexByte("CGD", id[0]) >= 0
	for i := 1; ok && i < len(id); i++ {
		c := id[i]
		ok = 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	switch {
	case ok:
		return nil
	case strings.HasPrefix(id, "U") || strings.HasPrefix(id, "W"):
		return connector.BadRequest("%.32q is a user ID; open the DM with conversations.open and use its D… ID", id)
	}
	return connector.BadRequest("%.32q is not a conversation ID (C…, G… or D…); use the ID, not the name", id)
}

// parseChannels parses "channel:A,B" into sorted, distinct IDs.
func parseChannels(s string) ([]string, error) {
	list, ok := strings.CutPrefix(s, channelPrefix)
	if !ok || list == "" {
		return nil, connector.BadRequest("write channel:ID (such as channel:C0123ABCD, or channel:C0123ABCD,C0456EFGH), or * for the whole workspace")
	}
	ids := strings.Split(list, ",")
	if len(ids) > maxChannels {
		return nil, connector.BadRequest("at most %d conversations in one scope", maxChannels)
	}
	for i, id := range ids {
		ids[i] = strings.TrimSpace(id)
		if err := checkChannelID(ids[i]); err != nil {
			return nil, err
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// channelResource returns the resource of a call acting on ids.
func channelResource(ids []string) string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return channelPrefix + strings.Join(slices.Compact(ids), ",")
}

// CheckScope validates a scope and returns its canonical form: "*" or
// "channel:" and conversation IDs, sorted, without repeats. Errors are
// *aos.Error values with code EBadRequest.
func CheckScope(scope string) (string, error) {
	if scope == AccountWide {
		return AccountWide, nil
	}
	ids, err := parseChannels(scope)
	if err != nil {
		return "", &aos.Error{Code: aos.EBadRequest, Message: "scope: " + aos.ErrorMessage(err)}
	}
	return channelPrefix + strings.Join(ids, ","), nil
}

// Covers reports whether scope covers resource: "*" covers everything;
// "self" and "upload" are covered by any valid scope; the resource "*" by
// "*" only; "channel:A,B" covers a resource whose every conversation it
// lists. It is pure and fails closed: what CheckScope rejects covers
// nothing, and a malformed resource is covered by nothing.
func Covers(scope, resource string) bool {
	if _, err := CheckScope(scope); err != nil {
		return false
	}
	switch resource {
	case Self, Upload:
		return true
	case AccountWide:
		return scope == AccountWide
	}
	need, err := parseChannels(resource)
	if err != nil {
		return false
	}
	if scope == AccountWide {
		return true
	}
	have, _ := parseChannels(scope)
	for _, id := range need {
		if _, ok := slices.BinarySearch(have, id); !ok {
			return false
		}
	}
	return true
}
