package postgres

import (
	"strings"

	"github.com/aos-dev/aos"
)

// frame is what the relation finder knows of one level of parentheses.
type frame struct {
	// query: a SELECT or DELETE was seen at this level, so a FROM here
	// introduces relations (not EXTRACT(x FROM y) or SUBSTRING(s FROM 2)).
	query bool
	// fromList: inside a FROM or USING list, where a comma introduces the
	// next relation.
	fromList bool
}

// clauseWords end a FROM list at their level.
var clauseWords = map[string]bool{
	"where": true, "group": true, "having": true, "window": true, "order": true, "limit": true,
	"offset": true, "fetch": true, "for": true, "union": true, "intersect": true, "except": true,
	"returning": true, "set": true, "when": true, "do": true, "values": true,
}

// sqlValueFunctions are keywords that can stand where a relation could
// and are not relations (SELECT * FROM current_date).
var sqlValueFunctions = map[string]bool{
	"current_date": true, "current_time": true, "current_timestamp": true, "localtime": true,
	"localtimestamp": true, "current_user": true, "current_role": true, "session_user": true,
	"user": true, "current_catalog": true, "current_schema": true, "system_user": true,
}

// relationsOf records the names a statement puts in a relation position.
// It errs on the side of naming too much: a name that is not a relation
// only makes the grant check stricter, and a relation it misses is caught
// by Do, which compares with the server's plan before running anything.
func (st *statement) relationsOf(toks []token, cte map[string]bool) {
	stack := []frame{{}}
	top := func() *frame { return &stack[len(stack)-1] }
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.punct("("):
			stack = append(stack, frame{})
			continue
		case t.punct(")"):
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			continue
		case t.punct(","):
			if top().fromList {
				st.relationAt(toks, i+1, cte, false)
			}
			continue
		case t.kind != tIdent || t.quoted:
			continue
		}
		switch t.text {
		case "select", "delete":
			top().query, top().fromList = true, false
		case "from":
			if (top().query || prevKeyword(toks, i, "delete")) && !distinctFrom(toks, i) && !prevKeyword(toks, i, "rows") {
				top().fromList = true
				st.relationAt(toks, i+1, cte, false)
			}
		case "join", "table":
			st.relationAt(toks, i+1, cte, false)
		case "using":
			if i+1 < len(toks) && toks[i+1].kind == tIdent {
				top().fromList = true
				st.relationAt(toks, i+1, cte, false)
			}
		case "into":
			if prevKeyword(toks, i, "insert", "merge") {
				st.relationAt(toks, i+1, cte, true)
			}
		case "update":
			if !prevKeyword(toks, i, "for", "key", "do", "then") {
				top().query, top().fromList = true, false
				st.relationAt(toks, i+1, cte, true)
			}
		default:
			if clauseWords[t.text] {
				top().fromList = false
			}
		}
	}
}

// distinctFrom reports whether the FROM at i is part of IS [NOT]
// DISTINCT FROM.
func distinctFrom(toks []token, i int) bool {
	if !prevKeyword(toks, i, "distinct") {
		return false
	}
	return prevKeyword(toks, i-1, "is") || prevKeyword(toks, i-1, "not") && prevKeyword(toks, i-2, "is")
}

// relationAt records the relation named at i, if any. target is set for
// INTO and UPDATE, where a parenthesis after the name is a column list,
// not a function call.
func (st *statement) relationAt(toks []token, i int, cte map[string]bool, target bool) {
	only := false
	for i < len(toks) && (toks[i].kw("only") || toks[i].kw("lateral")) {
		only = only || toks[i].kw("only")
		i++
	}
	if only && i+1 < len(toks) && toks[i].punct("(") && toks[i+1].kind == tIdent {
		i++ // ONLY (name)
	}
	n, end, ok := qualifiedName(toks, i)
	if !ok {
		return
	}
	if end < len(toks) && toks[end].punct("(") && !target {
		return // a function in FROM; collect records qualified calls
	}
	if n.schema == "" && n.db == "" {
		if cte[n.name] || !toks[i].quoted && (sqlValueFunctions[n.name] || n.name == "rows" && end < len(toks) && toks[end].kw("from")) {
			return
		}
	}
	st.relations = append(st.relations, n)
}

