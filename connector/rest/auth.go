package rest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
	"github.com/aos-dev/aos/vault"
)

// authKind is how the credential goes upstream.
type authKind int

const (
	authBearer authKind = iota // Authorization: Bearer SECRET
	authBasic                  // Authorization: Basic base64(SECRET), SECRET being user:password
	authHeader                 // NAME: SECRET
	authQuery                  // ?NAME=SECRET
)

// auth is a parsed auth mode (aos.Connection.Auth).
type auth struct {
	kind authKind
	// name is the header field (canonical form) or query parameter.
	name string
}

const authForms = "bearer, basic, header:NAME or query:NAME"

// parseAuth parses an auth mode. "" means bearer. The keywords are case
// insensitive; a header name is returned in canonical form.
func parseAuth(mode string) (auth, error) {
	kind, name, hasName := strings.Cut(mode, ":")
	switch k := strings.ToLower(kind); {
	case mode == "" || k == "bearer" && !hasName:
		return auth{kind: authBearer}, nil
	case k == "basic" && !hasName:
		return auth{kind: authBasic}, nil
	case k == "header" && hasName:
		if err := checkAuthHeader(name); err != nil {
			return auth{}, err
		}
		return auth{kind: authHeader, name: http.CanonicalHeaderKey(name)}, nil
	case k == "query" && hasName:
		if !isQueryName(name) {
			return auth{}, connector.BadRequest("auth query:NAME needs a parameter name of letters, digits and -._~[] (got %q)", name)
		}
		return auth{kind: authQuery, name: name}, nil
	}
	return auth{}, connector.BadRequest("unknown auth mode %q: use %s", mode, authForms)
}

// String is the normalised mode, as Configure stores it.
func (a auth) String() string {
	switch a.kind {
	case authBasic:
		return "basic"
	case authHeader:
		return "header:" + a.name
	case authQuery:
		return "query:" + a.name
	}
	return "bearer"
}

// header is the field the credential travels in, in canonical form.
func (a auth) header() string {
	switch a.kind {
	case authBearer, authBasic:
		return "Authorization"
	case authHeader:
		return a.name
	}
	return ""
}

// queryParam is the query parameter the credential travels in, or "".
func (a auth) queryParam() string {
	if a.kind == authQuery {
		return a.name
	}
	return ""
}

// checkAuthHeader refuses header names that are not tokens or that would
// change how the request is framed or routed, or that a proxy drops.
func checkAuthHeader(name string) error {
	if !httpsyntax.IsToken(name) {
		return connector.BadRequest("auth header:NAME needs a valid header name (got %q)", name)
	}
	switch f := foldHeader(name); {
	case f == "host", f == "content-length", f == "content-type", f == "content-encoding", f == "expect",
		strings.HasPrefix(f, "aos-"), connector.IsHopByHop(f):
		return connector.BadRequest("auth header:%s is not allowed: that header frames or routes the request", name)
	}
	return nil
}

// isQueryName reports whether name is a plain query parameter name, one
// that needs no escaping and so matches itself in any raw query.
func isQueryName(name string) bool {
	if name == "" || len(name) > 128 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~[]", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// credentialValue is the secret as it goes on the wire. Trailing CR and LF
// are dropped (a credential read from a file or stdin often ends with a
// newline); any other control character is an error, since it could end
// the header and start another.
func credentialValue(a auth, secret vault.Secret) (string, error) {
	v := strings.TrimRight(string(secret.Reveal()), "\r\n")
	if v == "" {
		return "", aos.Errorf(aos.EUpstream, "the connection's credential is empty; rotate it with `aos keys rotate`")
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return "", aos.Errorf(aos.EUpstream, "the connection's credential contains a control character; rotate it with `aos keys rotate`")
		}
	}
	if a.kind == authBasic && !strings.Contains(v, ":") {
		return "", aos.Errorf(aos.EUpstream, "auth basic needs a credential of the form user:password; rotate it with `aos keys rotate`")
	}
	return v, nil
}

// CheckCredential reports whether secret can be sent with the auth mode:
// not empty, no control characters, and user:password for basic. The
// error never contains the secret. Do makes the same checks; calling this
// when a credential is connected or rotated reports the problem early.
func CheckCredential(mode string, secret vault.Secret) error {
	a, err := parseAuth(mode)
	if err != nil {
		return err
	}
	if _, err := credentialValue(a, secret); err != nil {
		return connector.BadRequest("%s", aos.ErrorMessage(err))
	}
	return nil
}

// inject puts the credential into req, replacing whatever the request
// carried in its place, and returns every form of it that went on the
// wire, for redaction from error messages.
func (a auth) inject(req *http.Request, secret vault.Secret) ([]string, error) {
	v, err := credentialValue(a, secret)
	if err != nil {
		return nil, err
	}
	switch a.kind {
	case authBasic:
		user, password, _ := strings.Cut(v, ":")
		req.SetBasicAuth(user, password)
		return []string{v, base64.StdEncoding.EncodeToString([]byte(v))}, nil
	case authHeader:
		req.Header.Set(a.name, v)
		return []string{v}, nil
	case authQuery:
		q := dropQueryParam(req.URL.RawQuery, a.name)
		if q != "" {
			q += "&"
		}
		escaped := url.QueryEscape(v)
		req.URL.RawQuery = q + a.name + "=" + escaped
		return []string{v, escaped}, nil
	}
	req.Header.Set("Authorization", "Bearer "+v)
	return []string{v}, nil
}
