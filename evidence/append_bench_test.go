//go:build unix

package evidence_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/evidence"
	"github.com/aos-dev/aos/store/sqlite"
)

// newSQLiteLog opens a Log on a fresh SQLite store in a temporary folder,
// with a checkpoint file, as `aos serve` does.
func newSQLiteLog(b *testing.B, obs evidence.Observer) *evidence.Log {
	b.Helper()
	dir := b.TempDir()
	st, err := sqlite.Open(filepath.Join(dir, "aos.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	skey, vkey, err := evidence.GenerateKey("aos.bench")
	if err != nil {
		b.Fatal(err)
	}
	signer, err := evidence.NewSigner(skey)
	if err != nil {
		b.Fatal(err)
	}
	verifier, err := evidence.NewVerifier(vkey)
	if err != nil {
		b.Fatal(err)
	}
	l, err := evidence.New(evidence.Config{Store: st, Signer: signer, Verifier: verifier, Origin: "aos.local/bench",
		CheckpointFile: filepath.Join(dir, "checkpoints.log"), Now: time.Now, Observer: obs})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

// batchCount counts the batches a Log commits.
type batchCount struct{ batches, entries atomic.Int64 }

func (c *batchCount) Batch(requests, entries int, took time.Duration, err error) {
	c.batches.Add(1)
	c.entries.Add(int64(entries))
}

func (c *batchCount) report(b *testing.B) {
	if n := c.batches.Load(); n > 0 {
		b.ReportMetric(float64(c.entries.Load())/float64(n), "entries/batch")
	}
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRecord is the entry the bench command's append measure records: a
// call outcome with a small payload.
func benchRecord(writer, i int) func(aos.Tx) ([]aos.Record, error) {
	return func(aos.Tx) ([]aos.Record, error) {
		return []aos.Record{{Kind: "call.outcome", Actor: "agent:" + strconv.Itoa(writer), Subject: "crm",
			Attrs:   map[string]string{"connection": "crm", "status": "200", "authorized_entry": strconv.Itoa(i)},
			Payload: []byte(`{"bytes":52,"duration_ms":1}`)}}, nil
	}
}

// reportLatency reports the p50 and p99 of took, in microseconds.
func reportLatency(b *testing.B, took []time.Duration) {
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	q := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds())
	}
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}

// BenchmarkRecord_SQLite mirrors the bench command's append measure: W
// writers each calling Record with one entry, on SQLite on disk, every
// Record durable with its signed checkpoint. It reports entries/s and the
// Record latency, and the CPU time the process spent per entry (the
// steadier figure on a shared machine). The rate case instead calls Record
// at a fixed 1,000 a second (open loop, each call on its own goroutine,
// its latency counted from when it was due).
func BenchmarkRecord_SQLite(b *testing.B) {
	ctx := context.Background()
	for _, writers := range []int{1, 64, 256} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			var count batchCount
			l := newSQLiteLog(b, &count)
			var next atomic.Int64
			took := make([][]time.Duration, writers)
			var wg sync.WaitGroup
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime(b)
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						t0 := time.Now()
						if _, err := l.Record(ctx, benchRecord(w, int(i))); err != nil {
							b.Error(err)
							return
						}
						took[w] = append(took[w], time.Since(t0))
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "entries/s")
			b.ReportMetric(float64((cpuTime(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/entry")
			reportLatency(b, slices.Concat(took...))
			count.report(b)
		})
	}
	b.Run("rate=1000", func(b *testing.B) {
		var count batchCount
		l := newSQLiteLog(b, &count)
		const every = time.Millisecond
		took := make([]time.Duration, b.N)
		var wg sync.WaitGroup
		b.ResetTimer()
		start, cpu := time.Now(), cpuTime(b)
		for i := range b.N {
			due := start.Add(time.Duration(i) * every)
			time.Sleep(time.Until(due))
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := l.Record(ctx, benchRecord(0, i)); err != nil {
					b.Error(err)
				}
				took[i] = time.Since(due) // from its due time: no coordinated omission
			}()
		}
		wg.Wait()
		b.StopTimer()
		b.ReportMetric(float64((cpuTime(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/entry")
		reportLatency(b, took)
		count.report(b)
	})
}
