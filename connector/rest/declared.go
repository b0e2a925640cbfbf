package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/opdef"
)

// operationsName names the operation file in messages: the connector sees
// its text, not its name.
const operationsName = "operations"

// declares reports whether a connection's config declares operations:
// anything but empty, white space or JSON null (which a JSON client sends
// for "no config").
func declares(config []byte) bool {
	trimmed := bytes.TrimSpace(config)
	return len(trimmed) != 0 && string(trimmed) != "null"
}

// DeclaredOperations returns the operations a connection declares, in
// the order of its operation file, or nil when it declares none (the
// method rule applies; see Describe). Transports use it to list what an
// agent can call by name. The error, EInternal, means the stored
// declarations were altered.
func (k *Connector) DeclaredOperations(c *aos.Connection) ([]aos.Operation, error) {
	_, _, ops, err := k.settings(c)
	if err != nil || ops.table == nil {
		return nil, err
	}
	return ops.table.Operations(), nil
}

// parseOperations reads a connection's declared operations: an operation
// file (YAML or JSON, see package opdef) as the owner wrote it, the same
// text as one JSON string (the form in which a client sends a file inside
// a JSON request without losing its lines), or the normal form that
// Configure stores. Errors are *opdef.ParseError values, or an
// *aos.Error with code EBadRequest for a JSON string that does not
// decode.
func parseOperations(config []byte) (*opdef.Table, error) {
	text := config
	if trimmed := bytes.TrimSpace(config); len(trimmed) > 0 && trimmed[0] == '"' {
		var s string
		if err := json.Unmarshal(trimmed, &s); err != nil {
			return nil, connector.BadRequest("the declared operations are a JSON string that does not decode")
		}
		text = []byte(s)
	}
	return opdef.Parse(operationsName, text)
}

// parseErrorMessage is the message of an error from parseOperations,
// which names the file and line ("operations:12: ...").
func parseErrorMessage(err error) string {
	var pe *opdef.ParseError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return aos.ErrorMessage(err)
}

// readFacts reads a declared operation's approval facts from a request
// exactly as it goes upstream: its forwarded headers, checked query and
// body. With no Content-Type, or more than one, a body cannot be read,
// which opdef counts against the call.
func readFacts(d *opdef.Def, header http.Header, query string, body []byte) aos.Facts {
	var contentType string
	if vs := header.Values("Content-Type"); len(vs) == 1 {
		contentType = vs[0]
	}
	q, _ := url.ParseQuery(query) // cleanQuery has checked that it parses
	return d.Facts(contentType, q, body)
}
