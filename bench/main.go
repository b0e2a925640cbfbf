// Command bench measures what the boundary costs, side by side in one run:
// a loopback upstream called directly, a bare httputil.ReverseProxy that
// only swaps the token (the yardstick), and aos itself (the real binary,
// one read grant, durable evidence, its home in a temporary folder).
//
//	go run ./bench                       # SQLite home
//	go run ./bench -store postgres://... # PostgreSQL (fresh schemas in that database)
//
// It measures closed-loop throughput with keep-alive clients, open-loop
// latency at fixed rates counted from each request's due time, aos's RSS,
// a 100 MB download through a connection nothing needs to scan, MCP
// tools/call through aos against the same upstream called directly (each
// in a process of its own), the
// evidence append rate under concurrency, `aos evidence verify` of a log
// of -verify-entries entries, and a policy decision among 10,000 grants,
// and prints one table. Figures on a shared machine are noisy: compare
// the rows of one run, and repeat the run (-rounds).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

type config struct {
	aos      string
	base     string
	store    string
	clients  int
	duration time.Duration
	rounds   int
	rates    []int
	entries  int
	writers  []int
	grants   int
	evhome   string
	// fill is how the verify measure fills its log: concurrent writers,
	// entries per Record call, and the log's checkpoint span.
	fillWriters, fillBatch int
	span                   int64
	skip                   map[string]bool
}

func main() {
	serveUpstreamIfAsked()
	var c config
	var rates, skip string
	flag.StringVar(&c.aos, "aos", "", "aos binary to measure (default: build ./cmd/aos)")
	flag.StringVar(&c.base, "aos-base", "", "a second aos binary (say, built from main) measured beside -aos in the same run: closed and open loop, RSS and verify")
	flag.StringVar(&c.store, "store", "", "postgres:// URL: run aos on PostgreSQL (fresh schemas are created in that database)")
	flag.IntVar(&c.clients, "clients", 32, "closed-loop keep-alive clients")
	flag.DurationVar(&c.duration, "duration", 5*time.Second, "length of each closed- and open-loop run")
	flag.IntVar(&c.rounds, "rounds", 3, "closed-loop rounds (direct, bare proxy, aos in turn); the median is reported")
	flag.StringVar(&rates, "rates", "1000", "open-loop rates, requests per second, comma-separated (also the rates of the evidence Record latency measure)")
	flag.IntVar(&c.entries, "verify-entries", 1_000_000, "entries in the log that `aos evidence verify` checks")
	var writers string
	flag.StringVar(&writers, "writers", "64,256", "concurrent Record callers for the append rate, comma-separated")
	flag.IntVar(&c.fillWriters, "fill-writers", 64, "concurrent Record callers filling the log for verify (1 with -fill-batch 1: a batch, and a signed checkpoint, per entry)")
	flag.IntVar(&c.fillBatch, "fill-batch", 10, "entries per Record call filling the log for verify")
	flag.Int64Var(&c.span, "checkpoint-span", 0, "the evidence log's checkpoint span while filling (0: aos's default; 1 keeps every batch's checkpoint, as aos did before it thinned them)")
	flag.IntVar(&c.grants, "grants", 10_000, "grants in the instance for the decision time")
	flag.StringVar(&c.evhome, "evidence-home", "", "keep the instance of the append and verify measures in this folder, and reuse it if it holds one (the log is then only filled up to -verify-entries)")
	flag.StringVar(&skip, "skip", "", "parts to skip, comma-separated: closed,open,fsync,download,mcp,append,verify,decide")
	flag.Parse()
	for _, r := range strings.Split(rates, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(r))
		if err != nil || n <= 0 {
			fatalf("bad -rates %q", rates)
		}
		c.rates = append(c.rates, n)
	}
	for _, w := range strings.Split(writers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n <= 0 {
			fatalf("bad -writers %q", writers)
		}
		c.writers = append(c.writers, n)
	}
	if c.fillWriters <= 0 || c.fillBatch <= 0 || c.span < 0 {
		fatalf("bad -fill-writers, -fill-batch or -checkpoint-span")
	}
	c.skip = map[string]bool{}
	for _, s := range strings.Split(skip, ",") {
		if s != "" {
			c.skip[s] = true
		}
	}
	if err := run(c); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// table collects the rows printed at the end.
