package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/aos-dev/aos"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/aos-dev/aos/gateway"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/vault"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkToolsCall measures tools/call of one upstream tool (echo of
// the test upstream, testServer) by an MCP client (the go-sdk's, in a
// 2025-11-25 session) called directly and through aos, where the agent's
// call goes through /mcp, the gateway's whole pipeline (policy, the
// customer-data scan, the evidence written before and after) and the mcp
// connector's session with the upstream:
//
//	go test ./connector/mcp/ -run '^$' -bench BenchmarkToolsCall -benchtime 2000x
//
// direct-http and aos-http reach the same in-process streamable HTTP
// upstream; aos-http-names is aos-http with the connection's upstream
// names (the agent calls echo, not up.echo: the name is resolved among
// the connections with upstream names); aos-stdio reaches it as a stdio
// upstream (the test binary).
// Two more split the cost: gateway (gateway.Call, as POST /v1/call runs
// it, without HTTP or /mcp) and connector (the mcp connector's Do alone:
// no policy, no evidence).
func BenchmarkToolsCall(b *testing.B) {
	ctx := context.Background()
	args := map[string]any{"msg": "hello"}
	call := func(b *testing.B, cs *sdk.ClientSession, name string) {
		params := &sdk.CallToolParams{Name: name, Arguments: args}
		cpu := cpuTime(b)
		for b.Loop() {
			res, err := cs.CallTool(ctx, params)
			if err != nil || res.IsError {
				b.Fatalf("%v %+v", err, res)
			}
		}
		reportCPU(b, cpu)
	}
	b.Run("direct-http", func(b *testing.B) {
		call(b, clientSession(b, upstreamServer(b, false).URL, ""), "echo")
	})
	for _, via := range []string{"aos-http", "aos-http-names", "aos-stdio", "gateway", "connector"} {
		b.Run(via, func(b *testing.B) {
			r := newRig(b)
			settings := map[string]any{"read_tools": []string{"annotated"}}
			name := "up.echo"
			if via == "aos-http-names" {
				settings["upstream_names"], name = true, "echo"
			}
			var base, cred string
			if via != "aos-stdio" {
				base, cred = upstreamServer(b, false).URL, "none"
				b.Cleanup(func() { r.k.Close() }) // before the upstream closes: its event stream is open
			} else {
				settings["argv"] = selfCommand(b)
				cred = "AOS_MCP_TEST_UPSTREAM=1"
			}
			c, token := benchConnection(b, r, settings, base, cred)
			raw := json.RawMessage(`{"msg":"hello"}`)
			switch via {
			case "gateway":
				p, err := r.in.Gateway.Authenticate(ctx, token)
				if err != nil {
					b.Fatal(err)
				}
				cpu := cpuTime(b)
				for b.Loop() {
					if _, err := r.in.Gateway.Call(ctx, p, gateway.CallRequest{Connection: "up", Operation: "echo", Args: raw}); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpu)
			case "connector":
				k, secret := r.k, vault.NewSecret([]byte(cred))
				cl, err := k.FromCall(c, "echo", raw)
				if err != nil {
					b.Fatal(err)
				}
				cpu := cpuTime(b)
				for b.Loop() {
					if _, err := k.Do(ctx, c, secret, cl); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, cpu)
			default:
				call(b, clientSession(b, r.in.URL+"/mcp", token), name)
			}
		})
	}
}

// benchConnection connects the upstream as "up" with settings, base URL
// and credential, and grants its echo tool to a new agent, whose token it
// returns with the connection.
func benchConnection(b *testing.B, r *rig, settings map[string]any, base, cred string) (*aos.Connection, string) {
	b.Helper()
	c, err := r.connect(b, "up", "", false, settings, base, cred)
	if err != nil {
		b.Fatal(err)
	}
	token := r.in.Agent(b, "bench", "qa")
	r.in.Grant(b, owner.GrantRequest{Connection: "up", Scope: "tool:echo", To: "bench"})
	return c, token
}

// reportCPU reports the CPU time the process used since cpu per call, as
// cpu-µs/op: the client's, aos's and the upstream's together, less
// sensitive than ns/op to what else runs on the machine.
func reportCPU(b *testing.B, cpu time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime(b)-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
	}
}

// clientSession connects the go-sdk client to url, with token as the
// bearer token when set, at protocol revision version (2025-11-25 when
// none is given). Each session has a transport of its own, as the
// agents of different processes do: its connections are kept between
// calls (http.DefaultTransport keeps two per host, so 32 sessions sharing
// it would dial for nearly every call).
func clientSession(b testing.TB, url, token string, version ...string) *sdk.ClientSession {
	b.Helper()
	base := http.DefaultTransport.(*http.Transport).Clone()
	b.Cleanup(base.CloseIdleConnections)
	hc := &http.Client{Transport: &bearerTransport{token: token, base: base}}
	protocol := "2025-11-25"
	if len(version) > 0 {
		protocol = version[0]
	}
	c := sdk.NewClient(&sdk.Implementation{Name: "bench", Version: "1"}, nil)
	cs, err := c.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: url, HTTPClient: hc},
		&sdk.ClientSessionOptions{ProtocolVersion: protocol})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cs.Close() })
	return cs
}

