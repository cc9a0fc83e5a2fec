package websocket

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/ioloop"
)

// sendEcho is the benchmark server: it echoes with Send, the
// allocation-free write.
type sendEcho struct{ WebSocketHandler }

func (sendEcho) OnMessage(c *Conn, data []byte, binary bool) concurrent.Awaitable {
	c.Send(data, binary)
	return nil
}

// BenchmarkEcho1K is bench/'s wsecho workload on one connection: a client on
// a plain net.Conn sends a 1 KiB masked binary frame and reads the echo
// from a server on the loop. allocs/op counts the whole process, server
// included; in steady state it is 0.
func BenchmarkEcho1K(b *testing.B) {
	g, err := ioloop.StartGroup(1, ioloop.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		b.Fatal(err)
	}
	defer g.Stop()
	loop := g.Loops()[0]
	addr := serveBench(b, loop)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	nc.(*net.TCPConn).SetNoDelay(true)
	if _, err := nc.Write(AppendRequest(nil, &ClientRequest{Host: addr, Path: "/", Key: NewKey()})); err != nil {
		b.Fatal(err)
	}
	br := bufio.NewReader(nc)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	payload := bytes.Repeat([]byte("x"), 1024)
	frame := AppendFrame(nil, true, 0, OpBinary, payload, &testKey)
	echo := make([]byte, 4+1024)
	b.SetBytes(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := nc.Write(frame); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(br, echo); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if !bytes.Equal(echo[4:], payload) {
		b.Fatal("bad echo")
	}
}

// serveBench starts the benchmark server on 127.0.0.1:0.
func serveBench(b *testing.B, loop *ioloop.IOLoop) string {
	srv := benchServer(loop)
	b.Cleanup(srv.Stop)
	return "127.0.0.1:" + strconv.Itoa(srv.Ports()[0])
}
