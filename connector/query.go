package connector

import (
	"net/url"

	"github.com/aos-dev/aos"
)

// MaxQuery is the usual bound on a raw query, in bytes.
const MaxQuery = 8192

// ParseQuery validates a raw query that goes upstream as sent, and parses
// it. It refuses a query longer than maxLen, characters a request line
// cannot carry unescaped (space, controls and non-ASCII bytes could end
// it; '#' would end the query), malformed escapes and ';' separators,
// which servers split differently. Errors are EBadRequest, and never
// repeat the query, which may hold a token.
func ParseQuery(raw string, maxLen int) (url.Values, error) {
	return parseQuery(raw, maxLen, "the query has a character that must be percent-encoded (space, control, '#' or non-ASCII)")
}

// ParseQueryBrief is ParseQuery with the bound MaxQuery and a briefer
// refusal of an unescaped character, worded as the hubspot and slack
// connectors word it.
func ParseQueryBrief(raw string) (url.Values, error) {
	return parseQuery(raw, MaxQuery, "the query has a character that must be percent-encoded")
}

func parseQuery(raw string, maxLen int, unescaped string) (url.Values, error) {
	if len(raw) > maxLen {
		return nil, aos.Errorf(aos.EBadRequest, "the query is longer than %d bytes", maxLen)
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return nil, aos.Errorf(aos.EBadRequest, "%s", unescaped)
		}
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, aos.Errorf(aos.EBadRequest, "the query does not parse (malformed percent-escape or ';' separator)")
	}
	return q, nil
}
