package postgres

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/jackc/pgx/v5/pgconn"
)

// Functions are let through by an allow-list, decided from the server's
// own catalog (pg_proc, pg_namespace, pg_depend), never from names alone.
//
// Under a grant on tables or schemas, a statement may call:
//
//   - a safe built-in: a function of the server itself (in pg_catalog,
//     with an OID below FirstNormalObjectId, so created by initdb and not
//     by an extension or a user), an ordinary function, aggregate or window
//     function, IMMUTABLE, or STABLE and named in stableSafe, that takes no
//     argument naming a catalog object (regclass, regproc, ..., or an oid,
//     except to compare, cast or aggregate oids as numbers); such a
//     function computes on its arguments and touches no relation, no other
//     session and nothing outside the transaction;
//   - a user function (neither built in nor an extension's) that is among
//     the call's resource items, as a schema-qualified call makes it: a
//     grant on it covers what its body does, as for a view.
//
// Everything else, extension functions (tablefunc's crosstab runs any
// query), VOLATILE built-ins (setval), built-ins that read catalogs,
// statistics or other sessions (pg_get_viewdef, pg_stat_get_activity), is
// outside such a grant: the call is decided again on a resource that also
// names the database, which only a grant on the database (or "*") covers.

// stableSafe are the STABLE built-ins that are STABLE only because their
// result depends on the session's time zone, date style, locale, text
// search configuration or transaction start time, and that read no
// relation, catalog row about a relation, statistic or other session. A
// STABLE built-in not named here is outside a table grant. Each name
// covers every overload; safeFunctionSQL still refuses an overload that
// takes a catalog reference.
var stableSafe = []string{
	// date and time, with the session's time zone and styles
	"age", "date", "date_part", "date_trunc", "extract", "make_timestamptz", "now", "overlaps",
	"statement_timestamp", "transaction_timestamp", "time", "timetz", "timestamp", "timestamptz",
	"timezone", "to_char", "to_date", "to_number", "to_timestamp", "generate_series", "in_range",
	"interval_pl_timestamptz", "timestamptz_pl_interval", "timestamptz_mi_interval",
	"date_cmp_timestamptz", "date_eq_timestamptz", "date_ge_timestamptz", "date_gt_timestamptz",
	"date_le_timestamptz", "date_lt_timestamptz", "date_ne_timestamptz",
	"timestamp_cmp_timestamptz", "timestamp_eq_timestamptz", "timestamp_ge_timestamptz",
	"timestamp_gt_timestamptz", "timestamp_le_timestamptz", "timestamp_lt_timestamptz",
	"timestamp_ne_timestamptz", "timestamptz_cmp_date", "timestamptz_eq_date", "timestamptz_ge_date",
	"timestamptz_gt_date", "timestamptz_le_date", "timestamptz_lt_date", "timestamptz_ne_date",
	"timestamptz_cmp_timestamp", "timestamptz_eq_timestamp", "timestamptz_ge_timestamp",
	"timestamptz_gt_timestamp", "timestamptz_le_timestamp", "timestamptz_lt_timestamp",
	"timestamptz_ne_timestamp",
	// text, with the output of values whose format follows the settings
	"anytextcat", "textanycat", "concat", "concat_ws", "format", "quote_literal", "quote_nullable",
	"array_to_string", "length", "convert", "convert_from", "convert_to", "money", "numeric",
	"getdatabaseencoding", "pg_client_encoding", "pg_collation_for", "pg_typeof",
	// JSON and XML built from values
	"array_to_json", "row_to_json", "to_json", "to_jsonb", "json_agg", "jsonb_agg",
	"json_object_agg", "json_build_array", "json_build_object", "jsonb_build_array",
	"jsonb_build_object", "json_populate_record", "json_populate_recordset", "json_to_record",
	"json_to_recordset", "jsonb_populate_record", "jsonb_populate_recordset", "jsonb_to_record",
	"jsonb_to_recordset", "jsonb_path_exists_tz", "jsonb_path_match_tz", "jsonb_path_query_tz",
	"jsonb_path_query_array_tz", "jsonb_path_query_first_tz", "xml", "xml_is_well_formed",
	// text search, with the session's default configuration
	"to_tsvector", "to_tsquery", "plainto_tsquery", "phraseto_tsquery", "websearch_to_tsquery",
	"json_to_tsvector", "jsonb_to_tsvector", "ts_headline", "ts_match_tq", "ts_match_tt",
	"get_current_ts_config",
	// the session's own identity
	"current_database", "current_schema", "current_user", "session_user",
}

