package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/evidence"
	"github.com/aos-dev/aos/store/postgres"
	"github.com/aos-dev/aos/store/sqlite"
)

// evidenceBench creates an instance in home (`aos init`), appends to its
// log through the evidence API (the same Log the server runs), first to
// measure the append rate under concurrency, then to fill it up to
// c.entries, and times `aos evidence verify` of it.
func evidenceBench(t *table, c config, home, store string) error {
	args := []string{"init", "--home", home}
	if store != "" {
		args = append(args, "--store", store)
	}
	if _, err := os.Stat(filepath.Join(home, "public.key")); err != nil {
		if out, err := exec.Command(c.aos, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("aos init: %v\n%s", err, out)
		}
	}
	ctx := context.Background()
	var st interface {
		aos.Store
		Close() error
	}
	var err error
	if store == "" {
		st, err = sqlite.Open(filepath.Join(home, "aos.db"))
	} else {
		st, err = postgres.Open(ctx, store)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	skey, err := os.ReadFile(filepath.Join(home, "signing.key"))
	if err != nil {
		return err
	}
	vkey, err := os.ReadFile(filepath.Join(home, "public.key"))
	if err != nil {
		return err
	}
	signer, err := evidence.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return err
	}
	verifier, err := evidence.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		return err
	}
	log, err := evidence.New(evidence.Config{Store: st, Signer: signer, Verifier: verifier, Origin: signer.Name(),
		CheckpointFile: filepath.Join(home, "checkpoints.log"), Now: time.Now, CheckpointSpan: c.span})
	if err != nil {
		return err
	}
	defer log.Close()

	for _, writers := range c.writers {
		if c.skip["append"] {
			break
		}
		n, took, lat, err := appendFor(ctx, log, writers, 1, c.duration, 0)
		if err != nil {
			return fmt.Errorf("append rate: %w", err)
		}
		t.add(fmt.Sprintf("durable evidence appends, %d concurrent writers", writers),
			fmt.Sprintf("%.0f entries/s", float64(n)/took.Seconds()),
			fmt.Sprintf("one entry per Record call, group commit, signed checkpoint per batch; Record p50 %s, p99 %s", ms(lat.p50), ms(lat.p99)))
	}
	for _, rate := range c.rates {
		if c.skip["append"] {
			break
		}
		lat, err := recordAtRate(ctx, log, rate, c.duration)
		if err != nil {
			return fmt.Errorf("record at %d/s: %w", rate, err)
		}
		t.add(fmt.Sprintf("evidence Record at %d/s", rate),
			fmt.Sprintf("p50 %s, p99 %s, p99.9 %s", ms(lat.p50), ms(lat.p99), ms(lat.p999)),
			fmt.Sprintf("%d Records of one entry, open loop, latency from due time until durable", lat.sent))
	}
	if c.skip["verify"] {
		return nil
	}
	var size int64
	if err := st.View(ctx, func(tx aos.Tx) (err error) { size, err = tx.LogSize(ctx); return err }); err != nil {
		return err
	}
	if missing := int64(c.entries) - size; missing > 0 {
		logf("filling the log to %d entries", c.entries)
		start := time.Now()
		if _, _, _, err := appendFor(ctx, log, c.fillWriters, c.fillBatch, 0, missing); err != nil {
			return fmt.Errorf("filling the log: %w", err)
		}
		logf("filled in %s", time.Since(start).Round(time.Millisecond))
	}
	log.Close()
	var checkpoints int
	if err := st.View(ctx, func(tx aos.Tx) (err error) {
		size, err = tx.LogSize(ctx)
		if err != nil {
			return err
		}
		cps, err := tx.Checkpoints(ctx)
		checkpoints = len(cps)
		return err
	}); err != nil {
		return err
	}
	st.Close()
	bins := []string{c.aos}
	if c.base != "" {
		bins = append(bins, c.base, c.aos, c.base) // in turn, twice
	}
	took := map[string][]string{}
	for _, bin := range bins {
		start := time.Now()
		out, err := exec.Command(bin, "evidence", "verify", "--home", home).CombinedOutput()
		d := time.Since(start)
		if err != nil {
			return fmt.Errorf("%s evidence verify: %v\n%s", bin, err, out)
		}
		took[bin] = append(took[bin], fmt.Sprintf("%.2f s", d.Seconds()))
	}
	t.add(fmt.Sprintf("aos evidence verify, %d entries", size), strings.Join(took[c.aos], ", "),
		fmt.Sprintf("%d signed checkpoints in the store (the file keeps the same); whole process, exit 0", checkpoints))
	if c.base != "" {
		t.add(fmt.Sprintf("aos (base) evidence verify, %d entries", size), strings.Join(took[c.base], ", "), "the same log, in turn with the line above")
	}
	return nil
}

