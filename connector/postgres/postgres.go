// Package postgres is the `postgres` connector: agents run SQL on one
// PostgreSQL database through POST /v1/call, with operations query (a
// read), execute (a write or a schema change) and copy_out (an export).
// There is no HTTP proxy.
//
// # Resources
//
// A call's resource names everything its one statement reaches, as a
// sorted, comma-separated list of items: DB/SCHEMA/NAME for each table,
// view and schema-qualified function outside pg_catalog, DB alone for a
// statement that acts on the database as a whole (a schema change), or
// DB/* for a statement that names no relation (SELECT $1::int + 1,
// VALUES (1)), which reads nothing of the database and so is within any
// grant on it, still under the function allow-list and the plan check.
// Covers requires
// one grant's scope to cover every item, so a join of two tables needs a
// grant on both (their schema, say), not two grants.
//
// # Classification never trusts the agent
//
// FromCall reads the statement with a lexer faithful to PostgreSQL's own
// (see lex.go) and refuses what it cannot place: more than one statement,
// COPY, DO, CALL, SET, transaction control, and calls of built-in
// functions that reach outside the database whatever the grant (server
// files, large objects, dblink, set_config, other sessions,
// notifications; see deniedFunction). It names
// every relation the statement puts in a FROM, JOIN, INTO, UPDATE, USING
// or TABLE position, and every schema-qualified function, with
// unqualified names in the connection's schema (public unless the base
// URL says search_path=SCHEMA). That is what the policy decides on.
//
// Do then confirms it with PostgreSQL itself, inside the transaction that
// runs the statement and before running it: EXPLAIN (VERBOSE, FORMAT
// JSON) gives every relation the plan reads or writes, schema-qualified by
// the server (so search_path games resolve as the server resolves them),
// and the statement runs only if each is one the policy allowed or is
// reached through one: the tables a view reads, the partitions and
// inheritance children of a table, the tables its row-security policies
// read. A plan that writes is refused for a read.
//
// Functions are let through by an allow-list read from the server's
// catalog (see functions.go), for every call in the statement's text,
// before the statement is even planned: under a grant on tables or
// schemas a statement may call only the server's own IMMUTABLE functions
// and a short list of STABLE ones that only format or convert values
// (none that takes a regclass or reads catalogs, statistics or other
// sessions), and user functions that are among the resources, which means
// calling them schema-qualified. Anything else (an extension's function
// or operator, a VOLATILE built-in such as setval, pg_get_viewdef,
// pg_stat_get_activity) is decided again on a resource that names the
// database too, which only a grant on the whole database covers, as is a
// statement that names regclass or a like type, whose values are found by
// looking up catalog objects. User-defined operators are refused. Reads run in a READ ONLY
// transaction, so that even a write the checks missed (one smuggled
// through a function) is refused by the server.
//
// Views are named for granting and looked through for reading: a grant
// that covers a view covers the tables the view reads, as PostgreSQL's own
// privileges on views work. (PostgreSQL records no dependencies on system
// catalogs, so a view over pg_catalog tables needs those tables granted.)
//
// # Approval points
//
// Schema changes (CREATE, ALTER, DROP, TRUNCATE, COMMENT, REINDEX, ...,
// SELECT INTO), GRANT and REVOKE, role and policy changes have the
// resource DB and the production fact. copy_out is an export. On a
// connection that holds customer data, a bulk read is decided by what its
// result carries, not by the statement's shape: Do counts the customers
// in the rows a query (or a write's RETURNING) produced, with the pii
// package, before anything reaches the agent, and one that carries more
// than BulkRows is rolled back and decided again as an export, held at
// customer-data (see bulk.go).
//
// # What the checks cannot see
//
// Code the database's owners wrote runs with its own reach: the bodies of
// functions (a grant on a function covers what it reads), triggers,
// constraint checks and defaults. Reads stay read-only whatever that code
// does; writes are as the credential's role allows.
package postgres

