package pgcluster

import "syscall"

// dieWithParent makes the server die with the test binary, even one killed
// by go test's timeout, so that no cluster outlives its test (Linux's
// PR_SET_PDEATHSIG; the server's children notice the postmaster's death).
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
