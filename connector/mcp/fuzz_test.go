package mcp

import (
	"encoding/json"
	"testing"

	"github.com/aos-dev/aos"
)

// FuzzConnector_FromCall maps arbitrary operations and args, as agents
// send them, on a connection with pinned tools and every feature: never a
// panic, and every refusal an *aos.Error with a code of the contract; a
// call that maps is a tool's, or a read of resources or prompts.
func FuzzConnector_FromCall(f *testing.F) {
	for _, seed := range [][2]string{
		{"echo", `{"msg":"hi"}`}, {"echo", ``}, {"echo", `null`}, {"echo", `[1]`}, {"send", `{"a":{"b":[1,2]}}`},
		{"resources/read", `{"uri":"test://x"}`}, {"resources/list", `{"cursor":"c"}`}, {"resources/read", `{}`},
		{"prompts/get", `{"name":"p","arguments":{"k":"v"}}`}, {"prompts/list", `{"uri":"x"}`},
		{"completion/complete", `{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":"b"}}`},
		{"completion/complete", `{"ref":{"type":"ref/resource"}}`}, {"nope", `{}`}, {"", `{`},
	} {
		f.Add(seed[0], seed[1])
	}
	def := json.RawMessage(`{"inputSchema":{"type":"object"},"name":"echo"}`)
	cfg, _ := json.Marshal(&config{Argv: []string{"server"}, Resources: true, Prompts: true, Completions: true, Tools: []*pin{
		{Name: "echo", Access: aos.Read, Digest: "d1", Definition: def},
		{Name: "send", Access: aos.Write, Points: []aos.ApprovalPoint{aos.PointPublicClaim}, Digest: "d2", Definition: def},
	}})
	c := &aos.Connection{ID: 1, Name: "up", Type: Type, BaseURL: "stdio:server", Config: cfg}
	k := New()
	f.Fuzz(func(t *testing.T, op, args string) {
		call, err := k.FromCall(c, op, json.RawMessage(args))
		if err != nil {
			switch aos.ErrorCode(err) {
			case aos.EBadRequest, aos.EUnknownOperation, aos.ETooLarge, aos.EToolNotAccepted:
			default:
				t.Fatalf("FromCall(%q, %q): %v", op, args, err)
			}
			return
		}
		switch call.Resource {
		case "tool:echo", "tool:send", "resources", "prompts":
		default:
			t.Fatalf("FromCall(%q, %q) reaches %q", op, args, call.Resource)
		}
		if call.Upstream == nil || !json.Valid(call.Upstream.Body) {
			t.Fatalf("FromCall(%q, %q): upstream body %q", op, args, call.Upstream.Body)
		}
		if call.Resource == "tool:send" && !call.Facts.Public {
			t.Fatalf("send lost its public-claim point")
		}
	})
}
