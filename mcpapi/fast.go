//lint:file-ignore SA1019 sampling and logging are deprecated in MCP 2026-07-28 but still served under 2025-11-25: a session whose client offers sampling, or that chose a logging level, is the go-sdk's

package mcpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aos-dev/aos"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The go-sdk decodes every message several times on its way to a handler
// (the batch, the request's _meta, twice its params), each time with a
// decoder of its own and a 32 KB buffer, and answers through a stream and
// a goroutine per request: on /mcp that costs more CPU than the gateway's
// whole pipeline. The commonest message by far is a tools/call of a
// 2025-11-25 session, and most sessions can never need what that machinery
// is for during one (the session's stream for a request to the client, or
// for progress and log messages). Such a call is answered here, from the
// one reading of its body below, by the same runTool as every other call;
// everything else, and every call that might need the session's stream,
// goes to the go-sdk. What takes this path is decided by allow-lists: the
// body may hold only the members named below, its _meta only aos's keys,
// and the request only the headers the go-sdk would ignore here.

// fastSession is what the fast path knows of a 2025-11-25 session: the
// go-sdk's session, registered once the client said it is initialized.
type fastSession struct {
	ss        *mcp.ServerSession
	principal int64
	version   string                  // the protocol revision the client asked for at initialize
	caps      *mcp.ClientCapabilities // the client's, from initialize
	// plain: the client offers neither sampling nor elicitation, so no
	// call of the session can ask it anything.
	plain bool
	// logs is set once the agent chose a logging level: the upstream's log
	// messages may then be due on the call's stream.
	logs atomic.Bool
	// sdkSeen is when the go-sdk last served a request of the session
	// (Unix nanoseconds). Its idle timer is reset only by the requests it
	// serves, so the fast path leaves one call to it now and then.
	sdkSeen atomic.Int64

	// mu guards the calls the fast path is answering, by JSON-RPC id, so
	// that the client's notifications/cancelled, and the session's end,
	// cancel them as the go-sdk cancels its own; once closed, the
	// session's requests are the go-sdk's (it answers 404).
	mu     sync.Mutex
	calls  map[jsonrpc.ID][]*context.CancelFunc
	closed bool
}

// begin registers a call of id under way and returns its context, and the
// function that ends it; ok is false once the session is closed.
func (f *fastSession) begin(parent context.Context, id jsonrpc.ID) (ctx context.Context, end func(), ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, nil, false
	}
	ctx, cancel := context.WithCancel(parent)
	c := &cancel
	if f.calls == nil {
		f.calls = map[jsonrpc.ID][]*context.CancelFunc{}
	}
	f.calls[id] = append(f.calls[id], c)
	return ctx, func() {
		f.mu.Lock()
		if rest := slices.DeleteFunc(f.calls[id], func(x *context.CancelFunc) bool { return x == c }); len(rest) > 0 {
			f.calls[id] = rest
		} else {
			delete(f.calls, id)
		}
		f.mu.Unlock()
		cancel()
	}, true
}

// cancel cancels the calls of id under way (the client's
// notifications/cancelled).
func (f *fastSession) cancel(id jsonrpc.ID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls[id] {
		(*c)()
	}
}

// close cancels every call under way and leaves the session's requests
// to the go-sdk from now on.
func (f *fastSession) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for _, cs := range f.calls {
		for _, c := range cs {
			(*c)()
		}
	}
}

// registerSession notes a session that finished initializing (the
// notifications/initialized the middleware saw).
func (s *Server) registerSession(req mcp.Request) {
	ss, ok := req.GetSession().(*mcp.ServerSession)
	if !ok || ss == nil || ss.ID() == "" {
		return
	}
	p, err := principalOf(req)
	params := ss.InitializeParams()
	if err != nil || params == nil {
		return
	}
	caps := params.Capabilities
	f := &fastSession{ss: ss, principal: p.ID, version: params.ProtocolVersion, caps: caps,
		plain: caps == nil || (caps.Sampling == nil && caps.Elicitation == nil)}
	f.sdkSeen.Store(time.Now().UnixNano())
	if _, loaded := s.fast.LoadOrStore(ss.ID(), f); loaded {
		return
	}
	go func() {
		_ = ss.Wait()
		s.endFast(ss.ID(), f)
	}()
}

// endFast closes the fast path of session id (f, while registered) and
// forgets it.
func (s *Server) endFast(id string, f *fastSession) {
	f.close()
	s.fast.CompareAndDelete(id, f)
}

// cancelFast cancels the fast-path calls a notifications/cancelled names.
func (s *Server) cancelFast(req mcp.Request) {
	params, ok := req.GetParams().(*mcp.CancelledParams)
	ss, _ := req.GetSession().(*mcp.ServerSession)
	if !ok || params == nil || ss == nil {
		return
	}
	v, ok := s.fast.Load(ss.ID())
	if !ok {
		return
	}
	if id, err := jsonrpc.MakeID(params.RequestID); err == nil {
		v.(*fastSession).cancel(id)
	}
}

