package postgres

import (
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// class is what a statement does, as its leading keyword and its body say.
type class uint8

const (
	classRead  class = iota + 1 // SELECT, VALUES, TABLE, WITH without a write
	classWrite                  // INSERT, UPDATE, DELETE, MERGE, or WITH containing one
	classDDL                    // schema, role, privilege and policy changes, SELECT INTO
)

// qname is a name as a statement writes it: db and schema are empty when
// the statement leaves them out.
type qname struct{ db, schema, name string }

// occurrence is one identifier of a statement, with the identifier before
// the dot that qualifies it ("" if none, "." after a parenthesised
// expression, as in (x).f), and whether "(" follows it.
type occurrence struct {
	qualifier, name string
	call            bool
}

// statement is what the classifier reads from one SQL statement, without
// asking the server. Do confirms it with the server before running it.
type statement struct {
	class class
	verb  string // the leading keyword, upper case
	// relations are the names in a relation position (after FROM, JOIN,
	// INTO, UPDATE, USING, TABLE or a comma of a FROM list) that are not
	// CTE names; functions are schema-qualified calls of functions
	// outside pg_catalog and information_schema.
	relations []qname
	functions []qname
	// idents and operators are every identifier and operator, for the
	// server-side checks of user-defined functions and operators.
	idents    []occurrence
	operators []string
}

// classify reads one statement. Errors are *aos.Error values:
// EBadRequest for a statement that cannot be lexed or holds more than one
// statement, EUnknownOperation for a kind of statement the connector
// never runs or a function it never lets through.
func classify(sql string) (*statement, error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, connector.BadRequest("%s", err.Error())
	}
	for i, t := range toks {
		if t.punct(";") && i != len(toks)-1 {
			return nil, connector.BadRequest("one statement per call: the SQL holds more than one statement")
		}
	}
	if n := len(toks); n > 0 && toks[n-1].punct(";") {
		toks = toks[:n-1]
	}
	if len(toks) == 0 {
		return nil, connector.BadRequest("the SQL is empty")
	}
	st := &statement{}
	if st.class, st.verb, err = leading(toks); err != nil {
		return nil, err
	}
	if err := denied(toks); err != nil {
		return nil, err
	}
	st.collect(toks)
	if st.class != classDDL {
		st.relationsOf(toks, ctes(toks))
	}
	return st, nil
}

// readVerbs start a statement that reads unless its body writes.
var readVerbs = map[string]bool{"select": true, "values": true, "table": true, "with": true}

var writeVerbs = map[string]bool{"insert": true, "update": true, "delete": true, "merge": true}

// ddlVerbs change the schema, roles, privileges or policies.
var ddlVerbs = map[string]bool{
	"create": true, "alter": true, "drop": true, "truncate": true, "grant": true, "revoke": true,
	"comment": true, "security": true, "reindex": true, "cluster": true, "refresh": true,
	"import": true, "reassign": true, "analyze": true, "analyse": true,
}

// refusedVerbs are never run, with the reason.
var refusedVerbs = map[string]string{
	"copy":       "COPY moves data in bulk to or from the server: use the copy_out operation to export a query's rows",
	"do":         "DO blocks run code the connector cannot see into",
	"call":       "procedures run code the connector cannot see into",
	"set":        "session settings belong to the connector",
	"reset":      "session settings belong to the connector",
	"show":       "session settings belong to the connector",
	"begin":      "each call is one transaction; transaction control is not accepted",
	"start":      "each call is one transaction; transaction control is not accepted",
	"commit":     "each call is one transaction; transaction control is not accepted",
	"end":        "each call is one transaction; transaction control is not accepted",
	"rollback":   "each call is one transaction; transaction control is not accepted",
	"abort":      "each call is one transaction; transaction control is not accepted",
	"savepoint":  "each call is one transaction; transaction control is not accepted",
	"release":    "each call is one transaction; transaction control is not accepted",
	"prepare":    "prepared statements are not accepted; send the statement with its params",
	"execute":    "prepared statements are not accepted; send the statement with its params",
	"deallocate": "prepared statements are not accepted; send the statement with its params",
	"explain":    "EXPLAIN is not accepted (EXPLAIN ANALYZE runs its statement)",
	"vacuum":     "VACUUM cannot run inside the transaction each call is",
}

