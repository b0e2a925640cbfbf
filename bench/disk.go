package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// diskSync measures the floor under every durable authorisation: how long
// the disk holding dir takes to make a small write durable (a 4 KiB
// append and fdatasync, as a WAL commit does), n times in a row. The open
// loop's added p99 cannot be lower than this p99 while each allowed call
// waits for its authorisation to be on disk.
func diskSync(t *table, dir string, n int) error {
	f, err := os.CreateTemp(dir, "fsync-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	took := make([]time.Duration, 0, n)
	for range n {
		if _, err := f.Write(buf); err != nil {
			return err
		}
		start := time.Now()
		if err := f.Sync(); err != nil {
			return err
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	q := func(p float64) time.Duration { return took[min(len(took)-1, int(p*float64(len(took))))] }
	t.add("fsync of a 4 KiB append (the disk under the home)",
		fmt.Sprintf("p50 %s, p99 %s, p99.9 %s", ms(q(0.50)), ms(q(0.99)), ms(q(0.999))),
		fmt.Sprintf("%d in a row in %s: the floor under a durable authorisation", n, filepath.Dir(f.Name())))
	return nil
}
