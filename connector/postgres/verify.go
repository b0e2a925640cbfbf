package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/aos-dev/aos/connector"
	"sort"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/jackc/pgx/v5/pgconn"
)

// rel is a schema-qualified relation or function.
type rel struct{ schema, name string }

// planFacts is what the server's plan of a statement shows.
type planFacts struct {
	relations []rel // every relation scanned or modified
	functions []rel // every function scanned in FROM
	writes    []rel // the relations a ModifyTable node changes
	unnamed   bool  // a relation or function without a schema
	texts     []string
}

// explain plans the statement with its parameters, inside the call's
// transaction, and reads what the plan shows. It runs nothing: EXPLAIN
// without ANALYZE only plans.
func explain(ctx context.Context, pc *pgconn.PgConn, sql string, params [][]byte) (*planFacts, error) {
	rows, err := query(ctx, pc, "EXPLAIN (VERBOSE, FORMAT JSON) "+sql, params...)
	if err != nil {
		return nil, err
	}
	if len(rows) != 1 || len(rows[0]) != 1 {
		return nil, aos.Errorf(aos.EUnknownOperation, "the server's plan of the statement could not be read; it is not run")
	}
	var doc any
	if err := json.Unmarshal(rows[0][0], &doc); err != nil {
		return nil, aos.Errorf(aos.EUnknownOperation, "the server's plan of the statement could not be read; it is not run")
	}
	p := &planFacts{}
	p.walk(doc)
	return p, nil
}

func (p *planFacts) walk(v any) {
	switch t := v.(type) {
	case string:
		p.texts = append(p.texts, t)
	case []any:
		for _, e := range t {
			p.walk(e)
		}
	case map[string]any:
		schema, hasSchema := t["Schema"].(string)
		if name, ok := t["Relation Name"].(string); ok {
			p.unnamed = p.unnamed || !hasSchema
			p.relations = append(p.relations, rel{schema, name})
			if t["Node Type"] == "ModifyTable" {
				p.writes = append(p.writes, rel{schema, name})
			}
		}
		if name, ok := t["Function Name"].(string); ok {
			p.unnamed = p.unnamed || !hasSchema
			p.functions = append(p.functions, rel{schema, name})
		}
		if t["Node Type"] == "ModifyTable" && len(p.writes) == 0 {
			p.writes = append(p.writes, rel{})
		}
		for _, e := range t {
			p.walk(e)
		}
	}
}

// verify confirms, with the server and before the statement runs, that
// it reaches only what the call was authorised for (x.items), and writes
// nothing if it is a read. It runs in the call's transaction.
//
// Every function the statement's text may call is checked against the
// allow-list (see functions.go) before the server even plans it, since
// planning evaluates IMMUTABLE functions of constants. Functions the plan
// shows besides (a column default's nextval, a view's body, the inlined
// body of a granted function) are the owners' code, which runs with its
// own reach; see "What the checks cannot see" in the package comment.
func (x *execution) verify(ctx context.Context, pc *pgconn.PgConn) error {
	whole := x.wholeDatabase()
	if !whole {
		if err := x.checkFunctions(ctx, pc, callSites(x.st.idents)); err != nil {
			return err
		}
		if err := x.checkOperators(ctx, pc); err != nil {
			return err
		}
		if err := x.checkTypes(ctx, pc); err != nil {
			return err
		}
	}
	p, err := explain(ctx, pc, x.sql, x.params)
	if err != nil {
		return err
	}
	if p.unnamed {
		return aos.Errorf(aos.EUnknownOperation, "the server's plan names a relation without its schema; the statement is not run")
	}
	if x.op.Access == aos.Read && len(p.writes) > 0 {
		target := "a table"
		if w := p.writes[0]; w.name != "" {
			target = x.name(w)
		}
		return aos.Errorf(aos.EReadOnly, "%s runs reads only, and the server's plan writes to %s: use execute", x.op.Name, target)
	}
	if err := deniedInPlan(p); err != nil {
		return err
	}
	if whole {
		// The grant covered the database itself, and so everything in it.
		return nil
	}
	allowed, err := x.reachable(ctx, pc)
	if err != nil {
		return err
	}
	var missing []string
	for _, r := range p.relations {
		if !allowed[r] {
			missing = append(missing, x.name(r))
		}
	}
	if len(missing) > 0 && x.call == nil {
		return aos.Errorf(aos.EOutOfScope, "the statement reaches %s, which is not among the resources the call was authorised for (%s)",
			strings.Join(missing, ", "), x.resource)
	}
	if len(missing) > 0 {
		// The plan reaches tables the statement does not name (through a
		// subquery the lexer cannot place, say): nothing has run; the
		// gateway decides again on everything the plan reaches.
		items := append(strings.Split(x.resource, ","), missing...)
		corrected := *x.call
		corrected.Resource = makeResource(items)
		return &connector.Redecide{Call: &corrected, Reason: fmt.Sprintf(
			"the server's plan reaches %s, which the statement does not name", strings.Join(missing, ", "))}
	}
	return nil
}

// checkFunctions refuses a call whose statement or plan may call a
// function outside its grant (see checkCallSites and refuseFunction).
func (x *execution) checkFunctions(ctx context.Context, pc *pgconn.PgConn, sites []callSite) error {
	o, err := x.checkCallSites(ctx, pc, sites)
	if err != nil || o == nil {
		return err
	}
	return x.refuseFunction(o)
}

