package mcpapi_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkCall measures one allowed read (an http connection's GET, to a
// loopback upstream) made by an agent three ways: tools/call on /mcp in a
// 2025-11-25 session and in 2026-07-28 (stateless: each call is a whole
// request), and the same call through POST /v1/call. Each includes the
// gateway's whole pipeline: the evidence written before and after the
// upstream call.
//
//	go test ./mcpapi/ -run '^$' -bench BenchmarkCall -benchtime 2000x
//
// Each runs on an instance of its own, so that none pays for the evidence
// another wrote.
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		b.Run("mcp-tools-call/"+version, func(b *testing.B) {
			w := newWorld(b)
			cs := connect(b, w, w.alice, version, nil)
			params := &mcp.CallToolParams{Name: "crm.GET", Arguments: map[string]any{"path": "/contacts/7"}}
			for b.Loop() {
				res, err := cs.CallTool(ctx, params)
				if err != nil || res.IsError {
					b.Fatalf("%v %+v", err, res)
				}
			}
		})
	}
	b.Run("v1-call", func(b *testing.B) {
		w := newWorld(b)
		client := &http.Client{}
		const body = `{"connection":"crm","operation":"GET","args":{"path":"/contacts/7"}}`
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodPost, w.in.URL+"/v1/call", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+w.alice)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var sink [512]byte
			for {
				if _, err := resp.Body.Read(sink[:]); err != nil {
					break
				}
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

// BenchmarkCallParallel is BenchmarkCall with 32 callers at once (16 per
// CPU on the 2-core machine issue 11 measures on), closed loop: the
// throughput each path sustains. The MCP callers share one session.
//
//	go test ./mcpapi/ -run '^$' -bench BenchmarkCallParallel -benchtime 4000x
func BenchmarkCallParallel(b *testing.B) {
	ctx := context.Background()
	callers := max(1, 32/runtime.GOMAXPROCS(0))
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		b.Run("mcp-tools-call/"+version, func(b *testing.B) {
			w := newWorld(b)
			cs := connect(b, w, w.alice, version, nil)
			b.SetParallelism(callers)
			b.RunParallel(func(pb *testing.PB) {
				params := &mcp.CallToolParams{Name: "crm.GET", Arguments: map[string]any{"path": "/contacts/7"}}
				for pb.Next() {
					res, err := cs.CallTool(ctx, params)
					if err != nil || res.IsError {
						b.Errorf("%v %+v", err, res)
						return
					}
				}
			})
		})
	}
	b.Run("v1-call", func(b *testing.B) {
		w := newWorld(b)
		const body = `{"connection":"crm","operation":"GET","args":{"path":"/contacts/7"}}`
		b.SetParallelism(callers)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest(http.MethodPost, w.in.URL+"/v1/call", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+w.alice)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	})
}

// BenchmarkSessionStart measures starting a 2025-11-25 session on /mcp
// (initialize, initialized) and closing it: each session has an MCP
// server of its own, so that a resource update reaches only its session.
//
//	go test ./mcpapi/ -run '^$' -bench BenchmarkSessionStart -benchtime 500x
func BenchmarkSessionStart(b *testing.B) {
	w := newWorld(b)
	client := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	hc := &http.Client{Transport: bearerTransport{w.alice, http.DefaultTransport}}
	for b.Loop() {
		cs, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: w.mcpURL(), HTTPClient: hc},
			&mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
		if err != nil {
			b.Fatal(err)
		}
		cs.Close()
	}
}
