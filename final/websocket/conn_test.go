// Connections on the loop: a server made of tcpserver, a minimal handshake
// reader and Upgrade (what final/web will do), clients made with
// WebSocketConnect and raw net.Conn peers, and a net/http hijacking server.

package websocket

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httputil"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/iostream"
	"github.com/gornado/gornado/final/tcpclient"
	"github.com/gornado/gornado/final/tcpserver"
)

// failsafe bounds every wait for an event, so that a broken test fails
// instead of hanging; nothing waits for it to pass.
const failsafe = 10 * time.Second

// startLoop runs one loop for the test.
func startLoop(t *testing.T) *ioloop.IOLoop {
	g, err := ioloop.StartGroup(1, ioloop.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	t.Cleanup(func() { g.Stop() })
	return g.Loops()[0]
}

// onLoop runs body as a coroutine on loop and waits for it.
func onLoop(t *testing.T, loop *ioloop.IOLoop, body func(co *gen.Co) error) {
	t.Helper()
	done := make(chan error, 1)
	loop.AddCallback(func() {
		f := gen.Go(loop, func(co *gen.Co) (struct{}, error) { return struct{}{}, body(co) })
		f.OnDone(func() { done <- f.Exception() })
	})
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(failsafe):
		t.Fatal("coroutine did not finish")
	}
}

// serve starts a WebSocket server on 127.0.0.1:0 (see upgradeServer) and
// returns its address.
func serve(t *testing.T, loop *ioloop.IOLoop, newHandler func() Handler, opts Options) string {
	srv := upgradeServer(loop, newHandler, opts)
	require.NotNil(t, srv)
	t.Cleanup(srv.Stop)
	return "127.0.0.1:" + strconv.Itoa(srv.Ports()[0])
}

// benchServer is upgradeServer with sendEcho handlers.
func benchServer(loop *ioloop.IOLoop) *tcpserver.TCPServer {
	return upgradeServer(loop, func() Handler { return sendEcho{} }, Options{})
}

// upgradeServer is a WebSocket server on 127.0.0.1:0 that reads each
// request head as final/http1connection does, in partial reads that may
// take bytes after the head, and calls Upgrade with those; nil if it
// cannot listen.
func upgradeServer(loop *ioloop.IOLoop, newHandler func() Handler, opts Options) *tcpserver.TCPServer {
	return upgradeServerTLS(loop, newHandler, opts, nil)
}

// upgradeServerTLS is upgradeServer over TLS when conf is not nil.
func upgradeServerTLS(loop *ioloop.IOLoop, newHandler func() Handler, opts Options, conf *tls.Config) *tcpserver.TCPServer {
	srv := tcpserver.New(func(stream *iostream.IOStream, _ net.Addr) {
		var got []byte
		var next func([]byte, error)
		next = func(data []byte, err error) {
			if err != nil {
				stream.Close()
				return
			}
			got = append(got, data...)
			end := bytes.Index(got, []byte("\r\n\r\n"))
			if end < 0 {
				stream.ReadBytesFunc(64<<10, true, next)
				return
			}
			var p httputil.RequestParser
			var req httputil.RequestHead
			if _, err := p.Parse(got[:end+4], &req); err != nil {
				stream.Close()
				return
			}
			r := &Request{Method: req.Method, Host: string(req.Host), Target: string(req.Target),
				Headers: req.Headers.Copy(), Rest: got[end+4:]}
			Upgrade(stream, r, newHandler(), opts)
		}
		stream.ReadBytesFunc(64<<10, true, next)
	})
	srv.TLSConfig = conf
	if err := srv.Listen(loop, 0, "127.0.0.1"); err != nil {
		return nil
	}
	return srv
}

// closeEvent is what OnClose saw.
type closeEvent struct {
	code   int
	reason string
}

// echoHandler echoes every message and reports events on channels.
type echoHandler struct {
	WebSocketHandler
	// compression is returned by GetCompressionOptions.
	compression *CompressionOptions
	// subprotocol is selected when offered.
	subprotocol string
	// closed receives OnClose's arguments.
	closed chan closeEvent
	// pings receives OnPing's data.
	pings chan string
	// open runs in Open when set.
	open func(c *Conn)
}

func newEcho() *echoHandler {
	return &echoHandler{closed: make(chan closeEvent, 1), pings: make(chan string, 10)}
}