// sessionDeleted closes the fast path of the session r deletes, before the
// go-sdk does (its own end of the session is noticed a little later), so
// that no call of it is answered or goes on once the DELETE is taken. A
// DELETE of another agent's session is the go-sdk's to refuse.
func (s *Server) sessionDeleted(r *http.Request, p *aos.Principal) {
	id := r.Header.Get("Mcp-Session-Id")
	if r.Method != http.MethodDelete || id == "" {
		return
	}
	if v, ok := s.fast.Load(id); ok && v.(*fastSession).principal == p.ID {
		s.endFast(id, v.(*fastSession))
	}
}

// sessionLogs notes that a session's agent set a logging level.
func (s *Server) sessionLogs(req mcp.Request) {
	if ss, ok := req.GetSession().(*mcp.ServerSession); ok && ss != nil {
		if f, ok := s.fast.Load(ss.ID()); ok {
			f.(*fastSession).logs.Store(true)
		}
	}
}

// sdkServes notes that the go-sdk serves a request of session id.
func (s *Server) sdkServes(id string) {
	if f, ok := s.fast.Load(id); ok {
		f.(*fastSession).sdkSeen.Store(time.Now().UnixNano())
	}
}

// fastCall answers r, a POST of a 2025-11-25 session by agent p, if it is
// a tools/call the fast path may take, and reports whether it did. When it
// did not, r.Body reads the same bytes again.
func (s *Server) fastCall(w http.ResponseWriter, r *http.Request, p *aos.Principal) bool {
	id := r.Header.Get("Mcp-Session-Id")
	if r.Method != http.MethodPost || id == "" {
		return false
	}
	v, ok := s.fast.Load(id)
	if !ok {
		return false
	}
	f := v.(*fastSession)
	if !f.eligible(r, p, s.sessionTimeout()) {
		s.sdkServes(id)
		return false
	}
	body, ok := s.readBody(r)
	if !ok {
		return false
	}
	call, ok := parseFastCall(body, aosMetaKeys...)
	if !ok {
		s.sdkServes(id)
		return false
	}
	if _, own := s.ownTool(call.name); own {
		s.sdkServes(id)
		return false
	}
	rpcID, ok := callID(call.id)
	if !ok {
		s.sdkServes(id)
		return false
	}
	ctx, end, ok := f.begin(r.Context(), rpcID)
	if !ok {
		return false
	}
	defer end()
	relay := &sessionRelay{session: f.ss, caps: f.caps}
	res, raw, err := s.runTool(ctx, p, call.name, call.meta, call.args, relay)
	if raw != nil && !isObject(raw) {
		res, err = s.decodeResult(call.name, raw)
		raw = nil
	}
	writeFastAnswer(w, call.id, res, raw, err)
	s.fastCalls.Add(1)
	return true
}

// callID is a request's id (validID) as the go-sdk keys its requests.
func callID(raw json.RawMessage) (jsonrpc.ID, bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return jsonrpc.ID{}, false
	}
	id, err := jsonrpc.MakeID(v)
	return id, err == nil
}

// isObject reports whether raw is one valid JSON object.
func isObject(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '{' && json.Valid(t)
}

// readBody reads r's body, up to the endpoint's bound, and leaves r.Body
// reading the same bytes again for the go-sdk; ok is false when it could
// not be read whole.
func (s *Server) readBody(r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, s.maxRequest+1))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, err == nil && int64(len(body)) <= s.maxRequest
}

// eligible reports whether a request of the session may take the fast
// path, by what its headers and the session say.
func (f *fastSession) eligible(r *http.Request, p *aos.Principal, timeout time.Duration) bool {
	if f.principal != p.ID || !f.plain || f.logs.Load() || f.version < "2025-06-18" || f.version >= statelessVersion ||
		r.Header.Get("Mcp-Protocol-Version") != f.version ||
		time.Since(time.Unix(0, f.sdkSeen.Load())) > timeout/2 {
		return false
	}
	return plainHeaders(r, "Mcp-Session-Id", "Mcp-Protocol-Version")
}

// plainHeaders reports whether r is a POST of JSON that accepts both
// JSON and an event stream, whose MCP header fields are only those named
// (each once) and which resumes no stream (Last-Event-ID).
func plainHeaders(r *http.Request, mcpFields ...string) bool {
	for name, vs := range r.Header {
		if contains(mcpFields, name) {
			if len(vs) != 1 {
				return false
			}
			continue
		}
		if strings.HasPrefix(name, "Mcp-") || name == "Last-Event-Id" {
			return false
		}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return false
	}
	var jsonOK, streamOK bool
	for _, accept := range r.Header.Values("Accept") {
		for _, item := range strings.Split(accept, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(item))
			if err != nil {
				continue
			}
			switch mt {
			case "application/json", "application/*", "*/*":
				jsonOK = true
			}
			switch mt {
			case "text/event-stream", "text/*", "*/*":
				streamOK = true
			}
		}
	}
	return jsonOK && streamOK
}

