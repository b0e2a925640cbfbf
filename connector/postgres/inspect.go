package postgres

import (
	"context"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
	"github.com/jackc/pgx/v5/pgconn"
)

// maxInspected bounds the resources Inspect lists.
const maxInspected = 1000

// Inspect asks the database, in a READ ONLY transaction, what the
// credential's role may do: its attributes (SUPERUSER, CREATEROLE,
// CREATEDB, BYPASSRLS, REPLICATION) and the roles it belongs to as
// Scopes; the tables, views and schemas it can read as Resources (a
// schema when it can read every table of it, at most 1000 items);
// AccountWide for a superuser or a member of pg_read_all_data; CanWrite
// when it can change any table, create in a schema or the database, or
// manage roles. It never returns or logs the password.
func (k *Connector) Inspect(ctx context.Context, c *aos.Connection, secret vault.Secret) (*connector.CredentialInfo, error) {
	ep, err := settings(c)
	if err != nil {
		return nil, err
	}
	cred, err := parseCredential(secret)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	s, err := k.pool().acquire(ctx, c.ID, ep, cred)
	if err != nil {
		return nil, upstreamError(err, ep, cred)
	}
	info, err := inspect(ctx, s.conn, ep)
	_, endErr := simple(ctx, s.conn, "ROLLBACK")
	s.release(endErr == nil)
	if err != nil {
		return nil, upstreamError(err, ep, cred)
	}
	return info, nil
}

const roleSQL = `SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, r.rolreplication,
  pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE'),
  ARRAY(SELECT b.rolname FROM pg_catalog.pg_roles b
        WHERE b.oid <> r.oid AND pg_catalog.pg_has_role(r.oid, b.oid, 'MEMBER') ORDER BY 1)::text
FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`

const tablesSQL = `SELECT n.nspname, c.relname,
  pg_catalog.has_table_privilege(c.oid, 'SELECT'),
  pg_catalog.has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'),
  pg_catalog.has_schema_privilege(n.oid, 'CREATE')
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
  AND n.nspname NOT LIKE 'pg\_temp\_%' AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
ORDER BY 1, 2`

func inspect(ctx context.Context, pc *pgconn.PgConn, ep *endpoint) (*connector.CredentialInfo, error) {
	if _, err := simple(ctx, pc, "BEGIN READ ONLY"); err != nil {
		return nil, err
	}
	rows, err := query(ctx, pc, roleSQL)
	if err != nil {
		return nil, err
	}
	if len(rows) != 1 {
		return nil, aos.Errorf(aos.EUpstream, "the database did not describe the connection's role")
	}
	r := rows[0]
	info := &connector.CredentialInfo{Kind: "PostgreSQL role", Scopes: []string{"role:" + string(r[0])}}
	for i, attr := range []string{"SUPERUSER", "CREATEROLE", "CREATEDB", "BYPASSRLS", "REPLICATION"} {
		if string(r[i+1]) == "t" {
			info.Scopes = append(info.Scopes, attr)
		}
	}
	if string(r[1]) == "t" {
		info.Kind = "PostgreSQL superuser"
	}
	members, _ := parseArray(string(r[7]), 25, ',')
	for _, m := range asList(members) {
		name, _ := m.(string)
		info.Scopes = append(info.Scopes, "member of "+name)
		switch name {
		case "pg_read_all_data":
			info.AccountWide = true
		case "pg_write_all_data":
			info.CanWrite = true
		}
	}
	info.AccountWide = info.AccountWide || string(r[1]) == "t"
	info.CanWrite = info.CanWrite || string(r[1]) == "t" || string(r[2]) == "t" || string(r[3]) == "t" || string(r[6]) == "t"
	tables, err := query(ctx, pc, tablesSQL)
	if err != nil {
		return nil, err
	}
	info.Resources, info.CanWrite = readable(ep.db, tables, info.CanWrite)
	return info, nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// readable lists what the rows of tablesSQL allow reading, a schema as
// a whole when every relation of it can be read.
func readable(db string, tables [][][]byte, canWrite bool) ([]string, bool) {
	type schema struct {
		all   bool
		items []string
	}
	var order []string
	schemas := map[string]*schema{}
	for _, t := range tables {
		name := string(t[0])
		s := schemas[name]
		if s == nil {
			s = &schema{all: true}
			schemas[name] = s
			order = append(order, name)
		}
		if string(t[2]) == "t" {
			s.items = append(s.items, item(db, name, string(t[1])))
		} else {
			s.all = false
		}
		canWrite = canWrite || string(t[3]) == "t" || string(t[4]) == "t"
	}
	var out []string
	for _, name := range order {
		s := schemas[name]
		if s.all {
			out = append(out, item(db, name))
		} else {
			out = append(out, s.items...)
		}
	}
	if len(out) > maxInspected {
		out = out[:maxInspected]
	}
	return out, canWrite
}
