//go:build linux

package sys

import (
	"os"

	"golang.org/x/sys/unix"
)

// Socket creates a non-blocking, close-on-exec socket.
func Socket(domain, typ, proto int) (int, error) {
	fd, err := unix.Socket(domain, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	return fd, os.NewSyscallError("socket", err)
}

// Accept accepts a connection as a non-blocking, close-on-exec socket.
func Accept(fd int) (int, unix.Sockaddr, error) {
	nfd, sa, err := unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	if err != nil {
		return -1, nil, err
	}
	return nfd, sa, nil
}