// Keys of a 2026-07-28 request's _meta (SEP-2575), which the go-sdk reads
// and checks before any handler.
const (
	metaProtocolVersion    = "io.modelcontextprotocol/protocolVersion"
	metaClientInfo         = "io.modelcontextprotocol/clientInfo"
	metaClientCapabilities = "io.modelcontextprotocol/clientCapabilities"
	metaServerInfo         = "io.modelcontextprotocol/serverInfo"
)

// statelessMetaKeys are the _meta keys a 2026-07-28 tools/call may hold
// on the fast path: aos's own and the request's protocol version, client
// and capabilities (not its log level, nor a progress token).
var statelessMetaKeys = append([]string{metaProtocolVersion, metaClientInfo, metaClientCapabilities}, aosMetaKeys...)

// fastStateless answers r, a 2026-07-28 request by agent p, if it is a
// tools/call the fast path may take, and reports whether it did (when it
// did not, r.Body reads the same bytes again). Such a request has no
// session: what the go-sdk checks of it (the Mcp-Method and Mcp-Name
// header fields against the body, the protocol version in _meta against
// the header field, the client's capabilities and information) is
// checked here, and a request that fails any check is left to the go-sdk,
// which answers it with its error. A call of a 2026-07-28 client can ask
// nothing of it (aos cannot send it requests) and is sent no log messages
// unless its _meta names a level (then it is the go-sdk's).
func (s *Server) fastStateless(w http.ResponseWriter, r *http.Request, p *aos.Principal) bool {
	if r.Method != http.MethodPost || r.Header.Get("Mcp-Protocol-Version") != statelessVersion ||
		r.Header.Get("Mcp-Method") != "tools/call" ||
		!plainHeaders(r, "Mcp-Protocol-Version", "Mcp-Method", "Mcp-Name") {
		return false
	}
	body, ok := s.readBody(r)
	if !ok {
		return false
	}
	call, ok := parseFastCall(body, statelessMetaKeys...)
	if !ok || call.name != r.Header.Get("Mcp-Name") {
		return false
	}
	if _, own := s.ownTool(call.name); own {
		return false
	}
	caps, ok := statelessClient(call.meta)
	if !ok {
		return false
	}
	relay := &sessionRelay{caps: caps, stateless: true}
	res, raw, err := s.runTool(r.Context(), p, call.name, call.meta, call.args, relay)
	if raw != nil && !isObject(raw) {
		res, err = s.decodeResult(call.name, raw)
		raw = nil
	}
	if raw == nil && err == nil {
		raw, err = json.Marshal(res)
	}
	if err == nil {
		raw, err = completeResult(raw)
	}
	writeFastAnswer(w, call.id, nil, raw, err)
	s.fastCalls.Add(1)
	return true
}

// statelessClient checks a 2026-07-28 request's _meta as the go-sdk
// does before any handler: the protocol version is 2026-07-28, the
// client's capabilities are there and read as capabilities, its
// information, if any, as an implementation. ok is false otherwise.
func statelessClient(meta mcp.Meta) (*mcp.ClientCapabilities, bool) {
	if v, _ := meta[metaProtocolVersion].(string); v != statelessVersion {
		return nil, false
	}
	var caps mcp.ClientCapabilities
	if !metaValue(meta, metaClientCapabilities, &caps) {
		return nil, false
	}
	if _, ok := meta[metaClientInfo]; ok {
		var info mcp.Implementation
		if !metaValue(meta, metaClientInfo, &info) {
			return nil, false
		}
	}
	return &caps, true
}

// metaValue reads _meta's key, a JSON object, into v.
func metaValue(meta mcp.Meta, key string, v any) bool {
	m, ok := meta[key].(map[string]any)
	if !ok {
		return false
	}
	b, err := json.Marshal(m)
	return err == nil && json.Unmarshal(b, v) == nil
}

// completeResult is a tool's result as 2026-07-28 answers it, as the
// go-sdk finishes it: a complete result (resultType), naming the server
// in its _meta unless it already names one.
func completeResult(result []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(result, &m); err != nil || m == nil {
		return nil, errNotAResult
	}
	meta := map[string]json.RawMessage{}
	if raw, ok := m["_meta"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &meta); err != nil || meta == nil {
			return nil, errNotAResult
		}
	}
	if _, ok := meta[metaServerInfo]; !ok {
		info, err := json.Marshal(implementation())
		if err != nil {
			return nil, err
		}
		meta[metaServerInfo] = info
	}
	var err error
	if m["_meta"], err = json.Marshal(meta); err != nil {
		return nil, err
	}
	m["resultType"] = json.RawMessage(`"complete"`)
	return json.Marshal(m)
}