// appendFor runs writers goroutines calling Record with perCall records
// each, for d or until total entries were added; it returns the entries
// added, the time taken and the quantiles of the Record calls' latency.
func appendFor(ctx context.Context, log *evidence.Log, writers, perCall int, d time.Duration, total int64) (int64, time.Duration, latencies, error) {
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	stop := make(chan struct{})
	var stopOnce sync.Once
	if d > 0 {
		time.AfterFunc(d, func() { stopOnce.Do(func() { close(stop) }) })
	}
	took := make([][]time.Duration, writers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if total > 0 && n.Add(int64(perCall)) > total {
					return
				}
				t0 := time.Now()
				_, err := log.Record(ctx, benchRecords(w, i, perCall))
				if err != nil {
					once.Do(func() { firstErr = err })
					stopOnce.Do(func() { close(stop) })
					return
				}
				took[w] = append(took[w], time.Since(t0))
				if total == 0 {
					n.Add(int64(perCall))
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	lat := quantiles(slices.Concat(took...))
	if total > 0 {
		return total, elapsed, lat, firstErr
	}
	return n.Load(), elapsed, lat, firstErr
}

// benchRecords is the function a bench writer records: perCall call
// outcomes with a small payload.
func benchRecords(writer, i, perCall int) func(aos.Tx) ([]aos.Record, error) {
	return func(aos.Tx) ([]aos.Record, error) {
		recs := make([]aos.Record, perCall)
		for j := range recs {
			recs[j] = aos.Record{Kind: "call.outcome", Actor: "agent:" + strconv.Itoa(writer), Subject: "crm",
				Attrs:   map[string]string{"connection": "crm", "status": "200", "authorized_entry": strconv.Itoa(i)},
				Payload: []byte(`{"bytes":52,"duration_ms":1}`)}
		}
		return recs, nil
	}
}

// recordAtRate calls Record with one entry rate times a second for d, each
// call due at a fixed time of the schedule and started then on a goroutine
// of its own, and measures each call's latency from its due time until
// Record returned (durable).
func recordAtRate(ctx context.Context, log *evidence.Log, rate int, d time.Duration) (latencies, error) {
	total := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	lat := make([]time.Duration, total)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for i := range total {
		at := start.Add(time.Duration(i) * interval)
		if w := time.Until(at); w > 0 {
			time.Sleep(w)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := log.Record(ctx, benchRecords(0, i, 1)); err != nil {
				once.Do(func() { firstErr = err })
			}
			lat[i] = time.Since(at)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return latencies{}, firstErr
	}
	l := quantiles(lat)
	l.rate = rate
	return l, nil
}

// pgSchemas creates n fresh schemas in the database at base and returns a
// URL for each, with its search_path, and a function that drops them.
func pgSchemas(base string, n int) ([]string, func(), error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		conn.Close(ctx)
		return nil, nil, err
	}
	var out, names []string
	drop := func() {
		for _, name := range names {
			conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE")
		}
		conn.Close(ctx)
	}
	for i := range n {
		name := fmt.Sprintf("aos_bench_%d_%d_%d", os.Getpid(), time.Now().Unix(), i)
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
			drop()
			return nil, nil, err
		}
		names = append(names, name)
		q := u.Query()
		q.Set("search_path", name)
		v := *u
		v.RawQuery = q.Encode()
		out = append(out, v.String())
		logf("postgres schema %s", name)
	}
	return out, drop, nil
}
