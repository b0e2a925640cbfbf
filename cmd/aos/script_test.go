package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos/internal/testenv"
	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"aos": func() {
			// As main does: an interrupt (kill -INT in a script) stops
			// aos serve gracefully.
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
			stop()
			os.Exit(code)
		},
	})
}

// TestScripts walks the command line end to end, as a user would, from the
// scripts in testdata/script. Each script starts `aos serve` on its own
// home, against loopback upstreams that record what they receive.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("AOS_HOME", filepath.Join(e.WorkDir, "home"))
			e.Setenv("XDG_DATA_HOME", filepath.Join(e.WorkDir, "xdg"))
			e.Setenv("MCP_EVERYTHING", filepath.Join(testenv.Root(), ".cache", "bin", "everything-server"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"upstream":     cmdUpstream,
			"waitserver":   cmdWaitServer,
			"call":         cmdCall,
			"upstreamlog":  cmdUpstreamLog,
			"upstreamwait": cmdUpstreamWait,
			"json":         cmdJSON,
			"occupy":       cmdOccupy,
			"pgstore":      cmdPGStore,
		},
		// [pg]: PostgreSQL is reachable. A script that needs it skips with
		// [!pg] skip on a laptop; under CI=true an unreachable PostgreSQL
		// fails the script instead.
		Condition: func(cond string) (bool, error) {
			if cond == "mcp-everything" {
				// The Go SDK's conformance server (scripts/test-deps), as a
				// stdio MCP upstream: $MCP_EVERYTHING.
				if _, err := os.Stat(filepath.Join(testenv.Root(), ".cache", "bin", "everything-server")); err != nil {
					if testenv.CI() {
						return false, fmt.Errorf("everything-server is missing (CI=true, so this fails instead of skipping): run scripts/test-deps")
					}
					return false, nil
				}
				return true, nil
			}
			if cond != "pg" {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			conn, err := pgx.Connect(context.Background(), postgresBase())
			if err != nil {
				if testenv.CI() {
					return false, fmt.Errorf("PostgreSQL is missing (CI=true, so this fails instead of skipping): %v", err)
				}
				return false, nil
			}
			conn.Close(context.Background())
			return true, nil
		},
	})
}

// recorder is a loopback upstream that writes every request it receives to
// a file, so a script can check what crossed the boundary.
type recorder struct {
	mu   sync.Mutex
	path string
	n    int
	body []byte // answer to GET requests, if set
	// allMethods answers every request with body, not only GETs.
	allMethods bool
	// contentType is body's, from the file's extension.
	contentType string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.n++
	var b strings.Builder
	fmt.Fprintf(&b, "REQUEST %d %s %s\n", rec.n, r.Method, r.RequestURI)
	fmt.Fprintf(&b, "HOST %s\n", r.Host)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "HEADER %s: %s\n", k, v)
		}
	}
	if len(body) > 0 {
		fmt.Fprintf(&b, "BODY %s\n", body)
	}
	f, err := os.OpenFile(rec.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		f.WriteString(b.String())
		f.Close()
	}
	n := rec.n
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if rec.body != nil && (r.Method == "GET" || rec.allMethods) {
		if rec.contentType != "" {
			w.Header().Set("Content-Type", rec.contentType)
		}
		w.Write(rec.body)
		return
	}
	fmt.Fprintf(w, `{"upstream":"ok","request":%d,"method":%q,"path":%q}`+"\n", n, r.Method, r.URL.Path)
}

// upstream NAME [FILE [all]] starts a recording upstream and sets
// $NAME_URL to its URL. Requests are logged to $WORK/NAME.requests. With
// FILE, GET requests (with all, every request) are answered with its
// contents.
func cmdUpstream(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 3 || len(args) == 3 && args[2] != "all" {
		ts.Fatalf("usage: upstream NAME [FILE [all]]")
	}
	rec := &recorder{path: ts.MkAbs(args[0] + ".requests")}
	if len(args) >= 2 {
		b, err := os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
		rec.body = b
		rec.allMethods = len(args) == 3
		rec.contentType = mime.TypeByExtension(filepath.Ext(args[1]))
	}
	os.WriteFile(rec.path, nil, 0o644)
	srv := httptest.NewServer(rec)
	ts.Defer(srv.Close)
	ts.Setenv(strings.ToUpper(args[0])+"_URL", srv.URL)
}

// upstreamlog NAME COUNT asserts how many requests NAME received.
func cmdUpstreamLog(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: upstreamlog NAME COUNT")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	b, err := os.ReadFile(ts.MkAbs(args[0] + ".requests"))
	ts.Check(err)
	got := strings.Count(string(b), "REQUEST ")
	if (got == want) == neg {
		ts.Fatalf("%s received %d requests; want %s%d", args[0], got, map[bool]string{true: "not "}[neg], want)
	}
}