// leading classifies a statement by its first keyword and, for a
// statement that starts like a read, by the writes in its body.
func leading(toks []token) (class, string, error) {
	i := 0
	for i < len(toks) && toks[i].punct("(") {
		i++
	}
	if i == len(toks) || toks[i].kind != tIdent || toks[i].quoted {
		return 0, "", aos.Errorf(aos.EUnknownOperation, "the statement does not start with a keyword the connector knows")
	}
	verb := toks[i].text
	upper := strings.ToUpper(verb)
	switch {
	case i > 0 && !readVerbs[verb]:
		return 0, "", aos.Errorf(aos.EUnknownOperation, "a parenthesised statement must be a SELECT, VALUES, TABLE or WITH query")
	case readVerbs[verb], writeVerbs[verb]:
		return bodyClass(toks, writeVerbs[verb]), upper, nil
	case ddlVerbs[verb]:
		return classDDL, upper, nil
	case refusedVerbs[verb] != "":
		return 0, "", aos.Errorf(aos.EUnknownOperation, "%s is not accepted: %s", upper, refusedVerbs[verb])
	}
	return 0, "", aos.Errorf(aos.EUnknownOperation, "%s statements are not accepted (the connector runs SELECT, VALUES, TABLE, WITH, INSERT, UPDATE, DELETE, MERGE and schema changes)", truncateForMessage(upper))
}

// bodyClass looks for writes in a statement: a data-modifying keyword
// anywhere makes it a write, and an INTO that does not follow INSERT or
// MERGE is SELECT INTO, which creates a table.
func bodyClass(toks []token, write bool) class {
	into := false
	for i, t := range toks {
		if t.kind != tIdent || t.quoted {
			continue
		}
		switch t.text {
		case "insert", "delete", "merge":
			write = true
		case "update":
			if !prevKeyword(toks, i, "for", "key", "do", "then") {
				write = true
			}
		case "into":
			if !prevKeyword(toks, i, "insert", "merge") {
				into = true
			}
		}
	}
	switch {
	case into:
		return classDDL
	case write:
		return classWrite
	}
	return classRead
}

func prevKeyword(toks []token, i int, kws ...string) bool {
	if i == 0 {
		return false
	}
	for _, k := range kws {
		if toks[i-1].kw(k) {
			return true
		}
	}
	return false
}

func truncateForMessage(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// collect records every identifier with its qualifier, every operator, and
// the schema-qualified calls of functions outside the catalogs.
func (st *statement) collect(toks []token) {
	for i, t := range toks {
		switch t.kind {
		case tOp:
			st.operators = append(st.operators, t.text)
		case tIdent:
			q := ""
			switch {
			case i >= 2 && toks[i-1].punct(".") && toks[i-2].kind == tIdent:
				q = toks[i-2].text
			case i >= 1 && toks[i-1].punct("."):
				q = "." // (x).name: attribute notation on an expression
			}
			// INSERT INTO t (columns) names a table, not a call.
			call := i+1 < len(toks) && toks[i+1].punct("(") && !intoTarget(toks, i)
			st.idents = append(st.idents, occurrence{qualifier: q, name: t.text, call: call})
		}
	}
	for i := 0; i < len(toks); i++ {
		n, end, ok := qualifiedName(toks, i)
		if !ok {
			continue
		}
		if n.schema != "" && end < len(toks) && toks[end].punct("(") && !prevKeyword(toks, i, "into") && !builtinSchema(n.schema) {
			st.functions = append(st.functions, n)
		}
		i = end - 1
	}
}

// intoTarget reports whether the name at i follows INTO, alone or
// qualified.
func intoTarget(toks []token, i int) bool {
	for j := i; j >= 0; j -= 2 {
		if prevKeyword(toks, j, "into") {
			return true
		}
		if j < 2 || !toks[j-1].punct(".") || toks[j-2].kind != tIdent {
			return false
		}
	}
	return false
}

// builtinSchema reports whether functions of a schema are built in.
func builtinSchema(s string) bool { return s == "pg_catalog" || s == "information_schema" }

// qualifiedName reads name, schema.name or db.schema.name at i and
// returns the index after it.
func qualifiedName(toks []token, i int) (qname, int, bool) {
	var parts []string
	j := i
	for j < len(toks) && toks[j].kind == tIdent && len(parts) < 3 {
		parts = append(parts, toks[j].text)
		j++
		if j+1 < len(toks) && toks[j].punct(".") && toks[j+1].kind == tIdent && len(parts) < 3 {
			j++
			continue
		}
		break
	}
	switch len(parts) {
	case 1:
		return qname{name: parts[0]}, j, true
	case 2:
		return qname{schema: parts[0], name: parts[1]}, j, true
	case 3:
		return qname{db: parts[0], schema: parts[1], name: parts[2]}, j, true
	}
	return qname{}, i, false
}
