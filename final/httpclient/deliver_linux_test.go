package httpclient_test

import (
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// waitDelivered waits, up to five seconds, until the peer has acknowledged
// every byte written on c (SIOCOUTQ is zero): then those bytes are in the
// peer's kernel, where a test that says "the server sent this while the
// client was idle" needs them to be. No event says so: it polls.
func waitDelivered(c net.Conn) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		queued := -1
		raw.Control(func(fd uintptr) { queued, _ = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) })
		if queued == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
