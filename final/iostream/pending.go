// Whether the peer has sent bytes nobody has read yet: what a server asks
// before it closes a connection it believes idle.

package iostream

import "golang.org/x/sys/unix"

// InputPending reports whether the peer has sent bytes that no read has
// taken yet: in the stream's buffer, in the TLS layer (ciphertext, or
// plaintext a read pass left for its resume), or still in the kernel's
// receive queue, which it looks at with MSG_PEEK without consuming
// anything. End of file is not input.
//
// A server about to close a connection it believes idle asks first: a
// request may have arrived that the loop has not read yet, and closing a
// socket whose input is unread makes the kernel answer with a reset, "to
// show that data was lost" (RFC 1122, section 4.2.2.13), which can destroy
// what the server sent last before the client reads it. Call it on the
// stream's loop.
func (s *Stream) InputPending() bool {
	if s.Closed() {
		return false
	}
	if s.BufferedLen() > 0 || s.deferred&deferRead != 0 {
		// Buffered, or a read pass stopped at its budget with bytes
		// that only the stream knows of (decrypted inside TLS).
		return true
	}
	if s.tls != nil && s.tls.t != nil && s.tls.t.a.inLen() > 0 {
		return true
	}
	var b [1]byte
	for {
		n, _, err := unix.Recvfrom(s.fd, b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		if err == unix.EINTR {
			continue
		}
		// EAGAIN: nothing yet; ENOTSOCK: a pipe, which has no peer to
		// reset it; 0: end of file.
		return err == nil && n > 0
	}
}
