//go:build !linux

// Reads and writes through x/sys/unix where raw system calls are not the
// platform's way (macOS goes through libc).

package iostream

import "golang.org/x/sys/unix"

// sysRead is read(2) on a non-blocking descriptor.
func sysRead(fd int, p []byte) (int, error) { return unix.Read(fd, p) }

// sysWrite is write(2) on a non-blocking descriptor.
func sysWrite(fd int, p []byte) (int, error) { return unix.Write(fd, p) }
