// Looking at a pooled connection's socket before reusing it.

package httpclient

import "golang.org/x/sys/unix"

// socketQuiet reports whether nothing waits to be read on the socket fd:
// no byte and no end of file, as on a connection at a message boundary that
// the server has left alone. recv with MSG_PEEK and MSG_DONTWAIT looks
// without taking anything and without blocking.
//
// The stream's own buffer holds only what its loop has read, and the
// blocking HTTPClient's loop stops between fetches: a response the server
// sends on an idle connection then waits in the kernel, where only this
// sees it. Reused, that connection would hand the unsolicited response to
// the next request as its answer; net/http closes such a connection too
// ("Unsolicited response received on idle HTTP channel"). On a TLS
// connection any record counts, a session ticket or an alert as well: the
// cost of a false alarm is a new connection, not a wrong answer.
func socketQuiet(fd int) bool {
	var b [1]byte
	_, _, err := unix.Recvfrom(fd, b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	return err == unix.EAGAIN || err == unix.EWOULDBLOCK
}
