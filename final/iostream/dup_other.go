//go:build !linux

package iostream

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// dupCloexec duplicates fd close-on-exec, under the fork lock so that no
// child inherits it in between.
func dupCloexec(fd int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	nfd, err := unix.Dup(fd)
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(nfd)
	return nfd, nil
}
