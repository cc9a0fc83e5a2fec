// Package iostream provides buffered, non-blocking streams on an IOLoop,
// Tornado's tornado.iostream: IOStream for sockets, SSLIOStream for TLS,
// PipeIOStream for pipes.
//
// # Reads
//
// One read is pending at a time: ReadBytes (optionally partial), ReadUntil
// and ReadUntilRegex (with a maxBytes limit, as Tornado), ReadUntilClose,
// and ReadInto (into the caller's buffer, without allocating). Each returns a
// concurrent.Future; ReadUntilFunc and ReadBytesFunc take a callback that
// sees the bytes in place, valid only during the call, for code that must
// not allocate per read; ReadBytesStreaming hands a long read over in pieces
// as they arrive. A read that buffered bytes can satisfy completes at
// once; bytes left in the buffer when the stream closes can still be read.
//
// # Writes
//
// Write queues bytes and returns a Future resolved when they are written.
// Small writes are copied and gathered: those made while the stream handles
// a read event (the responses to the requests it read, sixteen of them when
// pipelined) leave at the end of that event, and those made from callbacks
// and timers at the end of the loop iteration, each batch in one system
// call (writev when it spans chunks); a large write goes to the
// socket at once, in one writev with the bytes queued before it, without a
// copy. WriteNoCopy and WriteBufferedNoCopy keep the caller's buffer instead
// of copying what the socket does not take (for bodies that do not change
// until sent). Close sends what the socket takes first, so write-then-close
// delivers the bytes, as in Tornado; CloseWrite half-closes (after
// close_notify on TLS).
//
// # Buffers and backpressure
//
// Streams read into their loop's read buffer; a stream keeps a buffer of its
// own only while it holds unread or unsent bytes, so an idle keep-alive
// connection holds none. The state of a pending ReadUntil, ReadInto or
// Future read, and of queued writes, is taken from per-loop free lists only
// while in use: an idle stream is a 176-byte struct. A stream reads only
// while a read is pending (or, when idle, one chunk to notice a close), so
// a busy handler pauses its peer.
// MaxBufferSize (100 MiB) bounds unread bytes and closes the stream with a
// StreamBufferFullError; MaxWriteBufferSize (100 MiB; Tornado's is
// unlimited) refuses writes with one, leaving the stream open, once that
// many bytes wait unsent, while a write made below it is accepted whole.
//
// # Errors
//
// Operations on a closed stream, or pending when it closes, fail with
// *StreamClosedError, whose RealError is the cause (errors.Is(err,
// ErrStreamClosed) matches any). A ReadUntil whose delimiter does not come
// within maxBytes closes the stream; its error wraps *UnsatisfiableReadError.
//
// # TLS
//
// NewSSL wraps a connected socket as server or client and starts the
// handshake; StartTLS upgrades a plain stream. crypto/tls cannot resume a
// handshake after a would-block error, so the handshake runs on a goroutine
// fed by the loop; after it, records are handled on the loop itself (see
// tls.go). TLSConnectionState gives the ALPN protocol, SNI server name and
// certificates; handshake failures are the stream's Error.
package iostream
