package iostream

import (
	"net"
	"testing"
	"time"

	futures "github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"golang.org/x/sys/unix"
)

// echoPair connects a client stream to an echo server, both on loop l.
func echoPair(b *testing.B, l *ioloop.IOLoop, tlsServer, tlsClient func(fd int) *BaseIOStream) *BaseIOStream {
	lfd, err := BindSocket("127.0.0.1:0", 128)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { unix.Close(lfd) })
	_, err = AddAcceptHandler(l, lfd, func(conn int, _ net.Addr) {
		s := tlsServer(conn)
		var echo func()
		echo = func() {
			s.ReadUntil([]byte("\n"), 1024).AddDoneCallback(func(f *futures.Future) {
				line, err := f.Result()
				if err != nil {
					s.Close(nil)
					return
				}
				s.Write(line.([]byte))
				echo()
			})
		}
		echo()
	})
	if err != nil {
		b.Fatal(err)
	}
	fd, err := Socket(unix.AF_INET)
	if err != nil {
		b.Fatal(err)
	}
	return tlsClient(fd).connect(b, l, BoundAddr(lfd))
}

func (s *BaseIOStream) connect(b *testing.B, l *ioloop.IOLoop, addr string) *BaseIOStream {
	var f *futures.Future
	switch c := s.self.(type) {
	case *SSLIOStream:
		f = c.Connect(addr, "localhost")
	case *IOStream:
		f = c.Connect(addr, "")
	}
	if _, err := l.RunSync(func() *futures.Future { return f }, 10*time.Second); err != nil {
		b.Fatal(err)
	}
	return s
}

func benchmarkEcho(b *testing.B, useTLS bool) {
	l, err := ioloop.New()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close(true)
	server := func(fd int) *BaseIOStream { return NewIOStream(fd, &Options{Loop: l}).BaseIOStream }
	client := func(fd int) *BaseIOStream { return NewIOStream(fd, &Options{Loop: l}).BaseIOStream }
	if useTLS {
		serverCfg, clientCfg := selfSigned(b)
		server = func(fd int) *BaseIOStream {
			return NewSSLIOStream(fd, serverCfg, true, "", &Options{Loop: l}).BaseIOStream
		}
		client = func(fd int) *BaseIOStream {
			return NewSSLIOStream(fd, clientCfg, false, "", &Options{Loop: l}).BaseIOStream
		}
	}
	s := echoPair(b, l, server, client)
	line := []byte("a line of about sixty bytes, echoed by the server on the loop\n")
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	b.ResetTimer()
	_, err = l.RunSync(func() *futures.Future {
		done := futures.New()
		n := 0
		var step func(*futures.Future)
		step = func(f *futures.Future) {
			if _, err := f.Result(); err != nil {
				done.SetException(err)
				return
			}
			if n++; n > b.N {
				done.SetResult(nil)
				return
			}
			s.Write(line)
			s.ReadUntil([]byte("\n"), 1024).AddDoneCallback(step)
		}
		step(futures.Resolved(nil))
		return done
	}, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
}

// One request/response round trip over loopback, both ends on one loop.
func BenchmarkEchoRoundTrip(b *testing.B)    { benchmarkEcho(b, false) }
func BenchmarkEchoRoundTripTLS(b *testing.B) { benchmarkEcho(b, true) }

// A whole TLS connection: connect, handshake (a goroutine on each side),
// close. This is what the blocking-adapter design costs per connection.
func BenchmarkTLSConnectAndHandshake(b *testing.B) {
	l, err := ioloop.New()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close(true)
	serverCfg, clientCfg := selfSigned(b)
	lfd, err := BindSocket("127.0.0.1:0", 128)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(lfd)
	_, err = AddAcceptHandler(l, lfd, func(conn int, _ net.Addr) {
		s := NewSSLIOStream(conn, serverCfg, true, "", &Options{Loop: l})
		s.ReadUntilClose(nil).AddDoneCallback(func(*futures.Future) {})
	})
	if err != nil {
		b.Fatal(err)
	}
	addr := BoundAddr(lfd)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fd, err := Socket(unix.AF_INET)
		if err != nil {
			b.Fatal(err)
		}
		s := NewSSLIOStream(fd, clientCfg, false, "", &Options{Loop: l})
		if _, err := l.RunSync(func() *futures.Future { return s.Connect(addr, "localhost") }, 10*time.Second); err != nil {
			b.Fatal(err)
		}
		s.Close(nil)
	}
}
