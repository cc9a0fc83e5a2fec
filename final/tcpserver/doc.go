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
// the loops of an ioloop.Group. By default the loops share the listening
// sockets, and whichever loop accepts a connection deals it to the loops in
// turn, so each serves an equal share; no other process can listen on the
// port meanwhile. With BindOptions.ReusePort each loop gets a socket of its
// own (SO_REUSEPORT) and the kernel spreads the connections; other
// processes that set SO_REUSEPORT can then share the port too. Each
// connection stays on the loop it was given.
//
// # TLS, limits, stopping
//
// TLSConfig makes every connection an SSLIOStream. MaxBufferSize and
// ReadChunkSize set the streams' limits. Running out of descriptors makes
// accepting pause and back off (see netutil.AddAcceptHandler) while open
// connections are served. Stop closes the listening sockets and leaves the
// open connections to finish.
package tcpserver
