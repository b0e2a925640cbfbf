package postgres

import (
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
	"github.com/jackc/pgx/v5/pgconn"
)

// endpoint is a parsed, validated base URL.
type endpoint struct {
	host        string // lower case, without brackets
	port        int
	db          string
	schema      string // where unqualified names resolve; "public" by default
	sslmode     string
	sslrootcert string
}

var sslModes = map[string]bool{
	"disable": true, "allow": true, "prefer": true, "require": true, "verify-ca": true, "verify-full": true,
}

// parseBaseURL validates a base URL: postgres://HOST[:PORT]/DB with an
// optional query of sslmode (default require), sslrootcert and
// search_path (one schema, default public). It must not carry a user or
// password (the credential does), several hosts, other parameters or a
// fragment. Errors are *aos.Error values with code EBadRequest.
func parseBaseURL(raw string) (*endpoint, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, connector.BadRequest("the postgres connector needs a base URL, such as --base-url postgres://db.example.com:5432/shop")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, connector.BadRequest("the base URL does not parse; write it as postgres://HOST[:PORT]/DB")
	case u.Scheme != "postgres" && u.Scheme != "postgresql":
		return nil, connector.BadRequest("the base URL must start with postgres://")
	case u.User != nil:
		return nil, connector.BadRequest("the base URL must not carry a user or password: give user:password as the credential")
	case u.Opaque != "" || u.Hostname() == "":
		return nil, connector.BadRequest("the base URL has no host; write it as postgres://HOST[:PORT]/DB")
	case strings.ContainsAny(u.Host, ",/"):
		return nil, connector.BadRequest("the base URL must name one host")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, connector.BadRequest("the base URL must not have a fragment")
	}
	ep := &endpoint{host: strings.ToLower(u.Hostname()), port: 5432, schema: "public", sslmode: "require"}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, connector.BadRequest("the base URL's port must be a number from 1 to 65535")
		}
		ep.port = n
	}
	if ep.db, err = baseDB(u); err != nil {
		return nil, err
	}
	if err := ep.parseQuery(u.RawQuery); err != nil {
		return nil, err
	}
	return ep, nil
}

func baseDB(u *url.URL) (string, error) {
	p := strings.TrimPrefix(u.EscapedPath(), "/")
	if p == "" || strings.Contains(p, "/") {
		return "", connector.BadRequest("the base URL must name one database: postgres://HOST[:PORT]/DB")
	}
	db, err := url.PathUnescape(p)
	if err != nil {
		return "", connector.BadRequest("the base URL's database name is not well escaped")
	}
	if err := checkName(db, "the base URL's database name"); err != nil {
		return "", err
	}
	return db, nil
}

func (ep *endpoint) parseQuery(raw string) error {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return connector.BadRequest("the base URL's query does not parse")
	}
	for k, vs := range q {
		if len(vs) != 1 {
			return connector.BadRequest("the base URL gives %s more than once", k)
		}
		v := vs[0]
		switch k {
		case "sslmode":
			if !sslModes[v] {
				return connector.BadRequest("sslmode must be disable, allow, prefer, require, verify-ca or verify-full")
			}
			ep.sslmode = v
		case "sslrootcert":
			if v == "" {
				return connector.BadRequest("sslrootcert is empty")
			}
			ep.sslrootcert = v
		case "search_path":
			if strings.Contains(v, ",") {
				return connector.BadRequest("search_path names one schema, where unqualified names resolve")
			}
			if err := checkName(v, "search_path"); err != nil {
				return err
			}
			ep.schema = v
		default:
			return connector.BadRequest("the base URL takes only sslmode, sslrootcert and search_path, not %q", k)
		}
	}
	return nil
}

// checkName checks a name PostgreSQL could store unchanged.
func checkName(n, what string) error {
	_, err := unescapeSegment(escapeName(n), what)
	return err
}

func (ep *endpoint) hostPort() string { return net.JoinHostPort(ep.host, strconv.Itoa(ep.port)) }

// String is the normalised base URL. It never holds a credential.
func (ep *endpoint) String() string {
	q := url.Values{"sslmode": {ep.sslmode}}
	if ep.schema != "public" {
		q.Set("search_path", ep.schema)
	}
	if ep.sslrootcert != "" {
		q.Set("sslrootcert", ep.sslrootcert)
	}
	u := url.URL{Scheme: "postgres", Host: ep.hostPort(), Path: "/" + ep.db, RawQuery: q.Encode()}
	return u.String()
}

// credential is a parsed user:password.
type credential struct{ user, password string }

// parseCredential reads user:password (the user may not contain ':'; one
// trailing newline is ignored). Errors are EBadRequest and never quote
// the secret.
func parseCredential(secret vault.Secret) (credential, error) {
	s := strings.TrimSuffix(strings.TrimSuffix(string(secret.Reveal()), "\n"), "\r")
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") || strings.Contains(s, "host=") {
		return credential{}, connector.BadRequest("the credential is user:password, not a connection string; the host and database go in --base-url")
	}
	user, password, ok := strings.Cut(s, ":")
	switch {
	case !ok || user == "" || password == "":
		return credential{}, connector.BadRequest("the credential must be user:password, both non-empty")
	case strings.IndexByte(s, 0) >= 0:
		return credential{}, connector.BadRequest("the credential contains a NUL byte")
	case len(user) > maxName:
		return credential{}, connector.BadRequest("the credential's user name is longer than %d bytes", maxName)
	}
	return credential{user: user, password: password}, nil
}

// CheckCredential reports whether secret is a well-formed user:password.
func (k *Connector) CheckCredential(c *aos.Connection, secret vault.Secret) error {
	_, err := parseCredential(secret)
	return err
}

// config returns the session settings for ep and cred. Settings come only
// from ep and cred: whatever PG* environment variables, service files or
// password files say about the host, port, database, user, password or
// session parameters is overridden.
func (ep *endpoint) config(cred credential) (*pgconn.Config, error) {
	q := url.Values{"sslmode": {ep.sslmode}, "connect_timeout": {"10"}}
	if ep.sslrootcert != "" {
		q.Set("sslrootcert", ep.sslrootcert)
	}
	u := url.URL{Scheme: "postgres", User: url.User(cred.user), Host: ep.hostPort(), Path: "/" + ep.db, RawQuery: q.Encode()}
	cfg, err := pgconn.ParseConfig(u.String())
	if err != nil {
		// The message may quote the settings; it is not passed on.
		return nil, aos.Errorf(aos.EUpstream, "cannot prepare a connection to %s (check sslmode and sslrootcert)", ep.hostPort())
	}
	cfg.Host, cfg.Port, cfg.Database = ep.host, uint16(ep.port), ep.db
	cfg.User, cfg.Password = cred.user, cred.password
	cfg.RuntimeParams = map[string]string{"application_name": "aos"}
	var fbs []*pgconn.FallbackConfig
	for _, fb := range cfg.Fallbacks {
		if fb.Host == ep.host && fb.Port == uint16(ep.port) {
			fbs = append(fbs, fb)
		}
	}
	cfg.Fallbacks = fbs
	cfg.ValidateConnect, cfg.AfterConnect, cfg.OnNotice, cfg.OnNotification = nil, nil, nil, nil
	return cfg, nil
}
