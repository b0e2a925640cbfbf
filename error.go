// Package aos holds the domain of the integration boundary: principals,
// connections, credentials, grants, decisions and evidence records, the
// service interfaces that the store implements, and the one Error type whose
// codes every transport translates to its own statuses.
//
// It imports only the standard library.
package aos

import (
	"errors"
	"fmt"
)

// Error codes. They are part of the external contract (docs/design.md §4): agents
// and scripts match on them, so a code is never renamed.
const (
	EUnauthenticated     = "unauthenticated"
	EForbidden           = "forbidden"
	EUnknownConnection   = "unknown_connection"
	EUnknownOperation    = "unknown_operation"
	ENotGranted          = "not_granted"
	EOutOfScope          = "out_of_scope"
	EReadOnly            = "read_only"
	EApprovalDenied      = "approval_denied"
	EApprovalExpired     = "approval_expired"
	EApprovalStale       = "approval_stale"
	EBadRequest          = "bad_request"
	ETooLarge            = "too_large"
	ETooManyPending      = "too_many_pending"
	EUnsupportedEncoding = "unsupported_encoding" // a request body coded as the gateway cannot read
	EUpstream            = "upstream_error"
	// EToolNotAccepted: an upstream MCP tool that is new, or whose
	// definition changed since it was pinned, waits for the owner.
	EToolNotAccepted     = "tool_not_accepted"
	EEvidenceUnavailable = "evidence_unavailable"
	ENotFound            = "not_found"
	EConflict            = "conflict"
	EMethodNotAllowed    = "method_not_allowed" // a route that exists, asked with a method it does not serve
	EInternal            = "internal"
)

// Error is an error meant for the caller: its Code is stable and its Message
// is safe to show (it never contains a secret). Any error that is not an
// *Error is shown to callers as "internal error" and logged in full instead.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil
// and EInternal for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the caller-safe message of err: that of the first
// *Error in its chain, else "internal error".
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
