package iostream_test

import (
	"fmt"
	"net"
	"time"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
)

// A line exchange with a server on 127.0.0.1:0, the stream driven by a
// coroutine on the loop.
func Example() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, _ := ln.Accept()
		defer c.Close()
		buf := make([]byte, 64)
		n, _ := c.Read(buf)
		c.Write([]byte("echo: " + string(buf[:n])))
	}()
	conn, _ := net.Dial("tcp", ln.Addr().String())

	loop, _ := ioloop.New()
	defer loop.Close(false)
	reply, err := gen.Run(loop, 5*time.Second, func(c *gen.Co) (string, error) {
		stream, err := iostream.FromConn(loop, conn.(*net.TCPConn))
		if err != nil {
			return "", err
		}
		defer stream.Close()
		stream.Write([]byte("hello\n"))
		line, err := gen.Await(c, stream.ReadUntil([]byte("\n"), 1024))
		return string(line), err
	})
	fmt.Print(reply, err)
	// Output:
	// echo: hello
	// <nil>
}