var errNotAResult = errors.New("a tool's result that is not a JSON object")

// fastCallMsg is a tools/call as the fast path reads it.
type fastCallMsg struct {
	id   json.RawMessage // a JSON string or integer, as sent
	name string
	args json.RawMessage
	meta mcp.Meta
}

// parseFastCall reads body as a tools/call the fast path may take: one
// JSON-RPC 2.0 request object whose members are exactly jsonrpc, id,
// method and params; params holds a name and no more than arguments (an
// object or null) and _meta, whose keys are only among metaKeys (at least
// one). Member names are matched exactly, each at most once. Anything
// else is the go-sdk's to answer.
func parseFastCall(body []byte, metaKeys ...string) (fastCallMsg, bool) {
	var msg fastCallMsg
	top, ok := members(body, "jsonrpc", "id", "method", "params")
	if !ok || len(top) != 4 || string(top["jsonrpc"]) != `"2.0"` || string(top["method"]) != `"tools/call"` || !validID(top["id"]) {
		return msg, false
	}
	params, ok := members(top["params"], "name", "arguments", "_meta")
	if !ok {
		return msg, false
	}
	if json.Unmarshal(params["name"], &msg.name) != nil || msg.name == "" {
		return msg, false
	}
	if a, ok := params["arguments"]; ok && string(a) != "null" {
		if _, ok := members(a); !ok {
			return msg, false
		}
		msg.args = a
	}
	if m, ok := params["_meta"]; ok {
		if _, ok := members(m, metaKeys...); !ok || len(metaKeys) == 0 {
			return msg, false
		}
		if json.Unmarshal(m, &msg.meta) != nil {
			return msg, false
		}
	}
	msg.id = top["id"]
	return msg, true
}

// aosMetaKeys are aos's own keys of a tools/call's _meta.
var aosMetaKeys = []string{MetaPurpose, MetaRecommendation, MetaAlternatives}

// members reads data as one JSON object whose member names are all among
// allowed (any name when allowed is empty), each at most once, and
// returns its members' values.
func members(data []byte, allowed ...string) (map[string]json.RawMessage, bool) {
	var out map[string]json.RawMessage
	if json.Unmarshal(data, &out) != nil || out == nil {
		return nil, false
	}
	if len(allowed) > 0 {
		for name := range out {
			if !contains(allowed, name) {
				return nil, false
			}
		}
	}
	return out, countMembers(data) == len(out) // else a name came twice
}

// countMembers counts the members of the JSON object data (valid JSON).
func countMembers(data []byte) int {
	n, depth, inString, escaped, empty := 0, 0, false, false, true
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
			if depth == 1 {
				empty = false
			}
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		case c == ',' && depth == 1:
			n++
		}
	}
	if empty {
		return 0
	}
	return n + 1
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validID reports whether id is a JSON-RPC id the fast path echoes as
// it came: a string, or an integer without sign, fraction or exponent
// beyond a leading minus.
func validID(id json.RawMessage) bool {
	if len(id) == 0 {
		return false
	}
	if id[0] == '"' {
		var s string
		return json.Unmarshal(id, &s) == nil
	}
	digits := id
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 15 || (digits[0] == '0' && len(digits) > 1) {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// writeFastAnswer writes the answer of a fast-path call as the go-sdk
// writes a 2025-11-25 answer: one server-sent event on the POST's stream.
// A raw result (an upstream's CallToolResult, as the gateway passed it) is
// written as it is, without its line ends (an event's data is one line).
func writeFastAnswer(w http.ResponseWriter, id json.RawMessage, res *mcp.CallToolResult, raw json.RawMessage, err error) {
	var b bytes.Buffer
	b.WriteString("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":")
	b.Write(id)
	if err == nil {
		data := []byte(raw)
		if data == nil {
			data, err = json.Marshal(res)
		} else if bytes.ContainsAny(data, "\r\n") {
			var c bytes.Buffer
			err = json.Compact(&c, data)
			data = c.Bytes()
		}
		if err == nil {
			b.WriteString(`,"result":`)
			b.Write(data)
		}
	}
	if err != nil {
		rpc, ok := err.(*jsonrpc.Error)
		if !ok {
			rpc = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "internal error"}
		}
		data, _ := json.Marshal(rpc)
		b.WriteString(`,"error":`)
		b.Write(data)
	}
	b.WriteString("}\n\n")
	h := w.Header()
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("Content-Type", "text/event-stream")
	h.Set("Connection", "keep-alive")
	// The whole stream is known: its length spares both sides the chunked
	// framing (a client reads an event stream to its end either way).
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}
