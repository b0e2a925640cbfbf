//lint:file-ignore SA1019 an upstream's sampling and logging (deprecated in 2026-07-28, still in use) are relayed as they are

package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/aos-dev/aos/connector"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// A tool call to an upstream served over streamable HTTP is sent here as
// one POST on the session, and its answer read here, rather than through
// the go-sdk's client: the SDK decodes each message several times, with a
// 32 KB buffer each, and hands it between goroutines, which cost more than
// the rest of the call's way through aos. Everything else of the session
// (the handshake, tools/list, resources, prompts, subscriptions, the
// stream the upstream opens for notifications) stays the go-sdk's.
//
// What the upstream sends on the call's stream before its answer is
// handled as the go-sdk client's handlers handle it (clientOptions):
// progress under the call's token and log messages go to the call's
// relay, in the order they came and before the result; a request (sampling,
// elicitation) is for this very call, so it goes to this call's relay,
// and its answer is POSTed back on the session; ping is answered; the
// tool-list and resource notifications do what they do on the SDK's
// stream.

// rawCall calls tool req on the upstream as call r and returns the
// upstream's CallToolResult as it sent it (one JSON object).
//
// Errors: *jsonrpc.Error when the upstream answered with one; errStream
// when its answer cannot be read; errTooLarge when it is larger than
// connector.MaxBody; statusError when the POST was answered with a status
// other than 200; errSessionGone when the upstream no
// longer knows the session (the session is closed, and the next call
// starts another); what ctx ended with.
func (s *session) rawCall(ctx context.Context, req *request, r *running) (json.RawMessage, error) {
	name, err := json.Marshal(req.Name)
	if err != nil {
		return nil, err
	}
	id, _ := json.Marshal(r.token)
	// The arguments are one compact JSON object (normalArgs).
	body := make([]byte, 0, 128+len(name)+len(req.Arguments)+2*len(id))
	body = append(body, `{"jsonrpc":"2.0","id":`...)
	body = append(body, id...)
	body = append(body, `,"method":"tools/call","params":{"name":`...)
	body = append(body, name...)
	body = append(body, `,"arguments":`...)
	body = append(body, req.Arguments...)
	body = append(body, `,"_meta":{"progressToken":`...)
	body = append(body, id...)
	body = append(body, "}}}"...)
	res, err := s.exchange(ctx, body, id, r)
	if err != nil && ctx.Err() != nil {
		go s.cancelRaw(id)
		return nil, ctx.Err()
	}
	return res, err
}

// exchange POSTs call id and reads its answer.
func (s *session) exchange(ctx context.Context, body []byte, id json.RawMessage, r *running) (json.RawMessage, error) {
	resp, err := s.post(ctx, body, true)
	if err != nil {
		return nil, err
	}
	res, err := s.readAnswer(ctx, resp, id, r)
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	s.finish(resp.Body)
	return res, nil
}

// finish reads what is left of an answered call's stream to its end,
// then closes it, so that its connection carries a later call: net/http
// closes a connection whose answer is closed before its end, and a call
// would then open one of its own (and the upstream accept it). An
// upstream ends the stream after the answer (the transport's spec says
// it should), so its end is a few bytes away, and usually here already.
// It is read here, before the call returns, rather than by a goroutine
// of its own: the connection is then free for the caller's next call;
// under load a goroutine left connections busy, and calls opened more.
// A stream that goes on past its answer for finishWait, or past
// finishLimit bytes, is closed, and so are the session's later streams,
// at their answers: such an upstream costs one call finishWait once.
func (s *session) finish(body io.ReadCloser) {
	if s.heldOpen.Load() {
		body.Close()
		return
	}
	t := time.AfterFunc(finishWait, func() {
		s.heldOpen.Store(true)
		body.Close()
	})
	n, err := io.Copy(io.Discard, io.LimitReader(body, finishLimit))
	t.Stop()
	if err == nil && n == finishLimit {
		s.heldOpen.Store(true)
	}
	body.Close()
}

const finishLimit = 64 << 10

var finishWait = 50 * time.Millisecond // a variable for tests

// rawMessage is a JSON-RPC 2.0 message as rawCall reads and writes it.
type rawMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *jsonrpc.Error  `json:"error,omitempty"`
}

var (
	errTooLarge    = errors.New("the upstream's answer to the call is too large")
	errStream      = errors.New("the upstream's answer to the call could not be read")
	errSessionGone = errors.New("the upstream no longer knows aos's session")
)

