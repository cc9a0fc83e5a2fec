// Package tcpserver is Tornado's tornado.tcpserver: a server that accepts
// connections and hands each to a function as an iostream.IOStream.
//
// # One loop
//
//	server := tcpserver.New(func(stream *iostream.IOStream, addr net.Addr) {
//		// read and write the stream, from callbacks or a coroutine
//	})
//	server.Listen(loop, 8888, "127.0.0.1")
//	loop.Start()
//
// # Many loops
//
// Tornado forks processes to use all cores (bind, then start(0)). A Go
// program runs a loop per core in one process instead: Bind, then Start with
// the loops of an ioloop.Group. With BindOptions.ReusePort each loop gets its
// own socket and the kernel spreads connections; otherwise the loops share
// the sockets. Each connection stays on the loop that accepted it.
//
// # TLS, limits, stopping
//
// TLSConfig makes every connection an SSLIOStream. MaxBufferSize and
// ReadChunkSize set the streams' limits. Running out of descriptors makes
// accepting pause and back off (see netutil.AddAcceptHandler) while open
// connections are served. Stop closes the listening sockets and leaves the
// open connections to finish.
package tcpserver
