package mcpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/aos-dev/aos"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// This file is the one place where error codes become what an MCP client
// sees: HTTP statuses for a request refused before MCP (Host, Origin,
// token), tool errors (isError results) for calls the boundary refused,
// and JSON-RPC errors for requests that are not calls at all.

// httpStatus is the status of a request refused before MCP.
func httpStatus(code string) int {
	switch code {
	case aos.EUnauthenticated:
		return http.StatusUnauthorized
	case aos.EForbidden:
		return http.StatusForbidden
	case aos.EBadRequest:
		return http.StatusBadRequest
	case aos.EEvidenceUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorBody is the body of a refused HTTP request, as in the agent API.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (s *Server) writeHTTPError(w http.ResponseWriter, r *http.Request, err error) {
	code := aos.ErrorCode(err)
	if code == aos.EInternal || code == aos.EEvidenceUnavailable {
		s.logger().Error("mcp request failed", "code", code, "err", err)
	}
	var body errorBody
	body.Error.Code, body.Error.Message = code, aos.ErrorMessage(err)
	if code == aos.EUnauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="aos"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(httpStatus(code))
	json.NewEncoder(w).Encode(body)
}

// ToolError is the structuredContent of a tool error: the contract's code
// and message, as in the agent API's error body.
type ToolError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// callError turns what a tools/call ended with into its answer. A call the
// boundary refused (not granted, out of scope, read only, bad args, an
// upstream that failed...) is a tool error naming its code, so the agent
// reads why; an unknown tool is the protocol error MCP prescribes
// (invalid params); an internal error is logged and answered "internal
// error", never with its detail.
func (s *Server) callError(tool string, err error) (*mcp.CallToolResult, error) {
	var unknown *unknownTool
	if errors.As(err, &unknown) {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: unknown.Error()}
	}
	var rpc *jsonrpc.Error
	if errors.As(err, &rpc) {
		return nil, rpc
	}
	code := aos.ErrorCode(err)
	switch code {
	case aos.EInternal:
		s.logger().Error("mcp tools/call failed", "tool", tool, "err", err)
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "internal error"}
	case aos.EEvidenceUnavailable:
		s.logger().Error("mcp tools/call failed", "tool", tool, "code", code, "err", err)
	}
	return toolError(code, aos.ErrorMessage(err)), nil
}

func toolError(code, message string) *mcp.CallToolResult {
	var te ToolError
	te.Error.Code, te.Error.Message = code, message
	verb := "refused"
	switch code {
	case aos.EUpstream:
		verb = "failed"
	case aos.EApprovalDenied, aos.EApprovalExpired:
		verb = "not run"
	}
	return &mcp.CallToolResult{
		IsError:           true,
		Content:           []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf("aos %s the call: %s: %s", verb, code, message)}},
		StructuredContent: te,
	}
}

// unknownTool is the error of a tools/call naming no tool: no operation of
// the agent's list, and no connection and operation of this instance.
type unknownTool struct{ name string }

func (e *unknownTool) Error() string {
	return fmt.Sprintf("unknown tool %.200q (see tools/list)", e.name)
}

// requestError is a request that is not a call (a bad cursor, a malformed
// tools/call): a JSON-RPC invalid-params error.
func requestError(format string, args ...any) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

func errBadRequest(format string, args ...any) error {
	return aos.Errorf(aos.EBadRequest, format, args...)
}

// protocolError is what a request that is not a call (tools/list) ends
// with when the boundary cannot answer it: a JSON-RPC error with the
// caller-safe message, the detail of an internal error logged only.
func (s *Server) protocolError(err error) error {
	code := aos.ErrorCode(err)
	if code == aos.EInternal || code == aos.EEvidenceUnavailable {
		s.logger().Error("mcp request failed", "code", code, "err", err)
		return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: code + ": " + aos.ErrorMessage(err)}
	}
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: code + ": " + aos.ErrorMessage(err)}
}

// featureError is what a refused or failed resources/read or prompts/get
// ends with: MCP has no error result for them, so it is a JSON-RPC error
// (invalid params) whose message says the contract's code, which its data
// carries too; an internal error is logged and answered "internal error".
func featureError(err error) error {
	code := aos.ErrorCode(err)
	if code == aos.EInternal {
		return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "internal error"}
	}
	data, _ := json.Marshal(map[string]string{"code": code})
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("aos refused: %s: %s", code, aos.ErrorMessage(err)), Data: data}
}
