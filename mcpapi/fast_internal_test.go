package mcpapi

import (
	"strings"
	"testing"
)

// TestParseFastCall: only a tools/call made of the allowed members, each
// once and spelt exactly, with aos's own _meta keys, is read; the rest is
// the go-sdk's.
func TestParseFastCall(t *testing.T) {
	const call = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"crm.GET","arguments":{"path":"/x"},"_meta":{"aos/purpose":"p"}}}`
	msg, ok := parseFastCall([]byte(call), aosMetaKeys...)
	if !ok || msg.name != "crm.GET" || string(msg.args) != `{"path":"/x"}` || msg.meta["aos/purpose"] != "p" || string(msg.id) != "1" {
		t.Fatalf("parseFastCall(%s) = %+v, %v", call, msg, ok)
	}
	for _, body := range []string{
		`{"jsonrpc":"2.0","id":"a-1","method":"tools/call","params":{"name":"crm.GET"}}`,
		`{"jsonrpc":"2.0","id":-3,"method":"tools/call","params":{"name":"crm.GET","arguments":null}}`,
		` {"params":{"arguments":{},"name":"x.y"},"method":"tools/call","id":0,"jsonrpc":"2.0"} `,
	} {
		if _, ok := parseFastCall([]byte(body), aosMetaKeys...); !ok {
			t.Errorf("parseFastCall(%s) refused a plain call", body)
		}
	}
	for _, body := range []string{
		``, `null`, `[]`, `{}`, `{"jsonrpc":"2.0"}`,
		strings.Replace(call, `"method"`, `"Method"`, 1),
		strings.Replace(call, `"method":"tools/call"`, `"method":"tools/call","method":"tools/list"`, 1),
		strings.Replace(call, `"method":"tools/call"`, `"method":"tools/list"`, 1),
		strings.Replace(call, `"jsonrpc":"2.0"`, `"jsonrpc":"1.0"`, 1),
		strings.Replace(call, `"id":1`, `"id":1.0`, 1),
		strings.Replace(call, `"id":1`, `"id":1e3`, 1),
		strings.Replace(call, `"id":1`, `"id":01`, 1),
		strings.Replace(call, `"id":1`, `"id":null`, 1),
		strings.Replace(call, `"id":1`, `"id":{}`, 1),
		strings.Replace(call, `"id":1,`, ``, 1),
		strings.Replace(call, `"name":"crm.GET"`, `"name":""`, 1),
		strings.Replace(call, `"name":"crm.GET"`, `"name":7`, 1),
		strings.Replace(call, `"name":"crm.GET"`, `"name":"crm.GET","name":"crm.POST"`, 1),
		strings.Replace(call, `{"path":"/x"}`, `["/x"]`, 1),
		strings.Replace(call, `{"path":"/x"}`, `"/x"`, 1),
		strings.Replace(call, `{"path":"/x"}`, `{"path":"/x","path":"/y"}`, 1),
		strings.Replace(call, `"aos/purpose"`, `"progressToken"`, 1),
		strings.Replace(call, `"aos/purpose":"p"`, `"aos/purpose":"p","io.modelcontextprotocol/protocolVersion":"2026-07-28"`, 1),
		strings.Replace(call, `"_meta"`, `"task"`, 1),
		strings.Replace(call, `"_meta"`, `"_Meta"`, 1),
		call + `{}`, call + `x`, `{"jsonrpc":"2.0",` + call[1:],
	} {
		if msg, ok := parseFastCall([]byte(body), aosMetaKeys...); ok {
			t.Errorf("parseFastCall(%s) = %+v; want it left to the go-sdk", body, msg)
		}
	}
}

// FuzzParseFastCall: any body is read or left, never a panic; what is
// read has a name and an id the answer can echo.
func FuzzParseFastCall(f *testing.F) {
	f.Add(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"crm.GET","arguments":{"path":"/x"}}}`)
	f.Add(`{"jsonrpc":"2.0","id":"\u0000","method":"tools/call","params":{"name":"a.b","_meta":{"aos/alternatives":[1]}}}`)
	f.Fuzz(func(t *testing.T, body string) {
		msg, ok := parseFastCall([]byte(body), aosMetaKeys...)
		if ok && (msg.name == "" || !validID(msg.id)) {
			t.Fatalf("parseFastCall(%q) = %+v", body, msg)
		}
	})
}
