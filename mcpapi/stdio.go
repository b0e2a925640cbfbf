package mcpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
)

// Bridge connects an MCP client that speaks only stdio (newline-delimited
// JSON-RPC on in and out) to the /mcp endpoint at url, as the agent whose
// token is token. Each message from in is POSTed with the headers the
// streamable HTTP transport needs (the session, once initialize has
// answered; the protocol version; for 2026-07-28 the Mcp-Method and
// Mcp-Name headers mirrored from the body); every message the endpoint
// answers, as JSON or as server-sent events, is written to out, one a
// line. Requests run concurrently, so a long aos_wait_approval does not
// hold up the others. Bridge returns when in ends (after the answers to
// what it sent) or ctx is done; the token is never written anywhere.
func Bridge(ctx context.Context, in io.Reader, out io.Writer, url, token string, client *http.Client) error {
	if client == nil {
		client = http.DefaultClient
	}
	b := &bridge{url: url, token: token, client: client, out: out}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	var wg sync.WaitGroup
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		msg := append([]byte(nil), line...)
		var head rpcHead
		if err := json.Unmarshal(msg, &head); err != nil {
			b.write([]byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`))
			continue
		}
		if head.Method == "initialize" || head.Method == "server/discover" {
			// The session and version it sets apply to what follows.
			b.post(ctx, msg, head)
			continue
		}
		if head.Method == "notifications/initialized" {
			b.post(ctx, msg, head)
			b.listen(ctx)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.post(ctx, msg, head)
		}()
	}
	wg.Wait()
	b.close()
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the client's messages: %w", err)
	}
	return nil
}

type rpcHead struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		Name string         `json:"name"`
		URI  string         `json:"uri"`
		Meta map[string]any `json:"_meta"`
		// ProtocolVersion is initialize's.
		ProtocolVersion string `json:"protocolVersion"`
	} `json:"params"`
	Result struct {
		ProtocolVersion string `json:"protocolVersion"`
	} `json:"result"`
}

type bridge struct {
	url, token string
	client     *http.Client
	out        io.Writer

	mu        sync.Mutex // guards the fields below and writes to out
	session   string
	version   string
	listening bool
}

func (b *bridge) write(msg []byte) {
	var compact bytes.Buffer
	if json.Compact(&compact, msg) != nil {
		return
	}
	compact.WriteByte('\n')
	b.mu.Lock()
	defer b.mu.Unlock()
	b.out.Write(compact.Bytes())
}

func (b *bridge) headers(h http.Header, head *rpcHead) {
	h.Set("Authorization", "Bearer "+b.token)
	b.mu.Lock()
	session, version := b.session, b.version
	b.mu.Unlock()
	if head != nil {
		if v, _ := head.Params.Meta["io.modelcontextprotocol/protocolVersion"].(string); v != "" {
			version = v
		}
	}
	if session != "" {
		h.Set("Mcp-Session-Id", session)
	}
	if version != "" {
		h.Set("Mcp-Protocol-Version", version)
	}
	if head != nil && version >= statelessVersion && head.Method != "" {
		h.Set("Mcp-Method", head.Method)
		switch head.Method {
		case "tools/call", "prompts/get":
			h.Set("Mcp-Name", head.Params.Name)
		case "resources/read":
			h.Set("Mcp-Name", head.Params.URI)
		}
	}
}

// post sends one message and writes what the endpoint answers.
func (b *bridge) post(ctx context.Context, msg []byte, head rpcHead) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url, bytes.NewReader(msg))
	if err != nil {
		b.fail(head, err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	b.headers(req.Header, &head)
	resp, err := b.client.Do(req)
	if err != nil {
		b.fail(head, "cannot reach aos: "+err.Error())
		return
	}
	defer resp.Body.Close()
	if id := resp.Header.Get("Mcp-Session-Id"); id != "" && head.Method == "initialize" {
		b.mu.Lock()
		b.session = id
		b.mu.Unlock()
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case resp.StatusCode == http.StatusAccepted:
	case ct == "text/event-stream":
		b.events(resp.Body, head)
	case ct == "application/json":
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		if resp.StatusCode >= 300 && !isRPC(body) {
			b.fail(head, fmt.Sprintf("aos answered %s: %s", resp.Status, errorText(body)))
			return
		}
		b.answered(body, head)
	case resp.StatusCode >= 300:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		b.fail(head, fmt.Sprintf("aos answered %s: %s", resp.Status, strings.TrimSpace(string(body))))
	}
}

// answered writes a message from the endpoint, and learns the protocol
// version from initialize's answer.
func (b *bridge) answered(msg []byte, head rpcHead) {
	if head.Method == "initialize" {
		var r rpcHead
		if json.Unmarshal(msg, &r) == nil && r.Result.ProtocolVersion != "" {
			b.mu.Lock()
			b.version = r.Result.ProtocolVersion
			b.mu.Unlock()
		}
	}
	b.write(msg)
}

// events writes the data of each server-sent event.
func (b *bridge) events(body io.Reader, head rpcHead) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var data bytes.Buffer
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if data.Len() > 0 {
				b.answered(data.Bytes(), head)
				data.Reset()
			}
		case strings.HasPrefix(line, "data:"):
			data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	if data.Len() > 0 {
		b.answered(data.Bytes(), head)
	}
}

// listen opens the session's stream of server-initiated messages
// (2025-11-25), once, after initialize.
func (b *bridge) listen(ctx context.Context) {
	b.mu.Lock()
	if b.listening || b.session == "" || b.version >= statelessVersion {
		b.mu.Unlock()
		return
	}
	b.listening = true
	b.mu.Unlock()
	go func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.url, nil)
		if err != nil {
			return
		}
		req.Header.Set("Accept", "text/event-stream")
		b.headers(req.Header, nil)
		resp, err := b.client.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			b.events(resp.Body, rpcHead{})
		}
	}()
}

// close ends the session, if there is one.
func (b *bridge) close() {
	b.mu.Lock()
	session := b.session
	b.mu.Unlock()
	if session == "" {
		return
	}
	req, err := http.NewRequest(http.MethodDelete, b.url, nil)
	if err != nil {
		return
	}
	b.headers(req.Header, nil)
	if resp, err := b.client.Do(req); err == nil {
		resp.Body.Close()
	}
}

// fail answers a request the endpoint did not with a JSON-RPC error;
// a notification or response that could not be delivered is dropped.
func (b *bridge) fail(head rpcHead, message string) {
	if head.Method == "" || len(head.ID) == 0 || string(head.ID) == "null" {
		return
	}
	msg, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": head.ID,
		"error": map[string]any{"code": -32603, "message": message},
	})
	b.write(msg)
}

func isRPC(body []byte) bool {
	var m struct {
		JSONRPC string `json:"jsonrpc"`
	}
	return json.Unmarshal(body, &m) == nil && m.JSONRPC == "2.0"
}

// errorText is the message of an aos error body, else the body.
func errorText(body []byte) string {
	var e errorBody
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		return e.Error.Code + ": " + e.Error.Message
	}
	return strings.TrimSpace(string(body))
}
