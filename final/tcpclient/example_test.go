package tcpclient_test

import (
	"fmt"
	"net"
	"time"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/tcpclient"
)

// Connect to a server on 127.0.0.1 and read its greeting.
func Example() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("220 hello\r\n"))
			c.Close()
		}
	}()
	loop, _ := ioloop.New()
	defer loop.Close(true)
	greeting, err := gen.Run(loop, 5*time.Second, func(c *gen.Co) (string, error) {
		stream, err := gen.Await(c, (&tcpclient.TCPClient{}).Connect(loop, "127.0.0.1", ln.Addr().(*net.TCPAddr).Port, tcpclient.Options{Timeout: time.Second}))
		if err != nil {
			return "", err
		}
		defer stream.Close()
		line, err := gen.Await(c, stream.ReadUntil([]byte("\r\n"), 512))
		return string(line), err
	})
	fmt.Printf("%q %v\n", greeting, err)
	// Output: "220 hello\r\n" <nil>
}
