//go:build !unix

package mcp

import "os/exec"

// ownProcessGroup does nothing where process groups are not available:
// closing the session ends the command itself.
func ownProcessGroup(*exec.Cmd) func() { return nil }
