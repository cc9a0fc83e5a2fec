//go:build linux

// Reads and writes on the loop's non-blocking descriptors as raw system
// calls. They never block, so the runtime's bookkeeping for a system call
// that might (entersyscall and exitsyscall, and the monitor thread that
// takes the processor away from a thread it believes blocked, then hands it
// back) is pure overhead on the path every request takes.

package iostream

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysRead is read(2) on a non-blocking descriptor.
func sysRead(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// sysWrite is write(2) on a non-blocking descriptor.
func sysWrite(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