func (h *echoHandler) GetCompressionOptions(*Request) *CompressionOptions { return h.compression }
func (h *echoHandler) SelectSubprotocol(_ *Request, offered []string) string {
	return h.subprotocol
}
func (h *echoHandler) Open(c *Conn) concurrent.Awaitable {
	if h.open != nil {
		h.open(c)
	}
	return nil
}
func (h *echoHandler) OnMessage(c *Conn, data []byte, binary bool) concurrent.Awaitable {
	if string(data) == "close me" {
		c.Close(4000, "as you wish")
		return nil
	}
	c.Send(data, binary)
	return nil
}
func (h *echoHandler) OnPing(c *Conn, data []byte) {
	select {
	case h.pings <- string(data):
	default: // never block the loop; a test reads the first few
	}
}
func (h *echoHandler) OnClose(c *Conn, code int, reason string) {
	h.closed <- closeEvent{code, reason}
}

// waitClose waits for OnClose.
func waitClose(t *testing.T, ch chan closeEvent) closeEvent {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(failsafe):
		t.Fatal("OnClose did not run")
	}
	return closeEvent{}
}

func TestEchoServerAndClient(t *testing.T) {
	testutil.CheckLeaks(t)
	for _, compress := range []bool{false, true} {
		t.Run("compress="+strconv.FormatBool(compress), func(t *testing.T) {
			loop := startLoop(t)
			h := newEcho()
			var co *CompressionOptions
			if compress {
				co = &CompressionOptions{}
				h.compression = co
			}
			addr := serve(t, loop, func() Handler { return h }, Options{})
			big := bytes.Repeat([]byte("0123456789abcdef"), 100<<10/16)
			onLoop(t, loop, func(g *gen.Co) error {
				c, err := gen.Await(g, WebSocketConnect(loop, "ws://"+addr+"/echo?x=1", ClientOptions{Compression: co}))
				if err != nil {
					return err
				}
				assert.Equal(t, compress, c.Deflate() != nil)
				for _, m := range []ClientMessage{{Data: []byte("hello")}, {Data: []byte{0, 1, 2, 255}, Binary: true}, {Data: big, Binary: true}, {Data: []byte{}}} {
					if _, err := gen.Await(g, c.WriteMessage(m.Data, m.Binary)); err != nil {
						return err
					}
					got, err := gen.Await(g, c.ReadMessage())
					if err != nil {
						return err
					}
					require.NotNil(t, got)
					assert.Equal(t, m.Binary, got.Binary)
					assert.True(t, bytes.Equal(m.Data, got.Data), "echo of %d bytes", len(m.Data))
				}
				c.Close(1000, "bye")
				got, err := gen.Await(g, c.ReadMessage())
				assert.Nil(t, got, "ReadMessage gives nil once closed")
				assert.Equal(t, 1000, c.CloseCode(), "the server echoes the code")
				assert.ErrorIs(t, c.WriteMessage([]byte("late"), false).Exception(), ErrClosed)
				return err
			})
			assert.Equal(t, closeEvent{1000, "bye"}, waitClose(t, h.closed))
		})
	}
}

// The server closes: the client sees the code and reason, the server's
// OnClose the echoed code.
func TestServerInitiatedClose(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := newEcho()
	addr := serve(t, loop, func() Handler { return h }, Options{})
	onLoop(t, loop, func(g *gen.Co) error {
		c, err := gen.Await(g, WebSocketConnect(loop, "ws://"+addr+"/", ClientOptions{}))
		if err != nil {
			return err
		}
		c.Send([]byte("close me"), false)
		m, err := gen.Await(g, c.ReadMessage())
		assert.Nil(t, m)
		assert.Equal(t, 4000, c.CloseCode())
		assert.Equal(t, "as you wish", c.CloseReason())
		return err
	})
	assert.Equal(t, closeEvent{4000, ""}, waitClose(t, h.closed))
}

func TestSubprotocolNegotiation(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := newEcho()
	h.subprotocol = "b"
	addr := serve(t, loop, func() Handler { return h }, Options{})
	onLoop(t, loop, func(g *gen.Co) error {
		c, err := gen.Await(g, WebSocketConnect(loop, "ws://"+addr+"/", ClientOptions{Subprotocols: []string{"a", "b"}}))
		if err != nil {
			return err
		}
		assert.Equal(t, "b", c.Subprotocol())
		c.Close(1000, "")
		return nil
	})
	waitClose(t, h.closed)
}

