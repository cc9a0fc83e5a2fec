//go:build !linux

package pgserver

import "syscall"

// dieWithParent does nothing where there is no parent-death signal: a
// killed run leaves its server behind.
func dieWithParent(*syscall.SysProcAttr) {}
