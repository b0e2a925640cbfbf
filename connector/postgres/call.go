package postgres

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// args are the arguments of every operation: one statement and its bind
// parameters ($1, $2, ...).
type args struct {
	SQL    string            `json:"sql"`
	Params []json.RawMessage `json:"params,omitempty"`
}

// parseArgs reads args strictly: an object with sql and optional params,
// nothing else. Each param is null, a boolean, a number, a string, or an
// array or object (sent as JSON text).
func parseArgs(raw []byte) (*args, error) {
	var a args
	if err := connector.DecodeArgs(raw, &a, connector.ArgsForm{Example: `{"sql": "SELECT ...", "params": [...]}`, Fields: "sql and params"}); err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(a.SQL) == "":
		return nil, connector.BadRequest("args.sql is empty")
	case len(a.SQL) > maxSQL:
		return nil, aos.Errorf(aos.ETooLarge, "args.sql is longer than %d KiB", maxSQL>>10)
	case len(a.Params) > maxParams:
		return nil, connector.BadRequest("args.params has more than %d values", maxParams)
	}
	for i, p := range a.Params {
		if _, err := paramText(p); err != nil {
			return nil, connector.BadRequest("args.params[%d]: %s", i, err.Error())
		}
	}
	return &a, nil
}

// paramText is a parameter as the server receives it, in text format
// (nil is NULL): strings as they are, numbers as written, booleans as
// true or false, arrays and objects as compact JSON.
func paramText(raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return nil, lexError("empty value")
	case string(raw) == "null":
		return nil, nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, lexError("invalid string")
		}
		if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
			return nil, lexError("a string with a NUL byte or invalid UTF-8 cannot be sent")
		}
		return []byte(s), nil
	case raw[0] == '[' || raw[0] == '{':
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return nil, lexError("invalid JSON")
		}
		return b.Bytes(), nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, lexError("invalid JSON")
	}
	return raw, nil // a number or a boolean, as written
}

// plan maps an operation and its args to a call: the statement's class
// must suit the operation, the resource is every relation and
// schema-qualified function it names, and the facts follow from the class
// and the operation (a query's customer data is counted on its result, by
// Do: see checkBulk). FromCall
// and Do both use it, so Do can tell a call was authorised as it is.
func plan(c *aos.Connection, ep *endpoint, op aos.Operation, a *args) (*connector.Call, *statement, error) {
	st, err := classify(a.SQL)
	if err != nil {
		return nil, nil, err
	}
	if err := suits(op, st); err != nil {
		return nil, nil, err
	}
	call := &connector.Call{Operation: op, Resource: makeResource(resourceItems(ep, st))}
	switch {
	case st.class == classDDL:
		call.Facts.Production = true
	case op.Name == "copy_out":
		call.Facts.Export = true
	}
	body, err := json.Marshal(a)
	if err != nil {
		return nil, nil, aos.Errorf(aos.EInternal, "cannot encode the statement")
	}
	call.Upstream = &connector.Outbound{
		Method: op.Name, URL: ep.String(),
		Header: http.Header{"Content-Type": {"application/json"}}, Body: body,
	}
	call.Parsed = &planned{st: st, args: a}
	return call, st, nil
}

// planned is what Do needs of a mapped statement (call.Parsed): the
// statement as classified and its args.
type planned struct {
	st   *statement
	args *args
}

// suits checks that a statement's class is one the operation runs.
func suits(op aos.Operation, st *statement) error {
	switch {
	case op.Access == aos.Read && st.class == classWrite:
		return connector.BadRequest("%s runs a statement that only reads; this %s writes: use execute", op.Name, st.verb)
	case op.Access == aos.Read && st.class == classDDL:
		return connector.BadRequest("%s runs a statement that only reads; this %s changes the schema: use execute", op.Name, st.verb)
	case op.Access == aos.Write && st.class == classRead:
		return connector.BadRequest("execute runs a statement that writes; this %s only reads: use query", st.verb)
	}
	return nil
}

// resourceItems names what a statement reaches: DB for a schema change,
// DB/* for a statement that names no relation and no schema-qualified
// function (SELECT $1::int + 1), else DB/SCHEMA/NAME for each relation
// and schema-qualified function, unqualified names in the connection's
// schema.
func resourceItems(ep *endpoint, st *statement) []string {
	if st.class == classDDL {
		return []string{item(ep.db)}
	}
	var items []string
	for _, n := range append(append([]qname(nil), st.relations...), st.functions...) {
		db, schema := n.db, n.schema
		if db == "" {
			db = ep.db
		}
		if schema == "" {
			schema = ep.schema
		}
		items = append(items, item(db, schema, n.name))
	}
	if len(items) == 0 {
		return []string{noRelationItem(ep.db)}
	}
	return items
}

// FromCall maps POST /v1/call: operation query, execute or copy_out with
// args {"sql": "...", "params": [...]}. Errors: EUnknownOperation for
// another operation, a kind of statement never run or a denied function;
// EBadRequest for malformed args, more than one statement, or a statement
// that does not suit the operation; ETooLarge for SQL over 1 MiB.
func (k *Connector) FromCall(c *aos.Connection, operation string, raw json.RawMessage) (*connector.Call, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	op, ok := operations[operation]
	if !ok {
		return nil, aos.Errorf(aos.EUnknownOperation, "the postgres connector has no operation %q (it has query, execute and copy_out)", operation)
	}
	a, err := parseArgs(raw)
	if err != nil {
		return nil, err
	}
	call, _, err := plan(c, ep, op, a)
	return call, err
}

// Reread maps a decided call's statement again, as FromCall mapped it,
// for connector.Recheck. What the server showed when the call was decided
// is taken as decided (see connector.Rereader): a resource within the one
// decided on (the gateway decided again on the relations the plan
// reaches, which the statement does not name) is the decided one, and
// the export and production points decided on stay; Do confirms them with
// the server's plan and count, inside the call's transaction. A point the
// statement raises that was not decided on is a difference
// (EUnknownOperation, by connector.CheckDecided).
//
// Errors: EOutOfScope for another database than the connection's;
// EUnknownOperation for an unknown operation; those of FromCall
// otherwise.
func (k *Connector) Reread(c *aos.Connection, decided *connector.Call) (*connector.Call, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	out := decided.Upstream
	if out.URL != ep.String() {
		return nil, aos.Errorf(aos.EOutOfScope, "the statement was authorised for another database than the connection's (%s)", ep)
	}
	op, ok := operations[out.Method]
	if !ok {
		return nil, aos.Errorf(aos.EUnknownOperation, "the statement's operation is not the operation that was authorised")
	}
	a, err := parseArgs(out.Body)
	if err != nil {
		return nil, err
	}
	again, _, err := plan(c, ep, op, a)
	if err != nil {
		return nil, err
	}
	if within(again.Resource, decided.Resource) {
		again.Resource = decided.Resource
	}
	again.Facts.Production = again.Facts.Production || decided.Facts.Production
	again.Facts.Export = again.Facts.Export || decided.Facts.Export
	return again, nil
}