// post POSTs one JSON-RPC message on the session. A call (answer set)
// must be answered 200 with JSON or an event stream; anything else 2xx.
func (s *session) post(ctx context.Context, body []byte, answer bool) (*http.Response, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json, text/event-stream")
	if id := s.cs.ID(); id != "" {
		hr.Header.Set("Mcp-Session-Id", id)
	}
	hr.Header.Set("Mcp-Protocol-Version", s.version)
	for name, vs := range s.header { // as the session's client adds them (withHeader)
		hr.Header[name] = vs
	}
	// The transport alone: no redirect is followed, as the session's
	// client follows none.
	resp, err := s.rt.RoundTrip(hr)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotFound && s.cs.ID() != "":
		resp.Body.Close()
		s.gone()
		return nil, errSessionGone
	case resp.StatusCode/100 != 2 || (answer && resp.StatusCode != http.StatusOK):
		resp.Body.Close()
		return nil, statusError(resp.StatusCode)
	}
	return resp, nil
}

// statusError is an HTTP status the upstream answered a POST with,
// other than those the transport allows.
type statusError int

func (e statusError) Error() string {
	return fmt.Sprintf("the upstream answered the POST with status %d", int(e))
}

// gone closes a session the upstream no longer knows, as the go-sdk's
// client does when its own request is answered 404. The session is no
// longer the live one at once, so that the next call starts another
// rather than waiting for the close to be noticed.
func (s *session) gone() {
	s.u.mu.Lock()
	if s.u.live == s {
		s.u.live = nil
	}
	s.u.mu.Unlock()
	_ = s.cs.Close()
}

// cancelRaw tells the upstream that aos no longer waits for call id, as
// the go-sdk does when a call's context ends.
func (s *session) cancelRaw(id json.RawMessage) {
	params, _ := json.Marshal(map[string]any{"requestId": id, "reason": "the agent's call was cancelled or timed out"})
	body, _ := json.Marshal(rawMessage{JSONRPC: "2.0", Method: "notifications/cancelled", Params: params})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if resp, err := s.post(ctx, body, false); err == nil {
		resp.Body.Close()
	}
}

// readAnswer reads the answer to call id from resp: one JSON-RPC message,
// or an event stream of messages that ends with it.
func (s *session) readAnswer(ctx context.Context, resp *http.Response, id json.RawMessage, r *running) (json.RawMessage, error) {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		data, err := io.ReadAll(io.LimitReader(resp.Body, connector.MaxBody+1))
		switch {
		case err != nil:
			return nil, errStream
		case len(data) > connector.MaxBody:
			return nil, errTooLarge
		}
		res, done, err := s.handleRaw(ctx, data, id, r)
		if err == nil && !done {
			err = errStream
		}
		return res, err
	case "text/event-stream":
	default:
		return nil, errStream
	}
	buf := buffers.Get().(*[]byte)
	defer buffers.Put(buf)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer((*buf)[:0], connector.MaxBody+2)
	sc.Split(eventLines)
	var data []byte
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0: // the event is complete
			if len(data) > 0 {
				res, done, err := s.handleRaw(ctx, data, id, r)
				if err != nil || done {
					return res, err
				}
			}
			data = data[:0]
		case line[0] == ':': // a comment
		default:
			field, value, _ := bytes.Cut(line, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			if string(field) == "data" {
				if len(data)+len(value) > connector.MaxBody {
					return nil, errTooLarge
				}
				if len(data) > 0 {
					data = append(data, '\n')
				}
				data = append(data, value...)
			}
			// event, id and retry say nothing rawCall needs: the
			// call's stream is not resumed (neither is the SDK's).
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return nil, errTooLarge
	}
	return nil, errStream // the stream ended, or broke, before the answer
}

// buffers are the first buffers of call streams' scanners.
var buffers = sync.Pool{New: func() any { b := make([]byte, 4096); return &b }}

// eventLines splits an event stream into lines, without their ends: a
// line ends with CRLF, LF or CR.
func eventLines(data []byte, atEOF bool) (advance int, line []byte, err error) {
	i := bytes.IndexAny(data, "\r\n")
	switch {
	case i < 0 && atEOF && len(data) > 0:
		return len(data), data, nil
	case i < 0:
		return 0, nil, nil // more, or the end
	case data[i] == '\n':
		return i + 1, data[:i], nil
	case i+1 < len(data) && data[i+1] == '\n':
		return i + 2, data[:i], nil
	case i+1 < len(data) || atEOF:
		return i + 1, data[:i], nil
	}
	return 0, nil, nil // a CR last: the next byte says whether an LF is part of its end
}

