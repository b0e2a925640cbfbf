package mcp

import "time"

// SetFinishWait sets how long finish waits for a stream's end, until the
// test ends.
func SetFinishWait(t interface{ Cleanup(func()) }, d time.Duration) {
	was := finishWait
	finishWait = d
	t.Cleanup(func() { finishWait = was })
}