// rawConn is a hand-driven client over net.Conn.
type rawConn struct {
	net.Conn
	// br buffers the reads.
	br *bufio.Reader
	// r parses the server's frames.
	r *Reader
}

// rawDial connects and sends a handshake with extra header pairs; it
// returns the connection and the response head.
func rawDial(t *testing.T, addr string, pairs ...string) (*rawConn, string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(failsafe))
	req := &ClientRequest{Host: addr, Path: "/", Key: "dGhlIHNhbXBsZSBub25jZQ==", Header: pairs}
	_, err = nc.Write(AppendRequest(nil, req))
	require.NoError(t, err)
	rc := &rawConn{Conn: nc, br: bufio.NewReader(nc), r: NewReader(ReaderOptions{})}
	var head strings.Builder
	for {
		line, err := rc.br.ReadString('\n')
		require.NoError(t, err)
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	return rc, head.String()
}

// next reads the next message or control frame; io.EOF when the server
// closed the connection.
func (rc *rawConn) next() (event, error) {
	for {
		if _, err := rc.br.Peek(1); err != nil {
			return event{}, err
		}
		b, _ := rc.br.Peek(rc.br.Buffered())
		n, m, ok, err := rc.r.Next(b)
		rc.br.Discard(n)
		if err != nil {
			return event{}, err
		}
		if ok {
			return event{Op: m.Opcode, Data: string(m.Data), Code: m.CloseCode, Reason: m.CloseReason}, nil
		}
	}
}

// send writes a masked frame.
func (rc *rawConn) send(fin bool, rsv uint8, op Opcode, payload []byte) {
	rc.Write(AppendFrame(nil, fin, rsv, op, payload, &testKey))
}

// Protocol errors end to end: the server sends a Close frame with the
// code and closes the connection; OnClose sees 1006 (no Close came).
func TestProtocolErrorsOnTheWire(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	handlers := make(chan *echoHandler, 10)
	addr := serve(t, loop, func() Handler { h := newEcho(); handlers <- h; return h }, Options{MaxMessageSize: 100})
	tests := []struct {
		name string
		send func(rc *rawConn)
		code int
	}{
		{"reserved bit", func(rc *rawConn) { rc.send(true, Rsv2, OpText, []byte("x")) }, 1002},
		{"unmasked", func(rc *rawConn) { rc.Write(AppendFrame(nil, true, 0, OpText, []byte("x"), nil)) }, 1002},
		{"invalid UTF-8", func(rc *rawConn) { rc.send(true, 0, OpText, []byte("\xed\xa0\x80")) }, 1007},
		{"too big", func(rc *rawConn) { rc.send(true, 0, OpBinary, make([]byte, 101)) }, 1009},
		{"bad close code", func(rc *rawConn) { rc.send(true, 0, OpClose, []byte{0x03, 0xed}) }, 1002},
		{"RSV1 without compression", func(rc *rawConn) { rc.send(true, Rsv1, OpBinary, []byte{0}) }, 1002},
	}
	for _, tc := range tests {
		rc, head := rawDial(t, addr)
		require.True(t, strings.HasPrefix(head, "HTTP/1.1 101 "), head)
		h := <-handlers
		// A valid message first: it is echoed.
		rc.send(true, 0, OpText, []byte("ok"))
		ev, err := rc.next()
		require.NoError(t, err, tc.name)
		assert.Equal(t, evText("ok"), ev, tc.name)
		tc.send(rc)
		ev, err = rc.next()
		require.NoError(t, err, tc.name)
		assert.Equal(t, OpClose, ev.Op, tc.name)
		assert.Equal(t, tc.code, ev.Code, tc.name)
		if tc.code == CloseMessageTooBig {
			assert.Equal(t, "message too big", ev.Reason, "Tornado's reason")
		}
		_, err = rc.next()
		assert.ErrorIs(t, err, io.EOF, "%s: the server closes the connection", tc.name)
		assert.Equal(t, 1006, waitClose(t, h.closed).code, tc.name)
	}
}