import (
	"sync"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// Type is the connector type name, as in `aos connect postgres NAME`.
const Type = "postgres"

// Limits of one call.
const (
	// MaxRows is the most rows a call returns; more set truncated.
	MaxRows = 10_000
	// BulkRows is the most customers the result of a call on a connection
	// that holds customer data may carry without being an export: more
	// (1,000 rows of addresses, or one row that aggregates them) and the
	// call is held at customer-data.
	BulkRows = connector.BulkCustomers
	// StatementTimeout bounds each statement (SET LOCAL statement_timeout).
	StatementTimeout = 30 * time.Second
	// callTimeout bounds a whole call: connecting, checking and running.
	callTimeout = 60 * time.Second
	// maxSQL bounds the statement text.
	maxSQL = 1 << 20
	// maxParams is the protocol's limit on bind parameters.
	maxParams = 65535
)

// statementTimeout is StatementTimeout; tests shorten it.
var statementTimeout = StatementTimeout

// Connector is the postgres connector. It is safe for concurrent use.
// Use New; call Close to close its connection pools.
type Connector struct {
	once  sync.Once
	pools *pools
}

var (
	_ connector.Connector         = (*Connector)(nil)
	_ connector.Rereader          = (*Connector)(nil)
	_ connector.DecidedSender     = (*Connector)(nil)
	_ connector.Inspector         = (*Connector)(nil)
	_ connector.CredentialChecker = (*Connector)(nil)
)

// New returns a postgres connector. It keeps, per connection and
// credential, a pool of at most four database sessions, closed after two
// minutes unused.
func New() *Connector { return &Connector{} }

func (k *Connector) pool() *pools {
	k.once.Do(func() {
		if k.pools == nil {
			k.pools = newPools(4, 2*time.Minute)
		}
	})
	return k.pools
}

// Close closes every pooled session. Calls made afterwards open new ones.
func (k *Connector) Close() { k.pool().closeAll() }

// Type returns "postgres".
func (k *Connector) Type() string { return Type }

// operations are the operations of the connector.
var operations = map[string]aos.Operation{
	"query":    {Name: "query", Access: aos.Read, Points: []aos.ApprovalPoint{aos.PointCustomerData}},
	"copy_out": {Name: "copy_out", Access: aos.Read, Points: []aos.ApprovalPoint{aos.PointCustomerData}},
	"execute":  {Name: "execute", Access: aos.Write, Points: []aos.ApprovalPoint{aos.PointCustomerData, aos.PointProduction}},
}

// Describe lists the scope syntax and operations.
func (k *Connector) Describe() connector.Description {
	return connector.Description{
		Type: Type,
		Summary: "One PostgreSQL database at --base-url postgres://HOST[:PORT]/DB[?sslmode=MODE&search_path=SCHEMA] " +
			"(sslmode defaults to require; no user or password in the URL), with the credential user:password. " +
			"Calls go to POST /v1/call with args {\"sql\": \"...\", \"params\": [...]}: query runs one read statement " +
			"in a READ ONLY transaction, execute one INSERT, UPDATE, DELETE, MERGE or schema change, copy_out " +
			"exports a query's rows as CSV. The resource is every table, view and schema-qualified function the " +
			"statement reaches, as DB/SCHEMA/NAME, checked against PostgreSQL's own plan before anything runs; one grant must cover them all. " +
			"A statement that reads no relation (select $1::int + 1) is within any grant on its database. " +
			"Only the server's own immutable functions and a few stable ones that format values are allowed under a table " +
			"or schema grant; extension, volatile and catalog-reading functions need a grant on the whole database. " +
			"Schema, role, privilege and policy changes act on DB and are held at production; copy_out, and on a connection " +
			"that holds customer data a result that carries more than 100 customers, are held at customer-data.",
		ScopeSyntax: []string{
			"DB/SCHEMA/TABLE (one table, view or function, as PostgreSQL stores its name)",
			"DB/SCHEMA (every table, view and function of a schema)",
			"DB (the whole database, including schema changes)",
			"* (account-wide)",
			"names are exact (unquoted SQL names are lower case); percent-encode %, /, ',' and * in a name",
		},
		Operations: []aos.Operation{operations["query"], operations["copy_out"], operations["execute"]},
	}
}

// CheckScope validates a scope and returns its canonical form; see the
// package function CheckScope.
func (k *Connector) CheckScope(scope string) (string, error) { return CheckScope(scope) }

// Covers reports whether scope covers resource; see the package function
// Covers.
func (k *Connector) Covers(scope, resource string) bool { return Covers(scope, resource) }

// Configure validates and normalises a connection's base URL (see
// parseBaseURL). The connector takes no auth mode and no config. Errors are
// *aos.Error values with code EBadRequest.
func (k *Connector) Configure(c *aos.Connection) error {
	ep, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return err
	}
	if c.Auth != "" {
		return connector.BadRequest("the postgres connector takes no --auth: its credential is always user:password")
	}
	if len(c.Config) != 0 {
		return connector.BadRequest("the postgres connector takes no --operations: its operations are query, execute and copy_out")
	}
	c.BaseURL = ep.String()
	return nil
}

// configs holds the parsed settings of connections, one immutable value
// per connection version (connector.Configs).
var configs = connector.NewConfigs(parseSettings)

// settings returns a connection's parsed settings, parsed once per connection
// version.
func settings(c *aos.Connection) (*endpoint, error) { return configs.Get(c) }

// parseSettings parses a configured connection's base URL. It was checked by
// Configure, so a failure means the stored connection was altered.
func parseSettings(c *aos.Connection) (*endpoint, error) {
	ep, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return nil, aos.Errorf(aos.EInternal, "connection %s has an invalid base URL: %s", c.Name, aos.ErrorMessage(err))
	}
	return ep, nil
}
