package netutil_test

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/netutil"
)

// Bind a port on 127.0.0.1 and accept a connection on the loop.
func ExampleAddAcceptHandler() {
	loop, _ := ioloop.New()
	defer loop.Close(true)
	fds, err := netutil.BindSockets(0, "127.0.0.1", netutil.BindOptions{})
	if err != nil {
		panic(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(netutil.SocketPort(fds[0])))
	accepted := concurrent.NewFuture[string]()
	netutil.AddAcceptHandler(loop, fds[0], func(fd int, peer net.Addr) {
		unix.Close(fd)
		accepted.SetResult(peer.(*net.TCPAddr).IP.String())
	})
	conn, _ := net.Dial("tcp", addr)
	defer conn.Close()
	ip, err := ioloop.RunSync(loop, func() *concurrent.Future[string] { return accepted }, 5*time.Second)
	fmt.Println("accepted from", ip, err)
	// Output: accepted from 127.0.0.1 <nil>
}
