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
func (x *execution) verify(ctx context.Context, pc *pgconn.PgConn) error {
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
	if x.wholeDatabase() {
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
	if err := x.checkFunctions(ctx, pc, p.functions); err != nil {
		return err
	}
	return x.checkOperators(ctx, pc)
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

// userFunctionsSQL lists the functions outside pg_catalog,
// information_schema and extensions that have one of the names $1, with
// whether attribute notation (x.f for f(x)) can call them, and which of
// the names $2 are schemas (with a NULL function name).
const userFunctionsSQL = `SELECT n.nspname, p.proname,
    p.pronargs = 1 AND EXISTS (SELECT 1 FROM pg_catalog.pg_type t WHERE t.oid = p.proargtypes[0] AND t.typtype IN ('c', 'p'))
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE p.proname = ANY ($1::text[]) AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
      AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT nspname, NULL, true FROM pg_catalog.pg_namespace WHERE nspname = ANY ($2::text[])`

// checkFunctions refuses a statement that may call a function outside
// pg_catalog, information_schema and extensions (see mayCall) unless the
// function is among the call's resource items, as a schema-qualified call
// makes it.
func (x *execution) checkFunctions(ctx context.Context, pc *pgconn.PgConn, scanned []rel) error {
	names, quals := map[string]bool{}, map[string]bool{}
	for _, o := range x.st.idents {
		names[o.name] = true
		if o.qualifier != "" {
			quals[o.qualifier] = true
		}
	}
	for _, f := range scanned {
		names[f.name] = true
	}
	rows, err := query(ctx, pc, userFunctionsSQL, []byte(pgArray(keys(names))), []byte(pgArray(keys(quals))))
	if err != nil {
		return err
	}
	schemas := map[string]bool{}
	var fns []rel
	attribute := map[rel]bool{}
	for _, r := range rows {
		if r[1] == nil {
			schemas[string(r[0])] = true
			continue
		}
		f := rel{string(r[0]), string(r[1])}
		fns = append(fns, f)
		attribute[f] = attribute[f] || string(r[2]) == "t"
	}
	inItems := map[rel]bool{}
	for _, it := range x.items {
		if len(it) == 3 && it[0] == x.ep.db {
			inItems[rel{it[1], it[2]}] = true
		}
	}
	for _, f := range fns {
		if x.mayCall(f, attribute[f], schemas, scanned) && !inItems[f] {
			return aos.Errorf(aos.EOutOfScope, "the statement may call %s.%s, a function outside pg_catalog: call it with its schema (%s.%s(...)) so the grant can be checked",
				f.schema, f.name, f.schema, f.name)
		}
	}
	return nil
}

// mayCall reports whether the statement may call the user function f:
// the plan scans it, or the statement calls a function of its name
// unqualified (resolved along the search path) or qualified by its schema
// (or by a name that is no schema), or, when attribute notation can call
// f, writes x.f.
func (x *execution) mayCall(f rel, attribute bool, schemas map[string]bool, scanned []rel) bool {
	for _, s := range scanned {
		if s == f {
			return true
		}
	}
	for _, o := range x.st.idents {
		if o.name != f.name {
			continue
		}
		switch {
		case o.call && (o.qualifier == "" || o.qualifier == f.schema || !schemas[o.qualifier]):
			return true
		case !o.call && o.qualifier != "" && attribute:
			return true
		}
	}
	return false
}

const userOperatorsSQL = `SELECT n.nspname, o.oprname FROM pg_catalog.pg_operator o
  JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
  WHERE o.oprname = ANY ($1::text[]) AND n.nspname <> 'pg_catalog'
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass
      AND d.objid = o.oid AND d.deptype = 'e')
  LIMIT 1`

// checkOperators refuses a statement that may use an operator defined
// outside pg_catalog and extensions: the function behind it is code the
// checks cannot see.
func (x *execution) checkOperators(ctx context.Context, pc *pgconn.PgConn) error {
	ops := map[string]bool{}
	for _, o := range x.st.operators {
		ops[o] = true
	}
	if len(ops) == 0 {
		return nil
	}
	rows, err := query(ctx, pc, userOperatorsSQL, []byte(pgArray(keys(ops))))
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		return aos.Errorf(aos.EUnknownOperation, "the statement may use the operator %s.%s, defined outside pg_catalog and extensions, which the connector cannot check",
			rows[0][0], rows[0][1])
	}
	return nil
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
