package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkCall compares a call through the gateway (authenticate, decide,
// durable evidence before and after, credential opened, upstream called)
// with a direct call to the same loopback upstream, in one run.
func BenchmarkCall(b *testing.B) {
	up := newUpstream(b)
	in := startInstance(b, "")
	token := strings.TrimSpace(in.must(b, "", "agent", "add", "bench"))
	in.must(b, "key", "connect", "http", "crm", "--base-url", up.URL, "--scope", "/v1/contacts", "--to", "company")
	// One client with enough idle connections for every parallel worker, so
	// both sides measure requests rather than connection set-up.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	run := func(b *testing.B, url, token string, parallelism int) {
		b.SetParallelism(parallelism)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest("GET", url, nil)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
	// Two callers per core, then sixteen: group commit shares each fsync
	// among the calls that arrive while the previous batch commits.
	for _, p := range []int{1, 16} {
		b.Run(fmt.Sprintf("direct/callers=%d", 2*p), func(b *testing.B) { run(b, up.URL+"/v1/contacts", "", p) })
		b.Run(fmt.Sprintf("proxied/callers=%d", 2*p), func(b *testing.B) {
			run(b, in.url+"/v1/proxy/crm/v1/contacts", token, p)
		})
	}
}
