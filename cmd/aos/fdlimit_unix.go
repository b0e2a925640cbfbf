//go:build unix

package main

import "syscall"

// openFileLimit returns the process's limit on open file descriptors, 0 if
// unknown.
func openFileLimit() int {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur > 1<<30 {
		return 0
	}
	return int(l.Cur)
}
