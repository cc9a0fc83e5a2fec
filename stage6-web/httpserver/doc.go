// Package httpserver is stage 6's HTTP/1.1 server: Tornado's
// tornado.httpserver and tornado.http1connection, small enough to read in one
// sitting, on stage 5's IOLoop and IOStream.
//
// # How a connection is served
//
// HTTPServer accepts connections on the loop (iostream.AddAcceptHandler) and
// gives each one an HTTPConnection and a stage 4 coroutine. The coroutine reads
// a request (the head up to its empty line, then a body framed by
// Content-Length or chunked Transfer-Encoding), hands it to the Delegate, waits
// until the response is finished, and reads the next one while the connection
// may be kept alive. Pipelined requests are therefore answered in order.
//
// # Responses
//
// The Delegate answers through req.Connection: WriteHeaders, Write, Finish.
// A response without a Content-Length is sent chunked to an HTTP/1.1 client
// and ends with the connection for an HTTP/1.0 one; HEAD, 204 and 304 carry no
// body.
//
// # Errors
//
// A malformed request is answered 400, a head over MaxHeaderSize (64 KiB) 431,
// a body over MaxBodySize (100 MiB) 413; then the connection closes. A client
// that goes away mid-request runs the close callback set with
// HTTPConnection.SetCloseCallback.
//
// # Example
//
//	loop, _ := ioloop.New()
//	hello := httpserver.DelegateFunc(func(await coroutines.Await, req *httpserver.Request) {
//		req.Connection.WriteHeaders(200, http.Header{"Content-Length": {"6"}}, []byte("hello\n"))
//		req.Connection.Finish()
//	})
//	srv := httpserver.NewHTTPServer(loop, hello, nil)
//	_ = srv.Listen("127.0.0.1:8888")
//	_ = loop.Start()
package httpserver