// catalogRefTypes are the types whose values name catalog objects and are
// read from text by looking them up (regclass: 'hidden.t'::regclass finds
// a relation by name). text search configurations and dictionaries
// (regconfig, regdictionary) are not among them: they name no data.
const catalogRefTypes = `('pg_catalog.regclass'::pg_catalog.regtype, 'pg_catalog.regproc'::pg_catalog.regtype,
        'pg_catalog.regprocedure'::pg_catalog.regtype, 'pg_catalog.regoper'::pg_catalog.regtype,
        'pg_catalog.regoperator'::pg_catalog.regtype, 'pg_catalog.regtype'::pg_catalog.regtype,
        'pg_catalog.regnamespace'::pg_catalog.regtype, 'pg_catalog.regrole'::pg_catalog.regtype,
        'pg_catalog.regcollation'::pg_catalog.regtype)`

// safeFunctionSQL is the allow-list as a condition on pg_proc p and
// pg_namespace n; $2 is stableSafe. It is true only for a safe built-in.
// 16384 is PostgreSQL's FirstNormalObjectId: objects with a lower OID were
// created by initdb, from the server's own sources.
const safeFunctionSQL = `(n.nspname = 'pg_catalog' AND p.oid < 16384 AND p.prokind IN ('f', 'a', 'w')
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
      AND d.objid = p.oid AND d.deptype = 'e')
    AND (p.provolatile = 'i' OR p.provolatile = 's' AND p.proname = ANY ($2::text[]))
    AND NOT EXISTS (SELECT 1 FROM unnest(COALESCE(p.proallargtypes, p.proargtypes::pg_catalog.oid[])) AS a(t)
      WHERE a.t IN ` + catalogRefTypes + `
        OR a.t = 'pg_catalog.oid'::pg_catalog.regtype AND p.prokind <> 'a'
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_operator o WHERE o.oprcode = p.oid)
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_cast c WHERE c.castfunc = p.oid)))`

// functionsSQL lists every function named in $1 with its schema, its kind
// (safe: on the allow-list; user: written by the database's users; other:
// an extension's, or a built-in off the allow-list) and whether attribute
// notation (x.f for f(x)) can call it; then, with a NULL function name,
// which of the names $3 are schemas.
const functionsSQL = `SELECT n.nspname, p.proname,
    CASE WHEN ` + safeFunctionSQL + ` THEN 'safe'
      WHEN p.oid >= 16384 AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
          AND d.objid = p.oid AND d.deptype = 'e') THEN 'user'
      ELSE 'other' END,
    p.pronargs = 1 AND EXISTS (SELECT 1 FROM pg_catalog.pg_type t WHERE t.oid = p.proargtypes[0] AND t.typtype IN ('c', 'p'))
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE p.proname = ANY ($1::text[])
UNION ALL
SELECT nspname, NULL, NULL, NULL FROM pg_catalog.pg_namespace WHERE nspname = ANY ($3::text[])`

// fnKind is what the catalog says of one function.
type fnKind uint8

const (
	fnSafe  fnKind = iota + 1 // on the allow-list
	fnUser                    // the database's users' own
	fnOther                   // an extension's, or a built-in off the allow-list
)

// catalogFn is one function as the catalog lists it.
type catalogFn struct {
	rel
	kind      fnKind
	attribute bool // callable as x.f
}

// callSite is one place a statement or its plan may call a function:
// name, after schema when written qualified. A call site that is not a
// call (attribute) may call a function of one composite argument.
type callSite struct {
	schema, name string
	call         bool
}

// callSites lists where tokens may call functions: a name before "(",
// qualified or not, and x.name or (x).name, which attribute notation can
// make a call. A name after INTO is a table with its column list, not a
// call.
func callSites(occs []occurrence) []callSite {
	var sites []callSite
	for _, o := range occs {
		switch {
		case o.call:
			sites = append(sites, callSite{schema: o.qualifier, name: o.name, call: true})
		case o.qualifier != "":
			sites = append(sites, callSite{schema: o.qualifier, name: o.name})
		}
	}
	return sites
}

// outsideGrant is a function the call may reach that its grant, unless it
// is on the whole database, does not cover.
type outsideGrant struct {
	fn   catalogFn
	user bool // a user function: naming it schema-qualified brings it into the resource
}

