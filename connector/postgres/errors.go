package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/jackc/pgx/v5/pgconn"
)

// maxMessage bounds the server's text passed on in an error.
const maxMessage = 2000

// upstreamError turns what went wrong talking to the database into an
// *aos.Error. An *aos.Error passes unchanged. A server error keeps the
// server's message, detail and hint with its SQLSTATE, and gets a code by
// its class (see sqlstateCode). Anything else (a network failure, a TLS
// failure, a timeout) says what happened with the host and port only:
// pgconn's own messages can quote connection settings, so they are never
// passed on. The password is removed from every message, wherever it
// might have been echoed.
func upstreamError(err error, ep *endpoint, cred credential) error {
	var rd *connector.Redecide
	if errors.As(err, &rd) {
		return rd // nothing ran; the gateway decides again
	}
	var e *aos.Error
	if errors.As(err, &e) {
		return &aos.Error{Code: e.Code, Message: redact(e.Message, cred.password)}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		msg := pgErr.Message
		if pgErr.Detail != "" {
			msg += " (" + pgErr.Detail + ")"
		}
		if pgErr.Hint != "" {
			msg += "; hint: " + pgErr.Hint
		}
		if len(msg) > maxMessage {
			msg = msg[:maxMessage] + "..."
		}
		code, prefix := sqlstateCode(pgErr.Code)
		var connectErr *pgconn.ConnectError
		if errors.As(err, &connectErr) {
			code, prefix = aos.EUpstream, "the database at "+ep.hostPort()+" refused the connection: "
		}
		return aos.Errorf(code, "%s%s (SQLSTATE %s)", prefix, redact(msg, cred.password), pgErr.Code)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return aos.Errorf(aos.EUpstream, "the call to the database at %s took longer than %s", ep.hostPort(), callTimeout)
	case errors.Is(err, context.Canceled):
		return aos.Errorf(aos.EUpstream, "the call to the database at %s was cancelled", ep.hostPort())
	case pgconn.Timeout(err):
		return aos.Errorf(aos.EUpstream, "the database at %s did not answer in time", ep.hostPort())
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return aos.Errorf(aos.EUpstream, "cannot connect to the database at %s (sslmode=%s)", ep.hostPort(), ep.sslmode)
	}
	return aos.Errorf(aos.EUpstream, "the connection to the database at %s failed", ep.hostPort())
}

// sqlstateCode maps a SQLSTATE to an error code, with a prefix for the
// message.
func sqlstateCode(state string) (string, string) {
	switch {
	case state == "25006":
		return aos.EReadOnly, "the database refused a write inside the read-only transaction of a read: "
	case state == "57014":
		return aos.EUpstream, "the statement was cancelled (it may have run past the " + statementTimeout.String() + " statement timeout): "
	case state == "08P01":
		return aos.EBadRequest, "the database rejected the call (check the number of params): "
	case state == "42501":
		return aos.EUpstream, "the database refused the connection's user: "
	case len(state) != 5:
		return aos.EUpstream, "the database failed: "
	}
	switch state[:2] {
	case "0A", "21", "22", "23", "25", "26", "27", "2B", "2F", "34", "38", "39", "3F", "42", "44", "P0", "54":
		return aos.EBadRequest, "the database rejected the statement: "
	}
	return aos.EUpstream, "the database failed: "
}

// redact removes every occurrence of the password from s.
func redact(s, password string) string {
	if password == "" {
		return s
	}
	return strings.ReplaceAll(s, password, "[redacted]")
}