// Pings are answered with pongs of the same data, and OnPing runs.
func TestPingAnswered(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := newEcho()
	addr := serve(t, loop, func() Handler { return h }, Options{})
	rc, _ := rawDial(t, addr)
	rc.send(true, 0, OpPing, []byte("are you there"))
	ev, err := rc.next()
	require.NoError(t, err)
	assert.Equal(t, evPong("are you there"), ev)
	assert.Equal(t, "are you there", <-h.pings)
	rc.send(true, 0, OpClose, closeBody(1001, "going"))
	ev, err = rc.next()
	require.NoError(t, err)
	assert.Equal(t, evClose(1001, ""), ev, "the code is echoed")
	assert.Equal(t, closeEvent{1001, "going"}, waitClose(t, h.closed))
}

// A peer that never answers our Close frame is cut off after the close
// timeout.
func TestCloseHandshakeTimeout(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := newEcho()
	h.open = func(c *Conn) { c.Close(1000, "done") }
	addr := serve(t, loop, func() Handler { return h }, Options{CloseTimeout: 50 * time.Millisecond})
	rc, _ := rawDial(t, addr)
	ev, err := rc.next()
	require.NoError(t, err)
	assert.Equal(t, evClose(1000, "done"), ev)
	start := time.Now()
	_, err = rc.next()
	assert.ErrorIs(t, err, io.EOF, "aborted without our Close frame")
	assert.Less(t, time.Since(start), failsafe)
	assert.Equal(t, 1006, waitClose(t, h.closed).code)
}

// Pings go out on the interval; a peer that never pongs is closed after
// the ping timeout.
func TestPingIntervalAndTimeout(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := newEcho()
	addr := serve(t, loop, func() Handler { return h }, Options{PingInterval: 10 * time.Millisecond, PingTimeout: 60 * time.Millisecond, CloseTimeout: 50 * time.Millisecond})
	rc, _ := rawDial(t, addr)
	pings := 0
	for {
		ev, err := rc.next()
		require.NoError(t, err)
		if ev.Op == OpClose {
			assert.Equal(t, CloseNoStatusReceived, ev.Code)
			break
		}
		require.Equal(t, OpPing, ev.Op)
		pings++
	}
	assert.GreaterOrEqual(t, pings, 1)
	_, err := rc.next()
	assert.ErrorIs(t, err, io.EOF)
	waitClose(t, h.closed)
}

// A peer that answers pings stays connected past the ping timeout.
func TestPongsKeepConnectionAlive(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := newEcho()
	addr := serve(t, loop, func() Handler { return h }, Options{PingInterval: 20 * time.Millisecond, PingTimeout: 150 * time.Millisecond})
	rc, _ := rawDial(t, addr)
	// Answer 15 pings: at 20 ms each, that outlasts the 150 ms timeout.
	for pings := 0; pings < 15; {
		ev, err := rc.next()
		require.NoError(t, err)
		require.Equal(t, OpPing, ev.Op, "the connection must stay open")
		rc.send(true, 0, OpPong, []byte(ev.Data))
		pings++
	}
	rc.send(true, 0, OpClose, closeBody(1000, ""))
	for {
		ev, err := rc.next()
		require.NoError(t, err)
		if ev.Op == OpClose {
			break
		}
	}
	waitClose(t, h.closed)
}

// coroutineHandler's OnMessage is a coroutine that waits before answering;
// messages are handled one at a time, in order.
type coroutineHandler struct {
	WebSocketHandler
	// log records starts and ends.
	log []string
	// closed is signalled by OnClose.
	closed chan closeEvent
}

func (h *coroutineHandler) OnMessage(c *Conn, data []byte, binary bool) concurrent.Awaitable {
	msg := string(data) // copied before the first await
	h.log = append(h.log, "start "+msg)
	return gen.Go(c.Stream().Loop(), func(co *gen.Co) (struct{}, error) {
		if _, err := gen.Await(co, gen.Sleep(co.Loop(), 5*time.Millisecond)); err != nil {
			return struct{}{}, err
		}
		h.log = append(h.log, "end "+msg)
		_, err := gen.Await(co, c.WriteMessage([]byte("re: "+msg), false))
		return struct{}{}, err
	})
}

func (h *coroutineHandler) OnClose(c *Conn, code int, reason string) {
	h.closed <- closeEvent{code, reason}
}

