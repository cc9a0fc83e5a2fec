//go:build !linux

package pgcluster

import "syscall"

// dieWithParent does nothing where there is no parent-death signal
// (macOS): a test binary that is killed leaves its server running, and
// its cluster in the temporary directory.
func dieWithParent(*syscall.SysProcAttr) {}
