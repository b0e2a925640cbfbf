package postgres

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
	"github.com/jackc/pgx/v5/pgconn"
)

// Do runs one authorised statement as the credential's user and returns
// its result as JSON (see result).
//
// Do runs the statement decided on, as the mapping read it (call.Parsed),
// on the resource decided on: it does not classify the statement again.
// A call sealed for an approval is read again once, by connector.Recheck
// (through Reread) in the gateway, before it is run. It still never runs
// a statement on another database than the connection's (EOutOfScope).
//
// Every call is one transaction, READ ONLY for query and copy_out, with
// the connector's own statement_timeout (StatementTimeout), search_path
// (the connection's schema, then pg_temp) and output settings. Inside it,
// before the statement runs, the server's plan must show only relations
// the resource allows and no write for a read (see verify); a refusal
// rolls back. Reads always roll back; writes commit. The session is reset
// (DISCARD ALL) before it goes back to the pool.
//
// On a connection that holds customer data, the result of a query or a
// write is counted before it is returned, and before a write commits: one
// that carries more than BulkRows customers is rolled back and decided
// again as an export (see checkBulk). Any call returns at most MaxRows
// rows and connector.MaxBody bytes, with truncated set when rows were
// left out.
//
// Errors: those above; EReadOnly when the server refuses a write inside
// a read (SQLSTATE 25006); EBadRequest for a statement the server rejects
// as malformed or invalid; EUpstream when the database cannot be reached,
// refuses the credential, times out or fails otherwise. Messages carry
// the server's message and SQLSTATE, never the password.
func (k *Connector) Do(ctx context.Context, c *aos.Connection, secret vault.Secret, call *connector.Call) (*connector.Response, error) {
	x, err := authorised(c, call)
	if err != nil {
		return nil, err
	}
	cred, err := parseCredential(secret)
	if err != nil {
		return nil, aos.Errorf(aos.EUpstream, "the credential of %s is not user:password; the owner must rotate it", c.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	s, err := k.pool().acquire(ctx, c.ID, x.ep, cred)
	if err != nil {
		return nil, upstreamError(err, x.ep, cred)
	}
	res, reusable, err := x.run(ctx, s.conn)
	s.release(reusable)
	if err != nil {
		return nil, upstreamError(err, x.ep, cred)
	}
	body, err := res.encode(x.op)
	if err != nil {
		return nil, err
	}
	return &connector.Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: body,
		Customers: int64(res.customers)}, nil
}

// execution is one statement, checked and ready to run.
type execution struct {
	ep       *endpoint
	st       *statement
	op       aos.Operation
	sql      string
	params   [][]byte
	resource string
	items    [][]string
	rowCap   int
	call     *connector.Call // as authorised
	// countCustomers: the connection holds customer data, and the result
	// is counted before it is returned (see checkBulk).
	countCustomers bool
	connName       string
}

// within reports whether every item of the resource a statement names is
// among the items of the resource it was authorised for: equal, or, after
// the gateway decided again on the tables its plan reaches, more.
func within(named, authorised string) bool {
	if named == authorised {
		return true
	}
	have := map[string]bool{}
	for _, it := range strings.Split(authorised, ",") {
		have[it] = true
	}
	if _, ok := splitResource(authorised); !ok {
		return false
	}
	for _, it := range strings.Split(named, ",") {
		if !have[it] {
			return false
		}
	}
	return true
}

// authorised is the execution of a call as it was decided on: the
// statement as the mapping read it (call.Parsed), on call.Resource.
func authorised(c *aos.Connection, call *connector.Call) (*execution, error) {
	if call == nil || call.Upstream == nil {
		return nil, connector.BadRequest("no statement to run")
	}
	p, ok := call.Parsed.(*planned)
	if !ok {
		return nil, aos.Errorf(aos.EInternal, "the call was not mapped by the postgres connector")
	}
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	if call.Upstream.URL != ep.String() {
		return nil, aos.Errorf(aos.EOutOfScope, "the statement was authorised for another database than the connection's (%s)", ep)
	}
	op, ok := operations[call.Operation.Name]
	if !ok {
		return nil, aos.Errorf(aos.EUnknownOperation, "the call is not an operation of the postgres connector")
	}
	items, _ := splitResource(call.Resource)
	x := &execution{ep: ep, st: p.st, op: op, sql: p.args.SQL, resource: call.Resource, items: items, rowCap: MaxRows, call: call,
		countCustomers: c.HoldsCustomerData && op.Name != "copy_out", connName: c.Name}
	for _, v := range p.args.Params {
		t, _ := paramText(v) // checked by parseArgs
		x.params = append(x.params, t)
	}
	if op.Name == "copy_out" {
		x.rowCap = 1_000_000
	}
	return x, nil
}

// SendsDecided marks the connector as a connector.DecidedSender.
func (k *Connector) SendsDecided() {}

// run runs the statement in its own transaction. reusable reports
// whether the session is fit to go back to the pool.
func (x *execution) run(ctx context.Context, pc *pgconn.PgConn) (res *result, reusable bool, err error) {
	begin := "BEGIN READ WRITE"
	if x.op.Access == aos.Read {
		begin = "BEGIN READ ONLY"
	}
	if _, err := simple(ctx, pc, begin); err != nil {
		return nil, false, err
	}
	res, err = x.inTransaction(ctx, pc)
	if err == nil {
		err = x.checkBulk(ctx, res) // before a write commits
	}
	end := "COMMIT"
	if err != nil || x.op.Access == aos.Read || res.canceled {
		end = "ROLLBACK"
	}
	tag, endErr := simple(ctx, pc, end)
	switch {
	case err != nil:
		return nil, endErr == nil, err
	case endErr != nil:
		return nil, false, endErr
	case end == "COMMIT" && tag != "COMMIT":
		return nil, false, aos.Errorf(aos.EUpstream, "the transaction did not commit (%s)", tag)
	}
	return res, !res.canceled, nil
}

func (x *execution) inTransaction(ctx context.Context, pc *pgconn.PgConn) (*result, error) {
	if _, err := query(ctx, pc, setLocalsSQL, []byte(strconv.FormatInt(statementTimeout.Milliseconds(), 10)),
		[]byte(quoteIdent(x.ep.schema)+", pg_temp")); err != nil {
		return nil, err
	}
	if x.st.class == classDDL {
		return x.execute(ctx, pc, nil)
	}
	if err := x.verify(ctx, pc); err != nil {
		return nil, err
	}
	types, err := x.columnTypes(ctx, pc)
	if err != nil {
		return nil, err
	}
	return x.execute(ctx, pc, types)
}

// setLocalsSQL pins, for the transaction, everything the checks and the
// result encoding rely on.
const setLocalsSQL = `SELECT pg_catalog.set_config('statement_timeout', $1, true),
  pg_catalog.set_config('lock_timeout', '10s', true),
  pg_catalog.set_config('search_path', $2, true),
  pg_catalog.set_config('standard_conforming_strings', 'on', true),
  pg_catalog.set_config('DateStyle', 'ISO, MDY', true),
  pg_catalog.set_config('IntervalStyle', 'postgres', true),
  pg_catalog.set_config('TimeZone', 'UTC', true),
  pg_catalog.set_config('bytea_output', 'hex', true),
  pg_catalog.set_config('extra_float_digits', '3', true)`

// columnTypes names the statement's result columns as the server does
// (format_type: "integer", "numeric(10,2)", "text[]").
func (x *execution) columnTypes(ctx context.Context, pc *pgconn.PgConn) ([]string, error) {
	sd, err := pc.Prepare(ctx, "", x.sql, nil)
	if err != nil {
		return nil, err
	}
	if len(sd.Fields) == 0 {
		return nil, nil
	}
	var oids, mods []string
	for _, f := range sd.Fields {
		oids = append(oids, strconv.FormatUint(uint64(f.DataTypeOID), 10))
		mods = append(mods, strconv.FormatInt(int64(f.TypeModifier), 10))
	}
	rows, err := query(ctx, pc, `SELECT pg_catalog.format_type(o, t) FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY AS u(o, t, i) ORDER BY i`,
		[]byte("{"+strings.Join(oids, ",")+"}"), []byte("{"+strings.Join(mods, ",")+"}"))
	if err != nil {
		return nil, err
	}
	types := make([]string, len(rows))
	for i, r := range rows {
		types[i] = string(r[0])
	}
	return types, nil
}

// simple runs one of the connector's own fixed statements.
func simple(ctx context.Context, pc *pgconn.PgConn, sql string) (string, error) {
	results, err := pc.Exec(ctx, sql).ReadAll()
	if err != nil {
		return "", err
	}
	if len(results) == 0 {
		return "", nil
	}
	r := results[len(results)-1]
	return r.CommandTag.String(), r.Err
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
