// Package http1connection is Tornado's tornado.http1connection for servers:
// one HTTP/1.1 connection served on its loop, from the bytes of the stream
// to the calls of a delegate and back to the bytes of the response.
//
// # A request on the loop
//
// Serve takes an accepted iostream.IOStream. The connection asks the stream
// for whatever bytes have arrived (ReadBytesFunc, in place, without a copy)
// and feeds them to an httputil.RequestParser. When a head is complete it asks
// the ServerDelegate for a MessageDelegate (StartRequest) and calls
// HeadersReceived, DataReceived for each piece of the body (at most ChunkSize
// bytes), and Finish, exactly as Tornado's HTTPMessageDelegate. The
// application answers through the Conn: WriteHeaders, Write, Finish.
//
// A handler that answers before its Finish returns lets the connection go
// straight on to the next pipelined request already in the buffer, so a
// batch of pipelined requests is parsed and answered in one pass and, because
// the stream gathers the writes of a loop iteration, the answers leave in
// one system call. A handler that answers later (from a callback or a
// coroutine) pauses the connection: the bytes already received wait, and the
// stream reads no more than one chunk until the answer is finished.
//
// # Allocation
//
// The per-request state (parser, head, headers of the response, body buffer,
// chunked decoder) comes from a free list kept per loop and goes back there
// when the request is over, so an idle keep-alive connection holds only its
// Conn, and the steady state allocates nothing. The bytes of Request.Head and
// Request.Body are valid until the response is finished.
//
// # What the peer gets
//
// Every malformed head gets the status httputil assigns (400, 413, 414, 431,
// 501, 505) with Connection: close, and the connection closes once it is sent.
// A declared body larger than MaxBodySize gets 413 before any of it is read
// (and without 100 Continue); a chunked or decompressed body is counted as it
// is decoded. IdleTimeout bounds the wait between keep-alive requests
// (Tornado's idle_connection_timeout), HeaderTimeout the arrival of a head
// once it has begun, or from the accept for the first one (nginx's
// client_header_timeout), and BodyTimeout the reading of a body: a slow
// client is disconnected. See docs/http-server.md.
//
// # Bodies held whole
//
// A delegate that wants the body whole calls Request.CollectBody in
// HeadersReceived, and the connection gathers it into Request.Body before
// Finish, in about its length of memory (bodyBuf says how). Every body so
// held, and the gzip bytes kept for Decompress, is charged to the
// Params.BodyBudget the server's connections share: a body that does not
// fit gets 503 and the connection closes, a Content-Length body before any
// of it is read.
//
// # Stopping
//
// CloseWhenIdle is graceful shutdown: every response from then on says
// Connection: close, a request the client already sent (in the buffer or
// still in the kernel) is served, and a connection with nothing left to
// serve is closed between requests. Every close after a response lingers:
// the sending side is shut down first and the input read and dropped until
// the client closes, so that the kernel sends no reset. See
// docs/http-server.md.
package http1connection
