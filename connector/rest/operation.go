package rest

import (
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/internal/httpsyntax"
	"github.com/aos-dev/aos/connector/opdef"
)

// operations maps a connection's requests to the operations they
// perform: by the method rule (MethodOperation) when the connection
// declares no operations, else by its table of declared operations
// (`aos connect --operations FILE`, kept in Connection.Config), under
// which anything undeclared is an unknown operation.
type operations struct {
	conn  string       // the connection's name, for messages
	table *opdef.Table // nil: the method rule
	// headers are the request headers the operation file adds to those
	// forwarded (see forwardHeader); a file may add headers alone.
	headers []string
}

// lookup returns the operation that a request, its method (upper case, a
// valid token) and canonical resource, performs, and the declaration
// behind it (nil under the method rule). It returns an *aos.Error with
// code EUnknownOperation for a request it does not know, which the
// gateway denies.
func (o operations) lookup(method, resource string) (aos.Operation, *opdef.Def, error) {
	if o.table == nil {
		op, err := MethodOperation(method, resource)
		return op, nil, err
	}
	if d, _, ok := o.table.Match(method, resource); ok {
		return d.Operation(), d, nil
	}
	return aos.Operation{}, nil, aos.Errorf(aos.EUnknownOperation,
		"%s %s is not a declared operation of connection %s", method, resource, o.conn)
}

// maxListed bounds the operation names an error message lists.
const maxListed = 20

// unknownName is the error for a call naming an operation the table does
// not declare; it lists the names that are declared.
func (o operations) unknownName(name string) error {
	var names []string
	for _, op := range o.table.Operations() {
		names = append(names, op.Name)
	}
	if len(names) > maxListed {
		names = append(names[:maxListed], "...")
	}
	return aos.Errorf(aos.EUnknownOperation, "operation %.100q is not declared by connection %s (its operations: %s)",
		name, o.conn, strings.Join(names, ", "))
}

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

// maxMethodLen bounds a method name; real ones are a few letters.
const maxMethodLen = 32

// normalizeMethod checks that method is an HTTP token (RFC 9110 §9.1) and
// returns it upper case. The upper-case form is both the operation name
// and what is sent upstream, so the policy and the upstream agree on it.
func normalizeMethod(method string) (string, error) {
	if method == "" {
		return "", connector.BadRequest("the method is empty")
	}
	if len(method) > maxMethodLen || !httpsyntax.IsToken(method) {
		return "", connector.BadRequest("the method is not a valid HTTP method name")
	}
	return strings.ToUpper(method), nil
}