// ctes returns the names a statement's WITH clauses define: WITH
// [RECURSIVE] name [(columns)] AS [[NOT] MATERIALIZED] ( ... ), and the
// names after each comma that follows such a body.
func ctes(toks []token) map[string]bool {
	match := matchingParens(toks)
	names := map[string]bool{}
	for i, t := range toks {
		if !t.kw("with") {
			continue
		}
		j := i + 1
		if j < len(toks) && toks[j].kw("recursive") {
			j++
		}
		for {
			name, end, ok := cteAt(toks, j, match)
			if !ok {
				break
			}
			names[name] = true
			if end >= len(toks) || !toks[end].punct(",") {
				break
			}
			j = end + 1
		}
	}
	return names
}

// cteAt reads one "name [(cols)] AS [[NOT] MATERIALIZED] (body)" at i and
// returns the index after the body.
func cteAt(toks []token, i int, match []int) (string, int, bool) {
	if i >= len(toks) || toks[i].kind != tIdent {
		return "", 0, false
	}
	name := toks[i].text
	j := i + 1
	if j < len(toks) && toks[j].punct("(") {
		if match[j] < 0 {
			return "", 0, false
		}
		j = match[j] + 1
	}
	if j >= len(toks) || !toks[j].kw("as") {
		return "", 0, false
	}
	j++
	if j < len(toks) && toks[j].kw("not") {
		j++
	}
	if j < len(toks) && toks[j].kw("materialized") {
		j++
	}
	if j >= len(toks) || !toks[j].punct("(") || match[j] < 0 {
		return "", 0, false
	}
	return name, match[j] + 1, true
}

// matchingParens maps each "(" to its ")" (-1 if unbalanced).
func matchingParens(toks []token) []int {
	match := make([]int, len(toks))
	var open []int
	for i, t := range toks {
		match[i] = -1
		switch {
		case t.punct("("):
			open = append(open, i)
		case t.punct(")") && len(open) > 0:
			match[open[len(open)-1]] = i
			open = open[:len(open)-1]
		}
	}
	return match
}

// deniedExact and deniedPrefixes name built-in functions that reach
// outside the database or outside the transaction: server files, large
// objects, other databases, statements passed as strings, settings, other
// sessions, locks that outlive the call, notifications, replication and
// backups. A statement that calls one is never run, even under a grant on
// the whole database. They are not what keeps a grant on tables or
// schemas to its tables: that is the allow-list of functions.go, which
// admits only safe built-ins and granted user functions, whatever their
// names.
var deniedExact = map[string]bool{
	"set_config": true, "ts_stat": true, "ts_rewrite": true, "loread": true, "lowrite": true,
	"pg_terminate_backend": true, "pg_cancel_backend": true, "pg_reload_conf": true,
	"pg_rotate_logfile": true, "pg_notify": true, "pg_promote": true, "pg_switch_wal": true,
	"pg_start_backup": true, "pg_stop_backup": true, "pg_create_restore_point": true,
	"pg_log_backend_memory_contexts": true, "pg_import_system_collations": true,
	"pg_current_logfile": true, "pg_stat_file": true, "pg_export_snapshot": true,
}

var deniedPrefixes = []string{
	"dblink", "lo_", "pg_read_", "pg_ls_", "pg_file_", "query_to_xml", "table_to_xml",
	"cursor_to_xml", "schema_to_xml", "database_to_xml", "pg_advisory_", "pg_try_advisory_",
	"pg_replication_", "pg_logical_", "pg_create_", "pg_drop_", "pg_stat_reset", "pg_backup_",
	"pg_wal_", "pg_copy_",
}

// deniedFunction reports whether a function name is on the deny list.
func deniedFunction(name string) bool {
	if deniedExact[name] {
		return true
	}
	for _, p := range deniedPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// denied refuses a statement that calls a denied function: a name
// followed by "(", qualified or not.
func denied(toks []token) error {
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].kind == tIdent && toks[i+1].punct("(") && deniedFunction(toks[i].text) {
			return aos.Errorf(aos.EUnknownOperation,
				"the statement calls %s, which reaches outside the tables a grant can name or outside the call's transaction; it is never run", toks[i].text)
		}
	}
	return nil
}
