// Descriptor helpers shared by the backends.

package ioloop

import "golang.org/x/sys/unix"

// closeFD closes a descriptor registered with the loop (Close(allFDs)).
func closeFD(fd int) error { return unix.Close(fd) }
