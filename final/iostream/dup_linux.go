//go:build linux

package iostream

import "golang.org/x/sys/unix"

// dupCloexec duplicates fd atomically close-on-exec.
func dupCloexec(fd int) (int, error) { return unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0) }
