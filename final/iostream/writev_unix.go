//go:build linux || darwin

// Gathered writes with writev(2).

package iostream

import "golang.org/x/sys/unix"

// maxIOV bounds the buffers given to one writev (IOV_MAX is 1024 on Linux
// and macOS).
const maxIOV = 1024

// writev writes bufs with one system call.
func writev(fd int, bufs [][]byte) (int, error) {
	if len(bufs) > maxIOV {
		bufs = bufs[:maxIOV]
	}
	return unix.Writev(fd, bufs)
}
