package iostream

import (
	"crypto/tls"
	"fmt"
	"io"
	"math"
	"net"
	"testing"

	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
)

// pingPongLoop runs b.N round trips of size bytes between two streams on
// one loop, with the allocation-free callback reads and buffered writes.
func pingPongLoop(b *testing.B, l *ioloop.IOLoop, client, server *IOStream, size int) {
	msg := make([]byte, size)
	n := 0
	var onServer, onClient func([]byte, error)
	onServer = func(data []byte, err error) {
		if err != nil {
			if n < b.N { // after the last round trip, the close is expected
				b.Error(err)
			}
			l.Stop()
			return
		}
		server.WriteBuffered(data)
		server.ReadBytesFunc(size, false, onServer)
	}
	onClient = func(data []byte, err error) {
		if err != nil {
			b.Error(err)
			l.Stop()
			return
		}
		n++
		if n >= b.N {
			l.Stop()
			return
		}
		client.WriteBuffered(msg)
		client.ReadBytesFunc(size, false, onClient)
	}
	l.AddCallback(func() {
		server.ReadBytesFunc(size, false, onServer)
		client.WriteBuffered(msg)
		client.ReadBytesFunc(size, false, onClient)
	})
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	if err := l.Start(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStreamEcho is the stream layer's round trip over a socketpair on
// one loop: two reads, two writes, two readiness events per op.
func BenchmarkStreamEcho(b *testing.B) {
	for _, size := range []int{64, 16 * 1024} {
		b.Run(fmt.Sprintf("msg=%d", size), func(b *testing.B) {
			l := quietLoop(b)
			c, s := pair(b, l)
			pingPongLoop(b, l, c, s, size)
		})
	}
}

// BenchmarkTLSEcho is the same over SSLIOStreams: the cost of the adapter
// (records copied through its buffers) after the handshake.
func BenchmarkTLSEcho(b *testing.B) {
	scfg, ccfg := testutil.TLSConfigs(b)
	for _, size := range []int{64, 16 * 1024} {
		b.Run(fmt.Sprintf("msg=%d", size), func(b *testing.B) {
			l := quietLoop(b)
			a, d := testutil.SocketPair(b)
			c, err := NewSSL(l, a, ccfg, false)
			if err != nil {
				b.Fatal(err)
			}
			s, err := NewSSL(l, d, scfg, true)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			defer s.Close()
			if _, err := gen.Run(l, 0, func(co *gen.Co) (struct{}, error) {
				return gen.Await(co, c.WaitForHandshake())
			}); err != nil {
				b.Fatal(err)
			}
			pingPongLoop(b, l, c, s, size)
		})
	}
}

// BenchmarkCryptoTLSEcho is the baseline: crypto/tls on blocking net.Conns
// with a goroutine per side, over loopback TCP.
func BenchmarkCryptoTLSEcho(b *testing.B) {
	scfg, ccfg := testutil.TLSConfigs(b)
	for _, size := range []int{64, 16 * 1024} {
		b.Run(fmt.Sprintf("msg=%d", size), func(b *testing.B) {
			ln, err := tls.Listen("tcp", "127.0.0.1:0", scfg)
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				buf := make([]byte, size)
				for {
					if _, err := io.ReadFull(c, buf); err != nil {
						return
					}
					if _, err := c.Write(buf); err != nil {
						return
					}
				}
			}()
			conn, err := tls.Dial("tcp", ln.Addr().String(), ccfg)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			msg := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := conn.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(conn, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var _ net.Conn = (*tlsAdapter)(nil)

// BenchmarkReadPassBudget is what the read pass's budget (readPassBytes)
// costs one busy stream: a peer goroutine sends as fast as it can over TCP
// and the loop reads, in 64 KiB partial reads ("chunks") or in 4 MiB
// messages that take many reads each ("messages"), with budgets from one
// read of the loop's buffer to sixteen. A smaller budget means more loop
// iterations per byte, and a shorter wait for every other connection on
// the loop.
func BenchmarkReadPassBudget(b *testing.B) {
	defer func(old int) { readPassBytes = old }(readPassBytes)
	// The last budget is none at all: the read pass as it was, going on
	// while the socket had bytes.
	for _, budget := range []int{64 << 10, 256 << 10, 1 << 20, math.MaxInt} {
		for _, shape := range []struct {
			name string
			size int
			// partial reads take what is there, up to size.
			partial bool
		}{{"chunks", 64 << 10, true}, {"messages", 4 << 20, false}} {
			name := fmt.Sprintf("%s/budget=%dKiB", shape.name, budget>>10)
			if budget == math.MaxInt {
				name = shape.name + "/budget=none"
			}
			b.Run(name, func(b *testing.B) {
				readPassBytes = budget
				l, err := ioloop.New()
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close(false)
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				defer ln.Close()
				peer, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				defer peer.Close()
				sc, err := ln.Accept()
				if err != nil {
					b.Fatal(err)
				}
				s, err := FromConn(l, sc.(*net.TCPConn))
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				total := int64(b.N) * int64(shape.size)
				go func() {
					block := make([]byte, 256<<10)
					for left := total; left > 0; {
						n, err := peer.Write(block[:min(int64(len(block)), left)])
						if err != nil {
							return
						}
						left -= int64(n)
					}
				}()
				var got int64
				var onData func([]byte, error)
				onData = func(p []byte, err error) {
					if err != nil {
						b.Error(err)
						l.Stop()
						return
					}
					if got += int64(len(p)); got >= total {
						l.Stop()
						return
					}
					s.ReadBytesFunc(shape.size, shape.partial, onData)
				}
				l.AddCallback(func() { s.ReadBytesFunc(shape.size, shape.partial, onData) })
				b.SetBytes(int64(shape.size))
				b.ResetTimer()
				if err := l.Start(); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