func TestCoroutineOnMessage(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := &coroutineHandler{closed: make(chan closeEvent, 1)}
	addr := serve(t, loop, func() Handler { return h }, Options{})
	rc, _ := rawDial(t, addr)
	// Three messages in one write.
	var wire []byte
	for _, m := range []string{"1", "2", "3"} {
		wire = AppendFrame(wire, true, 0, OpText, []byte(m), &testKey)
	}
	rc.Write(wire)
	for _, m := range []string{"1", "2", "3"} {
		ev, err := rc.next()
		require.NoError(t, err)
		assert.Equal(t, evText("re: "+m), ev)
	}
	rc.send(true, 0, OpClose, nil)
	ev, err := rc.next()
	require.NoError(t, err)
	assert.Equal(t, evClose(1005, ""), ev)
	assert.Equal(t, closeEvent{1005, ""}, waitClose(t, h.closed))
	assert.Equal(t, []string{"start 1", "end 1", "start 2", "end 2", "start 3", "end 3"}, h.log)
}

func TestHandshakeRefusals(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	addr := serve(t, loop, func() Handler { return newEcho() }, Options{})
	_, head := rawDial(t, addr, "Sec-WebSocket-Version", "8")
	assert.True(t, strings.HasPrefix(head, "HTTP/1.1 426 "), head)
	assert.Contains(t, head, "Sec-WebSocket-Version: 13\r\n")
	_, head = rawDial(t, addr, "Origin", "http://evil.example")
	assert.True(t, strings.HasPrefix(head, "HTTP/1.1 403 "), head)
	_, head = rawDial(t, addr, "Origin", "http://"+addr)
	assert.True(t, strings.HasPrefix(head, "HTTP/1.1 101 "), head)

	onLoop(t, loop, func(g *gen.Co) error {
		_, err := gen.Await(g, WebSocketConnect(loop, "ws://"+addr+"/", ClientOptions{Origin: "http://evil.example"}))
		var he *HandshakeError
		require.ErrorAs(t, err, &he)
		assert.Equal(t, 403, he.Status)
		_, err = gen.Await(g, WebSocketConnect(loop, "http://"+addr+"/", ClientOptions{}))
		assert.ErrorContains(t, err, "scheme must be ws or wss")
		return nil
	})
}

// The client against a server that is not ours: net/http hijacking the
// connection and speaking through the protocol core on blocking I/O.
func TestClientAgainstNetHTTP(t *testing.T) {
	testutil.CheckLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := httputil.NewHTTPHeaders()
		for k, vs := range r.Header {
			for _, v := range vs {
				h.Add(k, v)
			}
		}
		key, err := CheckRequest(r.Method, h)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		params, ext, ok := NegotiateDeflate(r.Header.Get("Sec-WebSocket-Extensions"), &CompressionOptions{})
		nc, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer nc.Close()
		brw.Write(AppendResponse(nil, key, "", ext))
		brw.Flush()
		var dp *DeflateParams
		if ok {
			dp = &params
		}
		rd := NewReader(ReaderOptions{Server: true, Deflate: dp})
		wr := NewWriter(WriterOptions{Deflate: dp})
		buf := make([]byte, 4096)
		for {
			n, err := brw.Read(buf)
			if err != nil {
				return
			}
			p := buf[:n]
			for len(p) > 0 {
				k, m, ok, err := rd.Next(p)
				p = p[k:]
				if err != nil {
					return
				}
				if !ok {
					continue
				}
				switch m.Opcode {
				case OpText, OpBinary:
					nc.Write(wr.AppendMessage(nil, m.Opcode, m.Data))
				case OpClose:
					nc.Write(wr.AppendMessage(nil, OpClose, AppendClosePayload(nil, m.CloseCode, "")))
					return
				}
			}
		}
	})}
	go srv.Serve(ln)
	defer func() {
		srv.Close()
		wg.Wait()
	}()
	loop := startLoop(t)
	for _, co := range []*CompressionOptions{nil, {MinSize: 1}} {
		onLoop(t, loop, func(g *gen.Co) error {
			c, err := gen.Await(g, WebSocketConnect(loop, "ws://"+ln.Addr().String()+"/", ClientOptions{Compression: co}))
			if err != nil {
				return err
			}
			assert.Equal(t, co != nil, c.Deflate() != nil)
			for i := 0; i < 10; i++ {
				msg := strings.Repeat("message "+strconv.Itoa(i)+" ", i*50)
				c.Send([]byte(msg), false)
				got, err := gen.Await(g, c.ReadMessage())
				if err != nil {
					return err
				}
				if got == nil {
					return errors.New("closed early")
				}
				assert.Equal(t, msg, string(got.Data))
			}
			c.Close(1000, "")
			got, err := gen.Await(g, c.ReadMessage())
			assert.Nil(t, got)
			assert.Equal(t, 1000, c.CloseCode())
			return err
		})
	}
}

