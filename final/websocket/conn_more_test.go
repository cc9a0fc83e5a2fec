package websocket

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/internal/testutil"
	"github.com/gornado/gornado/final/iostream"
)

// rawServer accepts one connection on 127.0.0.1:0, answers the handshake,
// and runs script on it in a goroutine; it returns the ws:// URL and a
// channel closed when the script is done.
func rawServer(t *testing.T, ext string, script func(nc net.Conn, br *bufio.Reader)) (string, chan struct{}) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer ln.Close()
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(failsafe))
		br := bufio.NewReader(nc)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		nc.Write(AppendResponse(nil, req.Header.Get("Sec-WebSocket-Key"), "", ext))
		script(nc, br)
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return "ws://" + ln.Addr().String() + "/", done
}

// A client fails the connection on a masked frame from the server: a Close
// frame with 1002, then the TCP connection closed.
func TestClientFailsOnMaskedFrame(t *testing.T) {
	testutil.CheckLeaks(t)
	got := make(chan event, 1)
	url, _ := rawServer(t, "", func(nc net.Conn, br *bufio.Reader) {
		nc.Write(AppendFrame(nil, true, 0, OpText, []byte("masked"), &testKey))
		rd := NewReader(ReaderOptions{Server: true})
		buf := make([]byte, 256)
		for {
			n, err := br.Read(buf)
			if err != nil {
				return
			}
			_, m, ok, err := rd.Next(buf[:n])
			if err != nil || ok {
				got <- event{Op: m.Opcode, Code: m.CloseCode}
				return
			}
		}
	})
	loop := startLoop(t)
	onLoop(t, loop, func(g *gen.Co) error {
		c, err := gen.Await(g, WebSocketConnect(loop, url, ClientOptions{}))
		if err != nil {
			return err
		}
		m, err := gen.Await(g, c.ReadMessage())
		assert.Nil(t, m)
		assert.Equal(t, CloseAbnormalClosure, c.CloseCode())
		return err
	})
	select {
	case ev := <-got:
		assert.Equal(t, event{Op: OpClose, Code: 1002}, ev, "the client's Close frame, masked")
	case <-time.After(failsafe):
		t.Fatal("no Close frame from the client")
	}
}

// A server answering with an extension the client did not offer fails the
// handshake.
func TestClientRefusesUnofferedExtension(t *testing.T) {
	testutil.CheckLeaks(t)
	url, _ := rawServer(t, "permessage-deflate", func(net.Conn, *bufio.Reader) {})
	loop := startLoop(t)
	onLoop(t, loop, func(g *gen.Co) error {
		_, err := gen.Await(g, WebSocketConnect(loop, url, ClientOptions{}))
		assert.ErrorIs(t, err, ErrBadExtension)
		return nil
	})
}

// ClientOptions.OnMessage receives the messages instead of ReadMessage.
func TestClientOnMessageCallback(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := newEcho()
	addr := serve(t, loop, func() Handler { return h }, Options{})
	var got []string
	onLoop(t, loop, func(g *gen.Co) error {
		done := concurrent.NewFuture[struct{}]()
		c, err := gen.Await(g, WebSocketConnect(loop, "ws://"+addr+"/", ClientOptions{
			OnMessage: func(c *Conn, data []byte, binary bool) concurrent.Awaitable {
				got = append(got, string(data))
				if len(got) == 3 {
					done.SetResult(struct{}{})
				}
				return nil
			}}))
		if err != nil {
			return err
		}
		for _, m := range []string{"a", "b", "c"} {
			c.Send([]byte(m), false)
		}
		if _, err := gen.Await(g, done); err != nil {
			return err
		}
		c.Close(1000, "")
		return nil
	})
	assert.Equal(t, []string{"a", "b", "c"}, got)
	waitClose(t, h.closed)
}

// panicHandler panics on its first message.
type panicHandler struct{ echoHandler }

func (h *panicHandler) OnMessage(c *Conn, data []byte, binary bool) concurrent.Awaitable {
	panic("boom")
}

// A panic in a handler fails that connection with 1011; the loop keeps
// serving others.
func TestHandlerPanic(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := &panicHandler{*newEcho()}
	addr := serve(t, loop, func() Handler { return h }, Options{})
	rc, _ := rawDial(t, addr)
	rc.send(true, 0, OpText, []byte("x"))
	ev, err := rc.next()
	require.NoError(t, err)
	assert.Equal(t, OpClose, ev.Op)
	assert.Equal(t, CloseInternalError, ev.Code)
	waitClose(t, h.closed)
	// The loop still serves.
	rc2, head := rawDial(t, addr)
	assert.True(t, strings.HasPrefix(head, "HTTP/1.1 101"))
	rc2.Close()
	waitClose(t, h.closed)
}

