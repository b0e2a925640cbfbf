//go:build !unix

package mcp_test

import (
	"testing"
	"time"
)

// cpuTime is not measured here: the cpu-µs/op metric reads 0.
func cpuTime(testing.TB) time.Duration { return 0 }
