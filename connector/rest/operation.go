package rest

import (
	"bytes"
	"strings"

	"github.com/aos-dev/aos"
)

// Operations maps a request, its method (upper case, a valid token) and
// canonical resource, to the operation it performs. It returns an
// *aos.Error with code EUnknownOperation for a request it does not know,
// which the gateway denies.
//
// MethodOperation is the rule when a connection declares nothing. A table
// of declared operations (`aos connect --operations FILE`, kept in
// Connection.Config) is meant to replace it through operationsFor.
type Operations func(method, resource string) (aos.Operation, error)

// MethodOperation is the method rule: GET, HEAD and OPTIONS read, every
// other method writes. The operation is named for the method. TRACE, TRACK
// and CONNECT are never forwarded: TRACE and TRACK echo the request, the
// injected credential included, back to the caller, and CONNECT asks the
// upstream to open a tunnel instead of serving a path.
func MethodOperation(method, _ string) (aos.Operation, error) {
	switch method {
	case "GET", "HEAD", "OPTIONS":
		return aos.Operation{Name: method, Access: aos.Read}, nil
	case "TRACE", "TRACK", "CONNECT":
		return aos.Operation{}, aos.Errorf(aos.EUnknownOperation, "method %s is never forwarded", method)
	}
	return aos.Operation{Name: method, Access: aos.Write}, nil
}

// operationsFor returns the operation mapping of a connection: the method
// rule when it declares no operations. Declared operations are not read by
// this version, so a connection that has them fails closed: every call is
// an unknown operation (Configure refuses to create such a connection).
func operationsFor(c *aos.Connection) (Operations, error) {
	if len(bytes.TrimSpace(c.Config)) == 0 {
		return MethodOperation, nil
	}
	return nil, aos.Errorf(aos.EUnknownOperation,
		"connection %s declares operations, which this version of the http connector cannot read", c.Name)
}

// maxMethodLen bounds a method name; real ones are a few letters.
const maxMethodLen = 32

// normalizeMethod checks that method is an HTTP token (RFC 9110 §9.1) and
// returns it upper case. The upper-case form is both the operation name
// and what is sent upstream, so the policy and the upstream agree on it.
func normalizeMethod(method string) (string, error) {
	if method == "" {
		return "", badRequest("the method is empty")
	}
	if len(method) > maxMethodLen || !isToken(method) {
		return "", badRequest("the method is not a valid HTTP method name")
	}
	return strings.ToUpper(method), nil
}

// isToken reports whether s is a token (RFC 9110 §5.6.2): the syntax of
// methods and header field names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
