package websocket_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gornado/gornado/stage6-web/internal/servertest"
	"github.com/gornado/gornado/stage6-web/web"
	"github.com/gornado/gornado/stage6-web/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// # The server side of the tests

// echoHandler echoes every message, and reports what happens to it on events.
// A few messages make it do something else.
type echoHandler struct {
	websocket.WebSocketHandler
	events  chan string
	sockets *[]*echoHandler // every open handler, for writes from outside
}

func (h *echoHandler) Open(args ...string) error {
	*h.sockets = append(*h.sockets, h)
	h.events <- fmt.Sprintf("open %q", args)
	return nil
}

func (h *echoHandler) OnMessage(message []byte, binary bool) error {
	switch string(message) {
	case "close please":
		h.Close(4000, "asked to")
		return nil
	case "fail":
		return errors.New("the handler failed")
	case "ping me":
		h.Ping([]byte("are you there"))
		return nil
	}
	h.WriteMessage(message, binary)
	return nil
}

func (h *echoHandler) OnPong(data []byte) { h.events <- "pong " + string(data) }

func (h *echoHandler) OnClose() {
	h.events <- fmt.Sprintf("close %d %q", h.CloseCode(), h.CloseReason())
}

// plainHandler has no OnMessage: not a WebSocket handler after all.
type plainHandler struct{ websocket.WebSocketHandler }

type fixture struct {
	s       *servertest.Server
	events  chan string
	sockets []*echoHandler
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{events: make(chan string, 100)}
	app := web.NewApplication(
		web.Route{Pattern: `/echo/(\w+)`, New: func() web.Handler {
			return &echoHandler{events: f.events, sockets: &f.sockets}
		}},
		web.Route{Pattern: `/small`, New: func() web.Handler {
			h := &echoHandler{events: f.events, sockets: &f.sockets}
			h.MaxMessageSize = 10
			return h
		}},
		web.Route{Pattern: `/plain`, New: func() web.Handler { return &plainHandler{} }},
	)
	f.s = servertest.Start(t, app)
	f.s.Do(func() { app.ErrorLog = f.s.Logger() })
	return f
}

// event waits for the next thing the handler reports.
func (f *fixture) event(t *testing.T) string {
	t.Helper()
	select {
	case e := <-f.events:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event from the handler")
		return ""
	}
}

// # A client written for the tests

type client struct {
	*servertest.Conn
	t *testing.T
}

// The RFC's own example key and answer (section 1.3).
const sampleKey, sampleAccept = "dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

func handshakeRequest(path, extra string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
		"Sec-WebSocket-Key: " + sampleKey + "\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n"
}

// connect opens a WebSocket; after is sent right behind the handshake, in
// the same write.
func (f *fixture) connect(t *testing.T, path string, after []byte) *client {
	t.Helper()
	c := f.s.Dial(t)
	c.Send(t, handshakeRequest(path, "")+string(after))
	resp, err := http.ReadResponse(c.R, &http.Request{Method: "GET"})
	require.NoError(t, err)
	require.Equal(t, 101, resp.StatusCode)
	assert.Equal(t, "websocket", resp.Header.Get("Upgrade"))
	assert.Equal(t, "Upgrade", resp.Header.Get("Connection"))
	assert.Equal(t, sampleAccept, resp.Header.Get("Sec-WebSocket-Accept"))
	return &client{c, t}
}

// clientFrame builds a frame as a client sends it: masked, with a fresh key.
func clientFrame(fin bool, opcode byte, payload []byte) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	b := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	key := [4]byte{0x12, 0x34, 0x56, byte(len(payload))}
	b = append(b, key[:]...)
	for i, c := range payload {
		b = append(b, c^key[i%4])
	}
	return b
}

func (c *client) send(fin bool, opcode byte, payload string) {
	c.Send(c.t, string(clientFrame(fin, opcode, []byte(payload))))
}

// recv reads one frame from the server, which must not be masked.
func (c *client) recv() (opcode byte, payload string) {
	c.t.Helper()
	head := make([]byte, 2)
	_, err := io.ReadFull(c.R, head)
	require.NoError(c.t, err)
	require.Equal(c.t, byte(0x80), head[0]&0xf0, "FIN set, no reserved bits")
	require.Zero(c.t, head[1]&0x80, "server frames are not masked")
	n := uint64(head[1] & 0x7f)
	switch n {
	case 126:
		ext := make([]byte, 2)
		_, err = io.ReadFull(c.R, ext)
		n = uint64(binary.BigEndian.Uint16(ext))
	case 127:
		ext := make([]byte, 8)
		_, err = io.ReadFull(c.R, ext)
		n = binary.BigEndian.Uint64(ext)
	}
	require.NoError(c.t, err)
	data := make([]byte, n)
	_, err = io.ReadFull(c.R, data)
	require.NoError(c.t, err)
	return head[0] & 0x0f, string(data)
}

