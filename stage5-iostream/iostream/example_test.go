package iostream_test

import (
	"bytes"
	"fmt"
	"net"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/gornado/gornado/stage5-iostream/iostream"
	"golang.org/x/sys/unix"
)

// A line server and a client, both on one loop: the server upper-cases the
// line it reads; the client connects, writes, and reads the answer.
func Example() {
	loop, _ := ioloop.New()
	defer loop.Close(true) // closes every fd that still has a handler

	listener, _ := iostream.BindSocket("127.0.0.1:0", 8)
	_, _ = iostream.AddAcceptHandler(loop, listener, func(conn int, _ net.Addr) {
		s := iostream.NewIOStream(conn, &iostream.Options{Loop: loop})
		s.ReadUntil([]byte("\n"), 1024).AddDoneCallback(func(f *futures.Future) {
			line, err := f.Result()
			if err != nil {
				s.Close(err)
				return
			}
			s.Write(bytes.ToUpper(line.([]byte)))
		})
	})

	fd, _ := iostream.Socket(unix.AF_INET)
	client := iostream.NewIOStream(fd, &iostream.Options{Loop: loop})
	line, err := loop.RunSync(func() *futures.Future {
		client.Connect(iostream.BoundAddr(listener), "")
		client.Write([]byte("hello, loop\n"))
		return client.ReadUntil([]byte("\n"), 1024)
	}, 5*time.Second)
	fmt.Printf("%q %v\n", line, err)
	// Output: "HELLO, LOOP\n" <nil>
}

// A PipeIOStream on each end of a pipe.
func ExamplePipeIOStream() {
	loop, _ := ioloop.New()
	defer loop.Close(true)
	var fds [2]int
	_ = unix.Pipe(fds[:])
	reader := iostream.NewPipeIOStream(fds[0], &iostream.Options{Loop: loop})
	writer := iostream.NewPipeIOStream(fds[1], &iostream.Options{Loop: loop})

	rest, err := loop.RunSync(func() *futures.Future {
		writer.Write([]byte("first line\nand the rest"))
		writer.Write(nil).AddDoneCallback(func(*futures.Future) { writer.Close(nil) })
		return reader.ReadUntilClose(nil)
	}, 5*time.Second)
	fmt.Printf("%q %v\n", rest, err)
	// Output: "first line\nand the rest" <nil>
}
