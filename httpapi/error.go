package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/aos-dev/aos"
)

// statusOf is the one place where error codes become HTTP statuses.
func statusOf(code string) int {
	switch code {
	case aos.EUnauthenticated:
		return http.StatusUnauthorized
	case aos.EForbidden, aos.EUnknownOperation, aos.ENotGranted, aos.EOutOfScope, aos.EReadOnly,
		aos.EApprovalDenied, aos.EApprovalExpired, aos.EApprovalStale, aos.EToolNotAccepted:
		return http.StatusForbidden
	case aos.EUnknownConnection, aos.ENotFound:
		return http.StatusNotFound
	case aos.EBadRequest:
		return http.StatusBadRequest
	case aos.EConflict:
		return http.StatusConflict
	case aos.EMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case aos.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case aos.ETooManyPending:
		return http.StatusTooManyRequests
	case aos.EUnsupportedEncoding:
		return http.StatusUnsupportedMediaType
	case aos.EUpstream:
		return http.StatusBadGateway
	case aos.EEvidenceUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON body of every error response. The code and message
// are also repeated at the top level, as "category" and "message", where
// SDKs that parse errors into their vendor's model (HubSpot's keeps
// category and message; Octokit shows message) carry them to the agent.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Message  string `json:"message"`
	Category string `json:"category"`
}

// writeError sends err to the client as a status and an error body. The
// detail of internal errors is logged, never sent.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := aos.ErrorCode(err)
	if code == aos.EInternal || code == aos.EEvidenceUnavailable {
		s.logger().Error("request failed", "method", r.Method, "path", r.URL.Path, "code", code, "err", err)
	}
	var body ErrorBody
	body.Error.Code, body.Error.Message = code, aos.ErrorMessage(err)
	body.Category, body.Message = body.Error.Code, body.Error.Message
	if code == aos.EUnauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="aos"`)
	}
	writeJSON(w, statusOf(code), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}
