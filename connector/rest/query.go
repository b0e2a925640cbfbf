package rest

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/aos-dev/aos/connector"
)

// cleanQuery validates an agent's raw query and returns what goes
// upstream: the query exactly as sent, less every parameter named drop
// (the parameter of a query:NAME connection, which only the gateway may
// set). Messages never repeat the query, which may hold a token.
func cleanQuery(raw, drop string) (string, error) {
	if _, err := connector.ParseQuery(raw, connector.MaxQuery); err != nil {
		return "", err
	}
	if drop == "" {
		return raw, nil
	}
	return dropQueryParam(raw, drop), nil
}

// dropQueryParam removes from a raw query every parameter whose decoded
// name folds to the same as name, and keeps the rest byte for byte.
func dropQueryParam(raw, name string) string {
	if raw == "" {
		return ""
	}
	want := foldQueryName(name)
	var kept []string
	for pair := range strings.SplitSeq(raw, "&") {
		key, _, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(key)
		if err != nil {
			k = key
		}
		if foldQueryName(k) == want {
			continue
		}
		kept = append(kept, pair)
	}
	return strings.Join(kept, "&")
}

// foldQueryName is the form in which parameter names are compared when
// removing the credential's: lower case, because some upstreams match
// names loosely, and with ' ', '.' and '[' read as '_', because PHP does
// (api.key=x arrives as $_GET["api_key"]). Removing too much is the safe
// side.
func foldQueryName(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '[':
			return '_'
		}
		return unicode.ToLower(r)
	}, name)
}
