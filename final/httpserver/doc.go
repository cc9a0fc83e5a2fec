// Package httpserver is Tornado's tornado.httpserver: HTTPServer, a
// TCPServer whose connections speak HTTP/1.1 (package http1connection), on
// one loop or a loop per core.
//
// # Handlers
//
// New takes a Handler, called once a request has been read whole (Tornado's
// request callback); it answers through req.Conn:
//
//	server := httpserver.New(httpserver.HandlerFunc(func(req *httpserver.Request) {
//		req.Conn.Respond(200, nil, "text/plain", []byte("Hello, world"))
//	}))
//	server.Listen(nil, 8888, "127.0.0.1") // a loop per core
//
// NewWithDelegate takes an http1connection.ServerDelegate instead, which sees
// each request head first and its body in pieces (Tornado's
// HTTPServerConnectionDelegate, what web.Application implements), and
// HTTPHandler serves any net/http Handler. Like Tornado's HTTPServer, New
// given a Handler that is also a ServerDelegate (New(app)) uses it as one.
// A Handler that holds requests open (long polling) hears that a client
// gave up by implementing CloseHandler.
//
// A handler that answers from the Request and with Conn.Respond and
// Conn.ResponseHeaders allocates nothing: the steady state of the server
// makes no allocation per request (TestHelloAllocatesNothing), and a
// pipelined batch is answered in one write.
//
// # Loops
//
// Start with no loops starts Loops loops of the server's own (one per core
// by default); Close stops them. Start with loops serves on loops the
// caller runs; with one loop, Tornado's single-threaded semantics hold
// exactly. The loops share one listening socket and deal its connections
// in turn, and a port another process listens on is refused; ReusePort
// gives each loop an SO_REUSEPORT socket instead, which other processes
// can join. A handler runs on the loop of its connection; state it shares
// with other loops is its own to guard.
//
// # Options and stopping
//
// The fields of HTTPServer are Tornado's options (no_keep_alive, xheaders,
// ssl_options as TLSConfig, decompress_request, chunk_size,
// max_header_size, idle_connection_timeout, body_timeout, max_body_size,
// max_buffer_size, trusted_downstream) with Tornado's defaults, and
// MaxBodyMemory, which bounds what all the bodies held whole take at once
// (Tornado has no such bound), and HeaderTimeout (nginx's
// client_header_timeout, 60 s). Stop stops accepting; Shutdown stops
// without resetting a client: it serves what has arrived with
// Connection: close, closes idle connections between requests with a
// lingering close, and ends upgraded connections through an UpgradeCloser
// (web.Application's WebSockets get 1001); Close cuts everything.
// docs/http-server.md has the limits table, the stop and what a hostile
// client gets.
package httpserver