// recvClose reads a close frame and then the end of the connection.
func (c *client) recvClose() (code int, reason string) {
	c.t.Helper()
	op, payload := c.recv()
	require.Equal(c.t, byte(0x8), op, "a close frame")
	require.GreaterOrEqual(c.t, len(payload), 2)
	rest, err := io.ReadAll(c.R)
	require.NoError(c.t, err)
	assert.Empty(c.t, rest, "nothing after the close frame, then the server closes")
	return int(binary.BigEndian.Uint16([]byte(payload))), payload[2:]
}

func closePayload(code int, reason string) string {
	return string(binary.BigEndian.AppendUint16(nil, uint16(code))) + reason
}

// # The tests

func TestAcceptKeyFromTheRFC(t *testing.T) {
	assert.Equal(t, sampleAccept, websocket.AcceptKey(sampleKey))
}

func TestEchoAndCloseByClient(t *testing.T) {
	f := newFixture(t)
	c := f.connect(t, "/echo/room1", nil)
	assert.Equal(t, `open ["room1"]`, f.event(t))

	c.send(true, 0x1, "hello")
	op, msg := c.recv()
	assert.Equal(t, byte(0x1), op)
	assert.Equal(t, "hello", msg)

	c.send(true, 0x2, "\x00\xffbinary")
	op, msg = c.recv()
	assert.Equal(t, byte(0x2), op)
	assert.Equal(t, "\x00\xffbinary", msg)

	c.send(true, 0x1, "")
	_, msg = c.recv()
	assert.Equal(t, "", msg)

	// The client closes; the server echoes its code and closes the TCP
	// connection; OnClose sees the code and reason.
	c.send(true, 0x8, closePayload(1000, "bye"))
	code, _ := c.recvClose()
	assert.Equal(t, 1000, code)
	assert.Equal(t, `close 1000 "bye"`, f.event(t))
}

func TestMessageSizes(t *testing.T) {
	f := newFixture(t)
	c := f.connect(t, "/echo/x", nil)
	f.event(t)
	// 125 and 126 straddle the first length boundary, 65535 and 65536 the
	// second.
	for _, n := range []int{125, 126, 65535, 65536, 200000} {
		want := strings.Repeat("abcdefg", n/7+1)[:n]
		c.send(true, 0x1, want)
		_, got := c.recv()
		assert.Equal(t, len(want), len(got))
		assert.Equal(t, want, got)
	}
}

func TestFragmentsWithAPingBetween(t *testing.T) {
	f := newFixture(t)
	c := f.connect(t, "/echo/x", nil)
	f.event(t)
	c.send(false, 0x1, "frag")
	c.send(false, 0x0, "men")
	c.send(true, 0x9, "ping!") // control frames may come between fragments
	c.send(true, 0x0, "ted")
	op, msg := c.recv()
	assert.Equal(t, byte(0xA), op, "the pong comes first")
	assert.Equal(t, "ping!", msg)
	op, msg = c.recv()
	assert.Equal(t, byte(0x1), op)
	assert.Equal(t, "fragmented", msg)
}

func TestServerPingGetsPong(t *testing.T) {
	f := newFixture(t)
	c := f.connect(t, "/echo/x", nil)
	f.event(t)
	c.send(true, 0x1, "ping me")
	op, msg := c.recv()
	assert.Equal(t, byte(0x9), op)
	c.send(true, 0xA, msg)
	assert.Equal(t, "pong are you there", f.event(t))
}

func TestFirstFrameInTheHandshakePacket(t *testing.T) {
	f := newFixture(t)
	c := f.connect(t, "/echo/x", clientFrame(true, 0x1, []byte("early")))
	f.event(t)
	_, msg := c.recv()
	assert.Equal(t, "early", msg)
}

func TestCloseByServer(t *testing.T) {
	f := newFixture(t)
	c := f.connect(t, "/echo/x", nil)
	f.event(t)
	c.send(true, 0x1, "close please")
	op, payload := c.recv()
	require.Equal(t, byte(0x8), op)
	assert.Equal(t, closePayload(4000, "asked to"), payload)
	// Until the client answers, the server waits (and sends nothing else).
	c.send(true, 0x8, closePayload(4000, ""))
	rest, err := io.ReadAll(c.R)
	require.NoError(t, err)
	assert.Empty(t, rest)
	assert.Equal(t, `close 4000 ""`, f.event(t))
}

