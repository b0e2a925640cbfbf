package connector

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/aos-dev/aos"
)

// ArgsForm says how DecodeArgs explains the args it refuses.
type ArgsForm struct {
	// Example shows well-formed args, quoted in messages.
	Example string
	// Optional lets empty args decode to nothing (an operation without
	// parameters); else they are refused.
	Optional bool
	// Fields names the fields, listed when an unknown one is sent; else
	// the message quotes Example.
	Fields string
	// Want, if set, says what a field of the wrong type must be ("a
	// string"); else the message quotes Example.
	Want func(field string) string
}

// DecodeArgs decodes the args of a POST /v1/call strictly into v, a
// pointer to a struct: one JSON object, known fields only. Errors are
// EBadRequest naming the field at fault; an *aos.Error that a field's
// UnmarshalJSON returns is passed on as it is.
func DecodeArgs(args json.RawMessage, v any, f ArgsForm) error {
	if len(bytes.TrimSpace(args)) == 0 {
		if f.Optional {
			return nil
		}
		return BadRequest("args are required: %s", f.Example)
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var own *aos.Error
	switch {
	case err == nil:
		if dec.Decode(&struct{}{}) != io.EOF {
			return BadRequest("args must be a single JSON object")
		}
		return nil
	case errors.As(err, &own):
		return own
	case errors.As(err, &typeErr) && typeErr.Field != "":
		field, _, _ := strings.Cut(typeErr.Field, ".")
		if f.Want != nil {
			return BadRequest("args.%s must be %s", field, f.Want(field))
		}
		return BadRequest("args.%s has the wrong type: %s", field, f.Example)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		if f.Fields != "" {
			return BadRequest("args has an unknown field %s; the fields are %s", name, f.Fields)
		}
		return BadRequest("args has an unknown field %s: %s", name, f.Example)
	case errors.As(err, &syntaxErr) || errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("args are not valid JSON: %s", f.Example)
	}
	return BadRequest("args must be a JSON object: %s", f.Example)
}
