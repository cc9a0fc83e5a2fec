// Package sys holds the few system calls whose form differs between Linux
// and the BSDs: sockets created and accepted close-on-exec and
// non-blocking in one step where the kernel allows it.
package sys