type table struct{ rows [][3]string }

func (t *table) add(what, value, note string) {
	t.rows = append(t.rows, [3]string{what, value, note})
	logf("%s: %s %s", what, value, note)
}

func (t *table) print(w io.Writer) {
	fmt.Fprintln(w, "| Measure | Value | Note |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %s | %s | %s |\n", r[0], r[1], r[2])
	}
}

func run(c config) error {
	tmp, err := os.MkdirTemp("", "aos-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if c.aos == "" {
		c.aos = filepath.Join(tmp, "aos")
		logf("building ./cmd/aos")
		cmd := exec.Command("go", "build", "-o", c.aos, "./cmd/aos")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building aos: %w", err)
		}
	}
	var stores []string // one store URL per home; "" is SQLite in the home
	if c.store != "" {
		var drop func()
		if stores, drop, err = pgSchemas(c.store, 3); err != nil {
			return err
		}
		defer drop()
	} else {
		stores = []string{"", "", ""}
	}
	t := &table{}
	storeName := "SQLite (home in " + os.TempDir() + ")"
	if c.store != "" {
		storeName = "PostgreSQL"
	}
	t.add("machine", fmt.Sprintf("%d CPUs, %s/%s, %s", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version()), "store: "+storeName)

	const key = "sk_bench_0123456789abcdef"
	up, err := startUpstream(key)
	if err != nil {
		return err
	}
	defer up.srv.Close()

	in, token, err := setupAOS(c.aos, filepath.Join(tmp, "home"), stores[0], up.url, key)
	if err != nil {
		return err
	}
	defer in.stop()
	var base *instance
	var baseToken string
	if c.base != "" {
		if base, baseToken, err = setupAOS(c.base, filepath.Join(tmp, "home-base"), stores[2], up.url, key); err != nil {
			return err
		}
		defer base.stop()
	}
	bare, err := startBareProxy(up.url, token, key)
	if err != nil {
		return err
	}
	defer bare.srv.Close()

	paths := []target{
		{"direct", up.url + "/v1/contacts", "Bearer " + key},
		{"bare proxy", bare.url + "/v1/contacts", token},
		{"aos", in.url + "/v1/proxy/crm/v1/contacts", token},
	}
	paths[0].token = key
	if base != nil {
		paths = append(paths, target{"aos (base)", base.url + "/v1/proxy/crm/v1/contacts", baseToken})
	}
	// The aos processes, whose CPU per request the loops report.
	procs := map[string]*process{"aos": {cmd: in.cmd}}
	if base != nil {
		procs["aos (base)"] = &process{cmd: base.cmd}
	}
	cpuOf := func(name string) time.Duration {
		if p := procs[name]; p != nil {
			return p.cpu()
		}
		return 0
	}

	if !c.skip["closed"] {
		rps := map[string][]float64{}
		cpu := map[string]time.Duration{}
		reqs := map[string]int64{}
		for round := range c.rounds {
			for _, p := range paths {
				c0 := cpuOf(p.name)
				r, answered, err := closedLoop(p, c.clients, c.duration)
				if err != nil {
					return fmt.Errorf("closed loop %s: %w", p.name, err)
				}
				cpu[p.name] += cpuOf(p.name) - c0
				reqs[p.name] += answered + 1 // and the warming request
				logf("round %d %s: %.0f req/s", round+1, p.name, r)
				rps[p.name] = append(rps[p.name], r)
			}
		}
		bareMedian := median(rps["bare proxy"])
		for _, p := range paths {
			m := median(rps[p.name])
			ratios := ""
			if strings.HasPrefix(p.name, "aos") {
				var rs []string
				for i, r := range rps[p.name] {
					rs = append(rs, fmt.Sprintf("%.2f", r/rps["bare proxy"][i]))
				}
				ratios = "; per round ÷ bare: " + strings.Join(rs, ", ") +
					fmt.Sprintf("; its process's CPU %.0f µs per request", float64(cpu[p.name])/float64(time.Microsecond)/float64(reqs[p.name]))
			}
			t.add(fmt.Sprintf("closed loop, %d clients: %s", c.clients, p.name), fmt.Sprintf("%.0f req/s", m),
				fmt.Sprintf("÷ bare proxy %.2f (median of %d rounds: %s%s)", m/bareMedian, c.rounds, fmtFloats(rps[p.name]), ratios))
		}
		rss, hwm, err := in.rss()
		if err == nil {
			t.add(fmt.Sprintf("aos RSS after %d clients", c.clients), fmt.Sprintf("%.0f MB", rss), fmt.Sprintf("peak so far %.0f MB", hwm))
		}
		if base != nil {
			if rss, hwm, err := base.rss(); err == nil {
				t.add(fmt.Sprintf("aos (base) RSS after %d clients", c.clients), fmt.Sprintf("%.0f MB", rss), fmt.Sprintf("peak so far %.0f MB", hwm))
			}
		}
	}
	if !c.skip["open"] {
		for _, rate := range c.rates {
			for _, p := range paths {
				c0 := cpuOf(p.name)
				l, err := openLoop(p, rate, c.duration)
				if err != nil {
					return fmt.Errorf("open loop %s at %d/s: %w", p.name, rate, err)
				}
				note := fmt.Sprintf("%d requests, latency from due time; %d over 1 s", l.sent, l.late)
				if procs[p.name] != nil && l.sent > 0 {
					note += fmt.Sprintf("; its process's CPU %.0f µs per request", float64(cpuOf(p.name)-c0)/float64(time.Microsecond)/float64(l.sent+1)) // and the warming request
				}
				t.add(fmt.Sprintf("open loop %d req/s: %s", rate, p.name),
					fmt.Sprintf("p50 %s, p99 %s, p99.9 %s", ms(l.p50), ms(l.p99), ms(l.p999)), note)
			}
		}
	}
	if !c.skip["fsync"] {
		if err := diskSync(t, tmp, 2000); err != nil {
			return fmt.Errorf("fsync: %w", err)
		}
	}
	if !c.skip["download"] {
		if err := download(t, in, token); err != nil {
			return err
		}
	}
	in.stop()
	if base != nil {
		base.stop()
	}
	if !c.skip["mcp"] {
		if err := mcpBench(t, c, tmp, stores[2]); err != nil {
			return err
		}
	}

	if !c.skip["append"] || !c.skip["verify"] {
		evhome := c.evhome
		if evhome == "" {
			evhome = filepath.Join(tmp, "evhome")
		}
		if err := evidenceBench(t, c, evhome, stores[1]); err != nil {
			return err
		}
	}
	if !c.skip["decide"] {
		decideBench(t, c.grants)
	}
	fmt.Println()
	t.print(os.Stdout)
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func fmtFloats(xs []float64) string {
	var s []string
	for _, x := range xs {
		s = append(s, fmt.Sprintf("%.0f", x))
	}
	return strings.Join(s, ", ")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// download fetches the 100 MB blob through aos while sampling its RSS.
func download(t *table, in *instance, token string) error {
	before, _, _ := in.rss()
	stop := make(chan struct{})
	peak := make(chan float64, 1)
	go func() {
		m := before
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				peak <- m
				return
			case <-tick.C:
				if r, _, err := in.rss(); err == nil && r > m {
					m = r
				}
			}
		}
	}()
	start := time.Now()
	req, _ := http.NewRequest("GET", in.url+"/v1/proxy/files/v1/blob", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	var n int64
	status := 0
	if err == nil {
		status = resp.StatusCode
		n, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	took := time.Since(start)
	close(stop)
	p := <-peak
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	verdict := "streamed"
	if status != 200 || n != blobBytes {
		verdict = fmt.Sprintf("NOT streamed: status %d, %d bytes", status, n)
	}
	t.add("100 MB download through aos", fmt.Sprintf("%.0f MB/s", float64(n)/took.Seconds()/1e6),
		fmt.Sprintf("%s; aos RSS %.0f MB before, peak %.0f MB during", verdict, before, p))
	return nil
}

// setupAOS starts aos serve on a new home, adds the agent and connects
// the upstream twice (crm, files), each granted to the agent; it returns the
// agent's token.
func setupAOS(bin, home, store, upstream, key string) (*instance, string, error) {
	in, err := startAOS(bin, home, store)
	if err != nil {
		return nil, "", err
	}
	token, err := in.cli("", "agent", "add", "bench")
	if err != nil {
		in.stop()
		return nil, "", err
	}
	for _, conn := range [][2]string{{"crm", "/v1/contacts"}, {"files", "/v1/blob"}} {
		// Versions before `connect --to` grant the first scope to the company.
		if _, err := in.cli(key, "connect", "http", conn[0], "--base-url", upstream, "--scope", conn[1], "--to", "bench"); err != nil {
			if _, err2 := in.cli(key, "connect", "http", conn[0], "--base-url", upstream, "--scope", conn[1]); err2 != nil {
				in.stop()
				return nil, "", err
			}
		}
	}
	return in, strings.TrimSpace(token), nil
}

// instance is a running `aos serve`.
type instance struct {
	bin, home, store string
	cmd              *exec.Cmd
	exited           chan struct{} // closed once the process has exited
	url              string
	logs             *os.File
}

func startAOS(bin, home, store string) (*instance, error) {
	logs, err := os.CreateTemp("", "aos-bench-serve-*.log")
	if err != nil {
		return nil, err
	}
	in := &instance{bin: bin, home: home, store: store, logs: logs, exited: make(chan struct{})}
	args := []string{"serve", "--home", home, "--listen", "127.0.0.1:0"}
	if store != "" {
		args = append(args, "--store", store)
	}
	in.cmd = exec.Command(bin, args...)
	in.cmd.Stdout, in.cmd.Stderr = logs, logs
	if err := in.cmd.Start(); err != nil {
		return nil, err
	}
	var waitErr error
	go func() { waitErr = in.cmd.Wait(); close(in.exited) }()
	deadline := time.After(60 * time.Second)
	for in.url == "" {
		select {
		case <-in.exited:
			b, _ := os.ReadFile(logs.Name())
			return nil, fmt.Errorf("aos serve exited: %v\n%s", waitErr, b)
		case <-deadline:
			in.stop()
			return nil, errors.New("aos serve did not start in 60 s")
		case <-time.After(20 * time.Millisecond):
		}
		if b, err := os.ReadFile(filepath.Join(home, "server.url")); err == nil {
			in.url = strings.TrimSpace(string(b))
		}
	}
	return in, nil
}

func (in *instance) stop() {
	if in.cmd == nil {
		return
	}
	in.cmd.Process.Signal(os.Interrupt)
	select {
	case <-in.exited:
	case <-time.After(20 * time.Second):
		in.cmd.Process.Kill()
		<-in.exited
	}
	in.logs.Close()
	os.Remove(in.logs.Name())
	in.cmd = nil
}

// cli runs an owner command against the instance; secret goes to the
// connection's credential through the environment.
func (in *instance) cli(secret string, args ...string) (string, error) {
	args = append(args, "--home", in.home)
	if secret != "" {
		args = append(args, "--credential-env", "BENCH_CREDENTIAL")
	}
	cmd := exec.Command(in.bin, args...)
	cmd.Env = append(os.Environ(), "BENCH_CREDENTIAL="+secret)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("aos %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

// rss returns the server's resident set and its peak, in MB (Linux).
func (in *instance) rss() (rss, hwm float64, err error) {
	if in.cmd == nil {
		return 0, 0, errors.New("not running")
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", in.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			hwm = kb / 1024
		}
	}
	return rss, hwm, s.Err()
}