// upstreamwait NAME COUNT waits up to 10s until NAME has received at
// least COUNT requests (for asynchronous senders such as webhooks).
func cmdUpstreamWait(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: upstreamwait NAME COUNT")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(ts.MkAbs(args[0] + ".requests"))
		got := strings.Count(string(b), "REQUEST ")
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s received %d requests in 10s; want %d", args[0], got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitserver waits until the server in $AOS_HOME answers.
func cmdWaitServer(ts *testscript.TestScript, neg bool, args []string) {
	deadline := time.Now().Add(20 * time.Second)
	urlFile := filepath.Join(ts.Getenv("AOS_HOME"), serverURLFile)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(urlFile); err == nil {
			u := strings.TrimSpace(string(b))
			if resp, err := http.Get(u + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					ts.Setenv("AOS_URL", u)
					return
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("server did not start within 20s")
}

// call [-token FILE] [-H 'Name: value']... METHOD PATH [BODY] sends a
// request to the server as an agent (token read from FILE) and prints
// "HTTP STATUS" and the body.
func cmdCall(ts *testscript.TestScript, neg bool, args []string) {
	token := ""
	var headers [][2]string
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-token":
			b, err := os.ReadFile(ts.MkAbs(args[1]))
			ts.Check(err)
			token = strings.TrimSpace(string(b))
		case "-H":
			k, v, _ := strings.Cut(args[1], ":")
			headers = append(headers, [2]string{k, strings.TrimSpace(v)})
		default:
			ts.Fatalf("call: unknown flag %s", args[0])
		}
		args = args[2:]
	}
	if len(args) < 2 {
		ts.Fatalf("usage: call [-token FILE] [-H 'K: V'] METHOD PATH [BODY]")
	}
	var body io.Reader
	if len(args) > 2 {
		body = strings.NewReader(args[2])
	}
	req, err := http.NewRequest(args[0], ts.Getenv("AOS_URL")+args[1], body)
	ts.Check(err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, h := range headers {
		req.Header.Add(h[0], h[1])
	}
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(ts.Stdout(), "HTTP %d\n%s\n", resp.StatusCode, b)
	if neg != (resp.StatusCode >= 400) {
		ts.Fatalf("unexpected status %d", resp.StatusCode)
	}
}

// json [PATH[=VALUE]]... decodes the previous command's stdout, which must
// be exactly one JSON value, and checks each PATH (keys and indexes joined
// by dots, such as 0.grantee or grant.scope): present, or equal to VALUE
// (a string, number, bool or null as JSON prints it, strings unquoted).
// #PATH=N checks the length of an array or object. With !, every PATH
// must be absent (or differ from VALUE).
func cmdJSON(ts *testscript.TestScript, neg bool, args []string) {
	dec := json.NewDecoder(strings.NewReader(ts.ReadFile("stdout")))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		ts.Fatalf("stdout is not JSON: %v", err)
	}
	if dec.More() {
		ts.Fatalf("stdout holds more than one JSON value")
	}
	for _, arg := range args {
		path, want, hasWant := strings.Cut(arg, "=")
		length := strings.HasPrefix(path, "#")
		path = strings.TrimPrefix(path, "#")
		got, ok := jsonAt(v, path)
		var s string
		switch {
		case !ok:
		case length:
			switch g := got.(type) {
			case []any:
				s = strconv.Itoa(len(g))
			case map[string]any:
				s = strconv.Itoa(len(g))
			default:
				ts.Fatalf("%s is not an array or object", path)
			}
		default:
			switch g := got.(type) {
			case string:
				s = g
			case nil:
				s = "null"
			default:
				b, _ := json.Marshal(g)
				s = string(b)
			}
		}
		match := ok && (!hasWant || s == want)
		if match == neg {
			if ok {
				ts.Fatalf("json %s: got %s", arg, s)
			}
			ts.Fatalf("json %s: no such path", arg)
		}
	}
}

func jsonAt(v any, path string) (any, bool) {
	if path == "" || path == "." {
		return v, true
	}
	for _, k := range strings.Split(path, ".") {
		switch n := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = n[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			v = n[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// occupy NAME listens on a loopback port until the script ends and sets
// $NAME to its address, for tests of a busy port.
func cmdOccupy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: occupy NAME")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Defer(func() { ln.Close() })
	ts.Setenv(args[0], ln.Addr().String())
}

// pgstore NAME makes a fresh schema in the test PostgreSQL, dropped when
// the script ends, and sets $NAME to a store URL that uses it. Guard it
// with [!pg] skip.
func cmdPGStore(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: pgstore NAME")
	}
	url, drop, err := newPostgresSchema()
	ts.Check(err)
	ts.Defer(drop)
	ts.Setenv(args[0], url)
}
