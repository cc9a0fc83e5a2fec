// Package iostream is stage 5's tornado.iostream: non-blocking file
// descriptors turned into reads and writes that return Futures, on the real
// IOLoop of package ioloop. It mirrors the seed's "tornado.iostream" section
// class by class.
//
// # BaseIOStream
//
// The contract every stream shares: Write (a Future resolved once the data is
// handed to the kernel), ReadBytes(n, partial, streamingCallback),
// ReadUntil(delimiter, maxBytes), ReadUntilRegex(re, maxBytes),
// ReadUntilClose(streamingCallback), Close, SetCloseCallback, Closed, Error,
// Reading, Writing and SetNodelay; the limits MaxBufferSize (100 MiB),
// ReadChunkSize (64 KiB) and MaxWriteBufferSize (unlimited) in Options. A
// concrete stream supplies the "methods for subclasses" of the seed through
// the Transport interface: Fileno, CloseFD, WriteToFD, ReadFromFD and
// GetFDError.
//
// # The streams
//
//   - IOStream: a TCP socket, with Connect(address, serverHostname),
//     StartTLS and SetNodelay. Socket makes a socket to connect; BindSocket and
//     AddAcceptHandler (Tornado's netutil) accept connections on the loop.
//   - SSLIOStream: TLS on crypto/tls, with WaitForHandshake. The handshake
//     runs on a goroutine over a blocking duplicate of the socket, because
//     crypto/tls cannot resume a handshake after a would-block; ssl.go says
//     why and how.
//   - PipeIOStream: one end of a pipe.
//
// # Errors
//
// StreamClosedError (with RealError, which it unwraps to),
// StreamBufferFullError and UnsatisfiableReadError, for errors.As. When a
// stream closes, every pending operation fails with StreamClosedError; a
// delimiter not found within maxBytes closes the stream with
// UnsatisfiableReadError; a read buffer past MaxBufferSize closes it with
// StreamBufferFullError, and a Write past MaxWriteBufferSize fails with it.
//
// # The seed's HTTP client
//
// BrokenFetch is the seed's "very simple (and broken) HTTP client", bugs
// included; FetchCoroutine is a fixed one, written as a stage4 coroutine;
// Crawl and CrawlMain run the path's workload on the real loop.
//
// # Example
//
//	loop, _ := ioloop.New()
//	fd, _ := iostream.Socket(unix.AF_INET)
//	stream := iostream.NewIOStream(fd, &iostream.Options{Loop: loop})
//	head, err := loop.RunSync(func() *futures.Future {
//		stream.Connect("127.0.0.1:8888", "")
//		stream.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
//		return stream.ReadUntil([]byte("\r\n\r\n"), 64<<10)
//	}, 10*time.Second)
package iostream
