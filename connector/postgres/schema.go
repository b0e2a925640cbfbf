package postgres

import (
	"encoding/json"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

var _ connector.Schemer = (*Connector)(nil)

var sqlArgs = connector.ObjectSchema(map[string]json.RawMessage{
	"sql":    json.RawMessage(`{"type":"string","description":"one SQL statement, with $1, $2... for its parameters"}`),
	"params": json.RawMessage(`{"type":"array","description":"the statement's parameters: null, booleans, numbers, strings, or arrays and objects (sent as JSON text)"}`),
}, []string{"sql"})

var sqlDescriptions = map[string]string{
	"query":    "One read-only statement (SELECT, WITH, VALUES), run in a READ ONLY transaction.",
	"copy_out": "One read-only statement whose rows are returned as CSV.",
	"execute":  "One writing statement (INSERT, UPDATE, DELETE, MERGE; DDL and grants need a grant on the database).",
}

// OperationSchema describes the args of query, copy_out and execute.
func (k *Connector) OperationSchema(_ *aos.Connection, op string) (connector.OperationSchema, bool) {
	desc, ok := sqlDescriptions[op]
	if !ok {
		return connector.OperationSchema{}, false
	}
	return connector.OperationSchema{Description: desc, Input: sqlArgs}, true
}