func TestWriteFromOutsideAndAfterClose(t *testing.T) {
	f := newFixture(t)
	c := f.connect(t, "/echo/x", nil)
	f.event(t)
	// Another part of the program (a chat broadcast, say) writes, on the loop.
	f.s.Do(func() {
		f.sockets[0].WriteMessage(map[string]any{"body": "news"}, false)
	})
	op, msg := c.recv()
	assert.Equal(t, byte(0x1), op)
	assert.JSONEq(t, `{"body": "news"}`, msg)

	c.send(true, 0x8, "")
	code, _ := c.recvClose()
	assert.Equal(t, 1000, code, "a close without a code is answered 1000")
	assert.Equal(t, `close 1005 ""`, f.event(t))
	var err error
	f.s.Do(func() {
		_, err = f.sockets[0].WriteMessage("too late", false).Result()
	})
	assert.ErrorIs(t, err, websocket.ErrClosed)
}

func TestClientVanishes(t *testing.T) {
	f := newFixture(t)
	c := f.connect(t, "/echo/x", nil)
	f.event(t)
	require.NoError(t, c.Close())
	assert.Equal(t, `close 0 ""`, f.event(t), "OnClose runs without any close frame")
}

func TestProtocolErrors(t *testing.T) {
	unmasked := []byte{0x81, 0x02, 'h', 'i'}
	cases := []struct {
		name  string
		path  string
		frame []byte
		code  int
	}{
		{"unmasked", "/echo/x", unmasked, 1002},
		{"reserved bit", "/echo/x", append([]byte{0xC1}, clientFrame(true, 0x1, []byte("x"))[1:]...), 1002},
		{"continuation first", "/echo/x", clientFrame(true, 0x0, []byte("x")), 1002},
		{"unknown opcode", "/echo/x", clientFrame(true, 0x3, []byte("x")), 1002},
		{"fragmented ping", "/echo/x", clientFrame(false, 0x9, []byte("x")), 1002},
		{"long ping", "/echo/x", clientFrame(true, 0x9, bytes.Repeat([]byte("x"), 126)), 1002},
		{"new message mid-message", "/echo/x", append(clientFrame(false, 0x1, []byte("a")), clientFrame(true, 0x1, []byte("b"))...), 1002},
		{"bad UTF-8", "/echo/x", clientFrame(true, 0x1, []byte{0xff, 0xfe}), 1007},
		{"bad close code", "/echo/x", clientFrame(true, 0x8, []byte{0x03, 0xe7}), 1002},
		{"one-byte close", "/echo/x", clientFrame(true, 0x8, []byte{0x03}), 1002},
		{"too big", "/small", clientFrame(true, 0x1, []byte("eleven byte")), 1009},
		{"too big in pieces", "/small", append(clientFrame(false, 0x1, []byte("eleven")), clientFrame(true, 0x0, []byte(" byte"))...), 1009},
		{"handler fails", "/echo/x", clientFrame(true, 0x1, []byte("fail")), 1011},
	}
	f := newFixture(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := f.connect(t, tc.path, nil)
			f.event(t)
			c.Send(t, string(tc.frame))
			code, _ := c.recvClose()
			assert.Equal(t, tc.code, code)
			assert.Contains(t, f.event(t), fmt.Sprintf("close %d", tc.code))
		})
	}
	assert.Contains(t, f.s.Logs(), "websocket: OnMessage: the handler failed")
}

func TestBadHandshakes(t *testing.T) {
	f := newFixture(t)
	good := handshakeRequest("/echo/x", "")
	cases := []struct {
		name, request string
		status        int
	}{
		{"no Upgrade", strings.Replace(good, "Upgrade: websocket\r\n", "", 1), 400},
		{"no Connection: Upgrade", strings.Replace(good, "keep-alive, Upgrade", "keep-alive", 1), 400},
		{"old version", strings.Replace(good, "Version: 13", "Version: 8", 1), 426},
		{"bad key", strings.Replace(good, sampleKey, "short", 1), 400},
		{"foreign origin", handshakeRequest("/echo/x", "Origin: http://evil.example\r\n"), 403},
		{"no OnMessage", handshakeRequest("/plain", ""), 500},
		{"POST", strings.Replace(good, "GET", "POST", 1), 405},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := f.s.Dial(t)
			c.Send(t, tc.request)
			resp, _ := c.ReadResponse(t, "GET")
			assert.Equal(t, tc.status, resp.StatusCode)
			if tc.status == 426 {
				assert.Equal(t, "13", resp.Header.Get("Sec-WebSocket-Version"))
			}
		})
	}
	// The same origin is welcome.
	c := f.s.Dial(t)
	c.Send(t, handshakeRequest("/echo/x", "Origin: http://127.0.0.1\r\n"))
	resp, _ := c.ReadResponse(t, "GET")
	assert.Equal(t, 101, resp.StatusCode)
}