// checkCallSites finds, in the catalog, every function the call sites may
// call (an unqualified call along the search path: pg_catalog, then the
// connection's schema; a qualified one in its schema, or anywhere when the
// qualifier is no schema; x.f anywhere) and returns the first that is
// neither a safe built-in nor a user function among the call's items.
func (x *execution) checkCallSites(ctx context.Context, pc *pgconn.PgConn, sites []callSite) (*outsideGrant, error) {
	if len(sites) == 0 {
		return nil, nil
	}
	names, quals := map[string]bool{}, map[string]bool{}
	for _, s := range sites {
		names[s.name] = true
		if s.schema != "" {
			quals[s.schema] = true
		}
	}
	rows, err := query(ctx, pc, functionsSQL, []byte(pgArray(keys(names))), []byte(pgArray(stableSafe)), []byte(pgArray(keys(quals))))
	if err != nil {
		return nil, err
	}
	schemas := map[string]bool{}
	byName := map[string][]catalogFn{}
	for _, r := range rows {
		if r[1] == nil {
			schemas[string(r[0])] = true
			continue
		}
		f := catalogFn{rel: rel{string(r[0]), string(r[1])}, attribute: string(r[3]) == "t"}
		switch string(r[2]) {
		case "safe":
			f.kind = fnSafe
		case "user":
			f.kind = fnUser
		default:
			f.kind = fnOther
		}
		byName[f.name] = append(byName[f.name], f)
	}
	inItems := map[rel]bool{}
	for _, it := range x.items {
		if len(it) == 3 && it[0] == x.ep.db {
			inItems[rel{it[1], it[2]}] = true
		}
	}
	var found []outsideGrant
	for _, s := range sites {
		for _, f := range byName[s.name] {
			if f.kind == fnSafe || !s.reaches(f, x.ep.schema, schemas) {
				continue
			}
			if f.kind == fnUser && inItems[f.rel] {
				continue
			}
			found = append(found, outsideGrant{fn: f, user: f.kind == fnUser})
		}
	}
	if len(found) == 0 {
		return nil, nil
	}
	sort.Slice(found, func(i, j int) bool {
		a, b := found[i].fn.rel, found[j].fn.rel
		return a.schema < b.schema || a.schema == b.schema && a.name < b.name
	})
	return &found[0], nil
}

// reaches reports whether a call site may call f.
func (s callSite) reaches(f catalogFn, connSchema string, schemas map[string]bool) bool {
	switch {
	case !s.call:
		return f.attribute
	case s.schema == "":
		return f.schema == "pg_catalog" || f.schema == connSchema
	case schemas[s.schema]:
		return f.schema == s.schema
	}
	return true // qualified by something that is no schema: assume the worst
}

// refuseFunction turns a function outside the grant into the answer: a
// user function not named with its schema is refused with a hint; any
// other is decided again on a resource that names the database as well,
// which only a grant on the whole database covers.
func (x *execution) refuseFunction(o *outsideGrant) error {
	f := o.fn
	if o.user {
		return aos.Errorf(aos.EOutOfScope, "the statement may call %s.%s, a function outside pg_catalog: call it with its schema (%s.%s(...)) so the grant can be checked",
			f.schema, f.name, f.schema, f.name)
	}
	what := "a built-in function that is not known to be safe under a table grant (it is volatile, or reads relations, catalogs, statistics or other sessions)"
	if f.schema != "pg_catalog" {
		what = "a function of an extension or of the server outside pg_catalog"
	}
	return x.outsideGrant(fmt.Sprintf("the statement may call %s.%s, %s; only a grant on the whole database %s covers it", f.schema, f.name, what, x.ep.db))
}

// outsideGrant refuses what only a grant on the whole database covers:
// the call is decided again on a resource that names the database too.
func (x *execution) outsideGrant(reason string) error {
	if x.call == nil {
		return aos.Errorf(aos.EOutOfScope, "%s", reason)
	}
	corrected := *x.call
	corrected.Resource = makeResource(append(strings.Split(x.resource, ","), item(x.ep.db)))
	return &connector.Redecide{Call: &corrected, Reason: reason}
}

// catalogTypesSQL finds, among the names $1, a type (or a domain over
// one) of catalogRefTypes.
const catalogTypesSQL = `SELECT n.nspname, t.typname FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  WHERE t.typname = ANY ($1::text[]) AND (t.oid IN ` + catalogRefTypes + ` OR t.typbasetype IN ` + catalogRefTypes + `)
  ORDER BY 1, 2
  LIMIT 1`

// checkTypes refuses, outside a grant on the whole database, a statement
// that names a type whose values are read by looking up catalog objects:
// a cast to regclass turns any relation's name into its OID, or an error
// when there is none, whatever the grant.
func (x *execution) checkTypes(ctx context.Context, pc *pgconn.PgConn) error {
	names := map[string]bool{}
	for _, o := range x.st.idents {
		names[o.name] = true
	}
	if len(names) == 0 {
		return nil
	}
	rows, err := query(ctx, pc, catalogTypesSQL, []byte(pgArray(keys(names))))
	if err != nil || len(rows) == 0 {
		return err
	}
	return x.outsideGrant(fmt.Sprintf("the statement may name the type %s.%s, whose values are found by looking up catalog objects by name; only a grant on the whole database %s covers it",
		rows[0][0], rows[0][1], x.ep.db))
}