// The connect timeout bounds a handshake the server never answers.
func TestConnectTimeout(t *testing.T) {
	testutil.CheckLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	loop := startLoop(t)
	onLoop(t, loop, func(g *gen.Co) error {
		_, err := gen.Await(g, WebSocketConnect(loop, "ws://"+ln.Addr().String()+"/", ClientOptions{ConnectTimeout: 50 * time.Millisecond}))
		assert.ErrorIs(t, err, tcpclient.ErrConnectTimeout)
		return nil
	})
	c := <-accepted
	c.Close()
	ln.Close()
}

// Frames sent in the same write as the handshake are not lost, whether the
// HTTP layer took them (Request.Rest) or left them in the stream.
func TestFramesBehindHandshake(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := newEcho()
	addr := serve(t, loop, func() Handler { return h }, Options{})
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(failsafe))
	wire := AppendRequest(nil, &ClientRequest{Host: addr, Path: "/", Key: NewKey()})
	for i := 0; i < 50; i++ {
		wire = AppendFrame(wire, true, 0, OpText, []byte("early "+strconv.Itoa(i)), &testKey)
	}
	_, err = nc.Write(wire)
	require.NoError(t, err)
	rc := &rawConn{Conn: nc, br: bufio.NewReader(nc), r: NewReader(ReaderOptions{})}
	for {
		line, err := rc.br.ReadString('\n')
		require.NoError(t, err)
		if line == "\r\n" {
			break
		}
	}
	for i := 0; i < 50; i++ {
		ev, err := rc.next()
		require.NoError(t, err)
		assert.Equal(t, evText("early "+strconv.Itoa(i)), ev)
	}
	rc.send(true, 0, OpClose, closeBody(1000, ""))
	ev, err := rc.next()
	require.NoError(t, err)
	assert.Equal(t, OpClose, ev.Op)
	waitClose(t, h.closed)
}

// wss://: the same echo over TLS, with compression.
func TestSecureWebSocket(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	serverConf, clientConf := testutil.TLSConfigs(t)
	h := newEcho()
	h.compression = &CompressionOptions{}
	srv := upgradeServerTLS(loop, func() Handler { return h }, Options{}, serverConf)
	require.NotNil(t, srv)
	t.Cleanup(srv.Stop)
	url := "wss://localhost:" + strconv.Itoa(srv.Ports()[0]) + "/"
	onLoop(t, loop, func(g *gen.Co) error {
		c, err := gen.Await(g, WebSocketConnect(loop, url, ClientOptions{TLS: clientConf, Compression: &CompressionOptions{}}))
		if err != nil {
			return err
		}
		msg := strings.Repeat("secret ", 1000)
		c.Send([]byte(msg), false)
		m, err := gen.Await(g, c.ReadMessage())
		if err != nil {
			return err
		}
		assert.Equal(t, msg, string(m.Data))
		c.Close(1000, "")
		_, err = gen.Await(g, c.ReadMessage())
		return err
	})
	waitClose(t, h.closed)
}

// A client pings on its interval too, and Ping refuses payloads over 125
// bytes.
func TestClientPings(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := newEcho()
	addr := serve(t, loop, func() Handler { return h }, Options{})
	var c *Conn
	onLoop(t, loop, func(g *gen.Co) error {
		var err error
		c, err = gen.Await(g, WebSocketConnect(loop, "ws://"+addr+"/", ClientOptions{Options: Options{PingInterval: 5 * time.Millisecond}}))
		if err != nil {
			return err
		}
		assert.ErrorIs(t, c.Ping(make([]byte, 126)), ErrControlTooLong)
		return c.Ping([]byte("manual"))
	})
	// The manual ping and the periodic, empty ones, in whatever order the
	// timer and the coroutine ran.
	seen := map[string]bool{}
	for !seen["manual"] || !seen[""] {
		select {
		case p := <-h.pings:
			seen[p] = true
		case <-time.After(failsafe):
			t.Fatalf("pings seen: %v", seen)
		}
	}
	loop.AddCallback(func() { c.Close(1000, "") })
	waitClose(t, h.closed)
}
