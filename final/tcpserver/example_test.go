package tcpserver_test

import (
	"bufio"
	"fmt"
	"net"
	"strconv"

	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/tcpserver"
)

// An upper-casing line server on a loop per core.
func Example() {
	group, _ := ioloop.StartGroup(2)
	defer group.Stop()
	server := tcpserver.New(func(stream *iostream.IOStream, _ net.Addr) {
		stream.ReadUntilFunc([]byte("\n"), 1024, func(line []byte, err error) {
			if err == nil {
				for i, b := range line {
					if 'a' <= b && b <= 'z' {
						line[i] = b - 'a' + 'A'
					}
				}
				stream.Write(line)
			}
			stream.Close()
		})
	})
	server.Bind(0, "127.0.0.1", netutilOptions())
	server.Start(group.Loops()...)
	defer server.Stop()

	conn, _ := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(server.Ports()[0])))
	defer conn.Close()
	fmt.Fprintf(conn, "hello, loops\n")
	line, _ := bufio.NewReader(conn).ReadString('\n')
	fmt.Print(line)
	// Output: HELLO, LOOPS
}