// wholeDatabase reports whether the call's resource is the database as
// a whole (a statement that names no relation), which only a grant on the
// database or "*" covers.
func (x *execution) wholeDatabase() bool {
	for _, it := range x.items {
		if len(it) == 1 && it[0] == x.ep.db {
			return true
		}
	}
	return false
}

// name is the resource item of a relation in the connection's database.
func (x *execution) name(r rel) string { return item(x.ep.db, r.schema, r.name) }

// deniedInPlan refuses a plan that calls a denied function, in FROM or
// in an expression (a view's, or an inlined SQL function's, included).
func deniedInPlan(p *planFacts) error {
	for _, f := range p.functions {
		if deniedFunction(f.name) {
			return aos.Errorf(aos.EUnknownOperation, "the statement calls %s, which reaches outside the tables a grant can name; it is never run", f.name)
		}
	}
	for _, s := range p.texts {
		toks, err := lex(s)
		if err != nil {
			continue // not an expression
		}
		if err := denied(toks); err != nil {
			return err
		}
	}
	return nil
}

// reachable returns the relations the call's resource items allow: the
// items themselves and, transitively, the tables their views read, their
// partitions and inheritance children, and the tables their row-security
// policies read.
func (x *execution) reachable(ctx context.Context, pc *pgconn.PgConn) (map[rel]bool, error) {
	var schemas, names []string
	for _, it := range x.items {
		if len(it) == 3 && it[0] == x.ep.db {
			schemas, names = append(schemas, it[1]), append(names, it[2])
		}
	}
	allowed := map[rel]bool{}
	if len(names) == 0 {
		return allowed, nil
	}
	rows, err := query(ctx, pc, reachableSQL, []byte(pgArray(schemas)), []byte(pgArray(names)))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		allowed[rel{string(r[0]), string(r[1])}] = true
	}
	return allowed, nil
}

const reachableSQL = `WITH RECURSIVE implied(oid) AS (
  SELECT c.oid FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN unnest($1::text[], $2::text[]) AS a(s, r) ON n.nspname = a.s AND c.relname = a.r
  UNION
  SELECT x.ref FROM implied i, LATERAL (
    SELECT h.inhrelid AS ref FROM pg_catalog.pg_inherits h WHERE h.inhparent = i.oid
    UNION ALL
    SELECT d.refobjid FROM pg_catalog.pg_rewrite rw
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = rw.oid
      WHERE rw.ev_class = i.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> i.oid
    UNION ALL
    SELECT d.refobjid FROM pg_catalog.pg_policy p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objid = p.oid
      WHERE p.polrelid = i.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> i.oid
  ) x
)
SELECT n.nspname, c.relname FROM implied i
  JOIN pg_catalog.pg_class c ON c.oid = i.oid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace`

// operatorsSQL finds an operator named in $1, in the schemas $2 (all
// when $2 is NULL), that is not the server's own: defined by a user
// (extension false) or by an extension (true).
const operatorsSQL = `SELECT n.nspname, o.oprname, EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND d.objid = o.oid AND d.deptype = 'e')
  FROM pg_catalog.pg_operator o
  JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
  WHERE o.oprname = ANY ($1::text[]) AND ($2::text[] IS NULL OR n.nspname = ANY ($2::text[]))
    AND NOT (n.nspname = 'pg_catalog' AND o.oid < 16384)
  ORDER BY 3, 1, 2
  LIMIT 1`

// checkOperators refuses a statement that may use an operator that is not
// the server's own, along the search path (pg_catalog, then the
// connection's schema) or anywhere when the statement writes
// OPERATOR(schema.op): the function behind it is code the checks cannot
// see. A user's operator is refused; an extension's is outside the grant
// unless it is on the whole database, as an extension's function is.
func (x *execution) checkOperators(ctx context.Context, pc *pgconn.PgConn) error {
	ops := map[string]bool{}
	for _, o := range x.st.operators {
		ops[o] = true
	}
	if len(ops) == 0 {
		return nil
	}
	path := []byte(pgArray([]string{"pg_catalog", x.ep.schema}))
	for _, o := range x.st.idents {
		if o.name == "operator" && o.call {
			path = nil
		}
	}
	rows, err := query(ctx, pc, operatorsSQL, []byte(pgArray(keys(ops))), path)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	if string(rows[0][2]) == "t" {
		return x.refuseFunction(&outsideGrant{fn: catalogFn{rel: rel{string(rows[0][0]), "operator " + string(rows[0][1])}, kind: fnOther}})
	}
	return aos.Errorf(aos.EUnknownOperation, "the statement may use the operator %s.%s, defined outside pg_catalog and extensions, which the connector cannot check",
		rows[0][0], rows[0][1])
}

func keys(m map[string]bool) []string {
	s := make([]string, 0, len(m))
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// pgArray writes strings as a PostgreSQL text[] literal.
func pgArray(ss []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, c := range []byte(s) {
			if c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// query runs one statement of the connector's own with text parameters
// and returns every row's raw values.
func query(ctx context.Context, pc *pgconn.PgConn, sql string, params ...[]byte) ([][][]byte, error) {
	res := pc.ExecParams(ctx, sql, params, nil, nil, nil).Read()
	if res.Err != nil {
		return nil, res.Err
	}
	return res.Rows, nil
}