// slowOpen's Open is a coroutine; messages wait for it.
type slowOpen struct {
	echoHandler
	// log records the order of events.
	log []string
}

func (h *slowOpen) Open(c *Conn) concurrent.Awaitable {
	return gen.Go(c.Stream().Loop(), func(co *gen.Co) (struct{}, error) {
		_, err := gen.Await(co, gen.Sleep(co.Loop(), 5*time.Millisecond))
		h.log = append(h.log, "opened")
		return struct{}{}, err
	})
}

func (h *slowOpen) OnMessage(c *Conn, data []byte, binary bool) concurrent.Awaitable {
	h.log = append(h.log, "message "+string(data))
	return h.echoHandler.OnMessage(c, data, binary)
}

func TestOpenCoroutineDelaysMessages(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := &slowOpen{echoHandler: *newEcho()}
	addr := serve(t, loop, func() Handler { return h }, Options{})
	rc, _ := rawDial(t, addr)
	rc.send(true, 0, OpText, []byte("1"))
	ev, err := rc.next()
	require.NoError(t, err)
	assert.Equal(t, evText("1"), ev)
	rc.Close()
	waitClose(t, h.closed)
	assert.Equal(t, []string{"opened", "message 1"}, h.log)
}

// The server's compression options reach the client: no context takeover
// both ways, and messages still round-trip.
func TestCompressionParametersEndToEnd(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	h := newEcho()
	h.compression = &CompressionOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true, MinSize: 1}
	addr := serve(t, loop, func() Handler { return h }, Options{})
	onLoop(t, loop, func(g *gen.Co) error {
		c, err := gen.Await(g, WebSocketConnect(loop, "ws://"+addr+"/", ClientOptions{Compression: &CompressionOptions{MinSize: 1}}))
		if err != nil {
			return err
		}
		require.NotNil(t, c.Deflate())
		assert.Equal(t, DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, *c.Deflate())
		for i := 0; i < 5; i++ {
			msg := strings.Repeat("compress me ", 20+i)
			if _, err := gen.Await(g, c.WriteMessage([]byte(msg), false)); err != nil {
				return err
			}
			m, err := gen.Await(g, c.ReadMessage())
			if err != nil {
				return err
			}
			assert.Equal(t, msg, string(m.Data))
		}
		c.Close(1000, "")
		_, err = gen.Await(g, c.ReadMessage())
		return err
	})
	waitClose(t, h.closed)
}

// Upgrade keeps its own copy of the request, since the HTTP layer reuses
// its storage; frames in Request.Rest are read first.
func TestUpgradeCopiesRequest(t *testing.T) {
	testutil.CheckLeaks(t)
	loop := startLoop(t)
	a, b := testutil.SocketPair(t)
	peer := os.NewFile(uintptr(b), "peer")
	defer peer.Close()
	h := newEcho()
	var c *Conn
	done := make(chan struct{})
	loop.AddCallback(func() {
		defer close(done)
		stream, err := iostream.New(loop, a)
		require.NoError(t, err)
		headers := goodHeaders("Sec-WebSocket-Protocol", "chat")
		r := &Request{Method: "GET", Host: "example.com", Target: "/ws?room=1", Headers: headers,
			Rest: AppendFrame(nil, true, 0, OpText, []byte("early"), &testKey)}
		c, err = Upgrade(stream, r, h, Options{})
		require.NoError(t, err)
		headers.Reset()
		r.Target = "reused"
	})
	<-done
	br := bufio.NewReader(peer)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	assert.Equal(t, 101, resp.StatusCode)
	assert.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", resp.Header.Get("Sec-WebSocket-Accept"))
	rc := &rawConn{br: br, r: NewReader(ReaderOptions{})}
	ev, err := rc.next()
	require.NoError(t, err)
	assert.Equal(t, evText("early"), ev)
	check := make(chan [3]string, 1)
	loop.AddCallback(func() {
		check <- [3]string{c.Request().Target, c.Request().Headers.Get("Sec-WebSocket-Protocol"), c.Request().Host}
		c.Close(1000, "")
	})
	assert.Equal(t, [3]string{"/ws?room=1", "chat", "example.com"}, <-check)
	peer.Close()
	waitClose(t, h.closed)
}
