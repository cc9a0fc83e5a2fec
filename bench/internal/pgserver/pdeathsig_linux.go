package pgserver

import "syscall"

// dieWithParent makes the server die with the process that started it
// (Linux's PR_SET_PDEATHSIG), even one killed by go test's timeout or by
// Ctrl-C, so that no cluster outlives its run.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