type bearerTransport struct {
	token string
	base  http.RoundTripper // http.DefaultTransport if nil
}

func (t *bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	if t.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+t.token)
	}
	return base.RoundTrip(r)
}

// upstreamServer serves testServer over streamable HTTP, without sessions
// when stateless (2026-07-28 needs that of the go-sdk's server).
func upstreamServer(b testing.TB, stateless bool) *httptest.Server {
	var ts *httptest.Server
	side(b, "upstream", func() {
		srv := testServer()
		ts = httptest.NewServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv },
			&sdk.StreamableHTTPOptions{Stateless: stateless}))
	})
	b.Cleanup(ts.Close)
	return ts
}

// side runs f with the profiler label side=name, which the goroutines f
// starts keep: a CPU profile of BenchmarkToolsCallParallel tells the
// callers' CPU (client), aos's (aos) and the upstream's (upstream) apart,
// with -tagfocus side=aos for example. The garbage collector's is
// unlabelled.
func side(_ testing.TB, name string, f func()) {
	pprof.Do(context.Background(), pprof.Labels("side", name), func(context.Context) { f() })
}

// BenchmarkToolsCallParallel is BenchmarkToolsCall with 32 callers, each
// on a session of its own (the -2026 runs: 2026-07-28 clients, which have
// none, against the upstream served without sessions; aos keeps its
// 2025-11-25 session with it): what a busy upstream sees when agents share
// it, where the gateway's durable authorisations are committed together
// (group commit) rather than one after another. ns/op is the time per
// call of the whole group; client, aos and upstream share the machine's
// cores, so it is bounded by the CPU they use together (cpu-µs/op).
// gateway and connector split aos's part as BenchmarkToolsCall's do, with
// 32 goroutines calling gateway.Call or the connector's Do.
func BenchmarkToolsCallParallel(b *testing.B) {
	ctx := context.Background()
	args := map[string]any{"msg": "hello"}
	const callers = 32
	parallel := func(b *testing.B, setup func() func() error) {
		b.SetParallelism((callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.ResetTimer()
		cpu := cpuTime(b)
		defer reportCPU(b, cpu)
		b.RunParallel(func(pb *testing.PB) {
			pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("side", "client")))
			call := setup()
			for pb.Next() {
				if err := call(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	run := func(b *testing.B, url, token, name string, version ...string) {
		sessions := make(chan *sdk.ClientSession, callers)
		for range callers {
			side(b, "client", func() { sessions <- clientSession(b, url, token, version...) })
		}
		parallel(b, func() func() error {
			cs := <-sessions
			params := &sdk.CallToolParams{Name: name, Arguments: args}
			return func() error {
				res, err := cs.CallTool(ctx, params)
				if err == nil && res.IsError {
					err = fmt.Errorf("tool error: %+v", res.Content)
				}
				return err
			}
		})
	}
	b.Run("direct-http", func(b *testing.B) {
		ts := upstreamServer(b, false)
		run(b, ts.URL, "", "echo")
	})
	b.Run("direct-http-2026", func(b *testing.B) {
		ts := upstreamServer(b, true)
		run(b, ts.URL, "", "echo", "2026-07-28")
	})
	for _, via := range []string{"aos-http", "aos-http-2026", "gateway", "connector"} {
		b.Run(via, func(b *testing.B) {
			var r *rig
			side(b, "aos", func() { r = newRig(b) })
			ts := upstreamServer(b, via == "aos-http-2026")
			b.Cleanup(func() { r.k.Close() })
			c, token := benchConnection(b, r, map[string]any{"read_tools": []string{"annotated"}}, ts.URL, "none")
			raw := json.RawMessage(`{"msg":"hello"}`)
			switch via {
			case "gateway":
				p, err := r.in.Gateway.Authenticate(ctx, token)
				if err != nil {
					b.Fatal(err)
				}
				parallel(b, func() func() error {
					pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("side", "aos")))
					return func() error {
						_, err := r.in.Gateway.Call(ctx, p, gateway.CallRequest{Connection: "up", Operation: "echo", Args: raw})
						return err
					}
				})
			case "connector":
				secret := vault.NewSecret([]byte("none"))
				cl, err := r.k.FromCall(c, "echo", raw)
				if err != nil {
					b.Fatal(err)
				}
				parallel(b, func() func() error {
					pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("side", "aos")))
					return func() error {
						_, err := r.k.Do(ctx, c, secret, cl)
						return err
					}
				})
			case "aos-http-2026":
				run(b, r.in.URL+"/mcp", token, "up.echo", "2026-07-28")
			default:
				run(b, r.in.URL+"/mcp", token, "up.echo")
			}
		})
	}
}