// handleRaw handles one message of the call's stream; done when it is
// the answer to call id.
func (s *session) handleRaw(ctx context.Context, data []byte, id json.RawMessage, r *running) (json.RawMessage, bool, error) {
	var m rawMessage
	if err := json.Unmarshal(data, &m); err != nil || m.JSONRPC != "2.0" {
		return nil, false, errStream
	}
	switch {
	case m.Method == "" && bytes.Equal(m.ID, id):
		if m.Error != nil {
			return nil, true, m.Error
		}
		if err := checkResult(m.Result); err != nil {
			return nil, true, err
		}
		return m.Result, true, nil
	case m.Method == "":
		return nil, false, nil // the answer to another request: not this call's
	case len(m.ID) == 0:
		s.rawNotification(m, r)
		return nil, false, nil
	}
	answer := s.rawRequest(m, r)
	body, err := json.Marshal(answer)
	if err != nil {
		return nil, false, err
	}
	resp, err := s.post(ctx, body, false)
	if err != nil {
		return nil, false, err
	}
	resp.Body.Close()
	return nil, false, nil
}

// rawNotification handles a notification on the call's stream as the
// session's client handlers do.
func (s *session) rawNotification(m rawMessage, r *running) {
	switch m.Method {
	case "notifications/progress":
		var p sdk.ProgressNotificationParams
		if json.Unmarshal(m.Params, &p) == nil && p.ProgressToken == r.token && r.relay != nil {
			_ = r.relay.Progress(r.ctx, &p)
		}
	case "notifications/message":
		var p sdk.LoggingMessageParams
		if json.Unmarshal(m.Params, &p) != nil {
			return
		}
		if r.relay != nil {
			_ = r.relay.Log(r.ctx, &p)
			return
		}
		s.u.k.log().Debug("mcp upstream log message", "connection", s.u.name, "level", p.Level)
	case "notifications/tools/list_changed":
		s.mu.Lock()
		s.toolsStale = true
		s.mu.Unlock()
	case "notifications/resources/updated":
		var p sdk.ResourceUpdatedNotificationParams
		if json.Unmarshal(m.Params, &p) == nil {
			s.u.k.updated(s.u.id, p.URI)
		}
	}
}

// rawRequest answers a request the upstream sent on the call's stream: it
// is for this call, whose relay answers it (or, with no relay, the error
// the session's handlers give).
func (s *session) rawRequest(m rawMessage, r *running) rawMessage {
	out := rawMessage{JSONRPC: "2.0", ID: m.ID}
	var res any
	var err error
	switch m.Method {
	case "ping":
		res = struct{}{}
	case "sampling/createMessage":
		var p sdk.CreateMessageParams
		switch {
		case json.Unmarshal(m.Params, &p) != nil:
			err = &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "invalid sampling/createMessage params"}
		case r.relay == nil:
			err = errNoClient
		default:
			res, err = r.relay.CreateMessage(r.ctx, &p)
		}
	case "elicitation/create":
		var p sdk.ElicitParams
		switch {
		case json.Unmarshal(m.Params, &p) != nil:
			err = &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "invalid elicitation/create params"}
		case r.relay == nil:
			err = errNoClient
		default:
			res, err = r.relay.Elicit(r.ctx, &p)
		}
	default:
		err = &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: fmt.Sprintf("method %q is not offered by aos's client", m.Method)}
	}
	if err == nil {
		if out.Result, err = json.Marshal(res); err == nil {
			return out
		}
	}
	var rpc *jsonrpc.Error
	if !errors.As(err, &rpc) {
		rpc = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()}
	}
	out.Error = rpc
	return out
}

// contentTypes are the types of content a tool result may hold.
var contentTypes = map[string]bool{"text": true, "image": true, "audio": true, "resource_link": true, "resource": true}

// checkResult checks that res is a CallToolResult: an object whose
// content, if any, is a list of content of the types MCP defines.
func checkResult(res json.RawMessage) error {
	var r struct {
		Content []struct {
			Type string `json:"type"`
		} `json:"content"`
		IsError bool `json:"isError"`
	}
	if len(bytes.TrimSpace(res)) == 0 || bytes.TrimSpace(res)[0] != '{' || json.Unmarshal(res, &r) != nil {
		return errResult
	}
	for _, c := range r.Content {
		if !contentTypes[c.Type] {
			return errResult
		}
	}
	return nil
}

var errResult = errors.New("the upstream's result is not an MCP tool result")

// rawable reports whether a call is sent by rawCall: the session is over
// streamable HTTP, in a revision with sessions (2025-06-18 to 2025-11-25,
// whose requests rawCall writes; a later one sends per-request _meta and
// header fields that the go-sdk's client writes).
func (s *session) rawable() bool {
	return s.rt != nil && s.version >= "2025-06-18" && s.version < "2026-07-28"
}
