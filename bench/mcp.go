package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The MCP measure: tools/call of one read-only tool (echo) of an upstream
// MCP server, called by 32 MCP client sessions (the go-sdk's) directly and
// through aos, closed loop, in alternating rounds: under 2025-11-25
// (sessions), and under 2026-07-28 (no sessions: its clients against the
// upstream served without them, as the go-sdk's server needs for it). Unlike
// the in-process BenchmarkToolsCallParallel (connector/mcp), the client
// (this process), aos and the upstream each run in a process of their
// own, with a garbage collector of its own, as they do in use: in one
// process the go-sdk's allocations on the client and upstream side drive
// collections that every part pays for.

// upstreamEnv names the address a re-executed bench serves the upstream on.
const upstreamEnv = "AOS_BENCH_MCP_UPSTREAM"

// serveUpstreamIfAsked serves the bench's MCP upstream, and never returns,
// when this process was started as one.
func serveUpstreamIfAsked() {
	if os.Getenv(upstreamEnv) == "" {
		return
	}
	srv := mcp.NewServer(&mcp.Implementation{Name: "bench-upstream", Version: "1"}, nil)
	type args struct {
		Msg string `json:"msg"`
	}
	mcp.AddTool(srv, &mcp.Tool{Name: "echo", Description: "Answers its msg.", Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
		func(_ context.Context, _ *mcp.CallToolRequest, a args) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: a.Msg}}}, nil, nil
		})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatalf("upstream: %v", err)
	}
	fmt.Printf("http://%s/mcp\n", ln.Addr())
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv },
		&mcp.StreamableHTTPOptions{Stateless: os.Getenv(upstreamEnv) == "stateless"})
	fatalf("upstream: %v", http.Serve(ln, h))
}

// process is a child process of the bench whose CPU time is read.
type process struct {
	cmd *exec.Cmd
}

// cpu is the process's user and system CPU time so far (Linux).
func (p *process) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command name (which may hold spaces) start
	// with the state; utime and stime are the 14th and 15th fields.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(u+st) * time.Second / 100 // USER_HZ
}

// selfCPU is this process's user and system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startMCPUpstream starts the bench binary again as the upstream, served
// without sessions when stateless.
func startMCPUpstream(stateless bool) (*process, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(self)
	mode := "1"
	if stateless {
		mode = "stateless"
	}
	cmd.Env = append(os.Environ(), upstreamEnv+"="+mode)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, "", fmt.Errorf("the MCP upstream did not start: %w", err)
	}
	return &process{cmd: cmd}, strings.TrimSpace(line), nil
}

func (p *process) stop() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// mcpBench measures tools/call directly and through aos (bin, a new home
// in tmp), under both revisions, and adds its rows to t.
func mcpBench(t *table, c config, tmp string, store string) error {
	up, url, err := startMCPUpstream(false)
	if err != nil {
		return err
	}
	defer up.stop()
	up26, url26, err := startMCPUpstream(true)
	if err != nil {
		return err
	}
	defer up26.stop()
	in, err := startAOS(c.aos, filepath.Join(tmp, "home-mcp"), store)
	if err != nil {
		return err
	}
	defer in.stop()
	token, err := in.cli("", "agent", "add", "bench")
	if err != nil {
		return err
	}
	token = strings.TrimSpace(token)
	for name, u := range map[string]string{"up": url, "up26": url26} {
		if _, err := in.cli("none", "connect", "mcp", name, "--base-url", u, "--read-tools", "annotated",
			"--scope", "tool:echo", "--to", "bench"); err != nil {
			return err
		}
	}
	aosProc := &process{cmd: in.cmd}
	type path struct {
		name, direct, url, token, tool, version string
		up                                      *process
	}
	paths := []path{
		{"direct", "direct", url, "", "echo", "2025-11-25", up},
		{"aos", "direct", in.url + "/mcp", token, "up.echo", "2025-11-25", up},
		{"direct, 2026-07-28", "direct, 2026-07-28", url26, "", "echo", "2026-07-28", up26},
		{"aos, 2026-07-28", "direct, 2026-07-28", in.url + "/mcp", token, "up26.echo", "2026-07-28", up26},
	}
	rates := map[string][]float64{}
	cpu := map[string][3]time.Duration{} // client, aos, upstream per call, summed over rounds
	calls := map[string]int64{}
	for round := range c.rounds {
		for _, p := range paths {
			c0, a0, u0 := selfCPU(), aosProc.cpu(), p.up.cpu()
			n, took, err := mcpClosedLoop(p.url, p.token, p.tool, p.version, c.clients, c.duration)
			if err != nil {
				return fmt.Errorf("MCP closed loop %s: %w", p.name, err)
			}
			c1, a1, u1 := selfCPU(), aosProc.cpu(), p.up.cpu()
			r := float64(n) / took.Seconds()
			logf("round %d MCP %s: %.0f calls/s", round+1, p.name, r)
			rates[p.name] = append(rates[p.name], r)
			s := cpu[p.name]
			s[0] += c1 - c0
			s[1] += a1 - a0
			s[2] += u1 - u0
			cpu[p.name] = s
			calls[p.name] += n
		}
	}
	for _, p := range paths {
		m, direct := median(rates[p.name]), median(rates[p.direct])
		var per []string
		for i, r := range rates[p.name] {
			per = append(per, fmt.Sprintf("%.2f", r/rates[p.direct][i]))
		}
		s, n := cpu[p.name], float64(calls[p.name])
		us := func(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/float64(time.Microsecond)/n) }
		t.add(fmt.Sprintf("MCP tools/call, %d sessions: %s", c.clients, p.name), fmt.Sprintf("%.0f calls/s", m),
			fmt.Sprintf("÷ direct %.2f (median of %d rounds: %s; per round ÷ direct: %s); CPU µs per call: client %s, aos %s, upstream %s",
				m/direct, c.rounds, fmtFloats(rates[p.name]), strings.Join(per, ", "), us(s[0]), us(s[1]), us(s[2])))
	}
	return nil
}

// mcpClosedLoop runs clients go-sdk client sessions at protocol revision
// version, each with a transport of its own, calling tool for d, and
// returns how many calls were answered and in how long.
func mcpClosedLoop(url, token, tool, version string, clients int, d time.Duration) (int64, time.Duration, error) {
	ctx := context.Background()
	sessions := make([]*mcp.ClientSession, clients)
	for i := range sessions {
		tr := tunedTransport()
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: &bearer{token: token, base: tr}}
		cl := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
		cs, err := cl.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc},
			&mcp.ClientSessionOptions{ProtocolVersion: version})
		if err != nil {
			return 0, 0, err
		}
		defer cs.Close()
		sessions[i] = cs
	}
	params := &mcp.CallToolParams{Name: tool, Arguments: map[string]any{"msg": "hello"}}
	call := func(cs *mcp.ClientSession) error {
		res, err := cs.CallTool(ctx, params)
		if err == nil && res.IsError {
			err = errors.New("the call was answered with a tool error")
		}
		return err
	}
	for _, cs := range sessions { // warm: set-up is not measured
		if err := call(cs); err != nil {
			return 0, 0, err
		}
	}
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	start := time.Now()
	for _, cs := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := call(cs); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return n.Load(), time.Since(start), firstErr
}

// bearer adds the agent's token to each request, when there is one.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b *bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.token == "" {
		return b.base.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}
