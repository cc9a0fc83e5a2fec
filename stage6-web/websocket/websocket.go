package websocket

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	futures "github.com/gornado/gornado/stage3-futures"
	"github.com/gornado/gornado/stage5-iostream/ioloop"
	"github.com/gornado/gornado/stage5-iostream/iostream"
	"github.com/gornado/gornado/stage6-web/web"
)

// # A WebSocket is an HTTP request that never ends
//
// A browser opens a WebSocket with an ordinary GET that asks to switch
// protocols (RFC 6455, section 4):
//
//	GET /chatsocket HTTP/1.1
//	Host: 127.0.0.1:8888
//	Upgrade: websocket
//	Connection: Upgrade
//	Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
//	Sec-WebSocket-Version: 13
//
// and the server agrees with a 101:
//
//	HTTP/1.1 101 Switching Protocols
//	Upgrade: websocket
//	Connection: Upgrade
//	Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
//
// From then on the TCP connection carries frames (frame.go) in both
// directions, as long as either side likes. In gornado, as in Tornado, the
// handshake is the Get of a RequestHandler: WebSocketHandler.Get answers 101,
// takes the connection's stream away from the HTTP server (Detach), and reads
// frames in a loop, calling the user's OnMessage for each message. The loop
// runs in the connection's coroutine, so Get returns only when the WebSocket
// is closed, and OnMessage, like any handler method, may Await.

// A Handler is a value of a type that embeds WebSocketHandler and defines
// OnMessage. Open, OnClose and CheckOrigin have defaults in WebSocketHandler.
type Handler interface {
	web.Handler
	// Open runs once the handshake is done, with the route's groups.
	Open(args ...string) error
	// OnMessage runs for every message: text (valid UTF-8) or binary.
	// Returning an error closes the WebSocket with 1011.
	OnMessage(message []byte, binary bool) error
	// OnClose runs once, when the WebSocket is closed for any reason.
	OnClose()
	// CheckOrigin says whether a browser page from origin may connect.
	CheckOrigin(origin string) bool
}

// ErrClosed is the error of writing to a WebSocket that is closed or
// closing, Tornado's WebSocketClosedError.
var ErrClosed = errors.New("websocket: connection is closed")

// DefaultMaxMessageSize is Tornado's websocket_max_message_size: 10 MiB.
const DefaultMaxMessageSize = 10 << 20

// closeTimeout is how long the server waits for the client's answer to its
// close frame before it closes the TCP connection anyway (Tornado: 5 s).
const closeTimeout = 5 * time.Second

// WebSocketHandler is embedded by WebSocket handlers, the way RequestHandler
// is embedded by the others (and it embeds RequestHandler itself):
//
//	type EchoHandler struct{ websocket.WebSocketHandler }
//
//	func (h *EchoHandler) OnMessage(message []byte, binary bool) error {
//		h.WriteMessage(message, binary)
//		return nil
//	}
type WebSocketHandler struct {
	web.RequestHandler
	// MaxMessageSize caps a message, all its fragments together; 0 means
	// DefaultMaxMessageSize. A bigger message closes the WebSocket (1009).
	MaxMessageSize int

	stream      *iostream.IOStream
	pending     []byte // bytes read past the handshake, used before the stream's
	closeSent   bool   // we sent a close frame: nothing more may be sent
	closeCode   int
	closeReason string
	closeTimer  *ioloop.Timeout
}

// Get is the handshake, then the life of the WebSocket: it returns when the
// WebSocket is closed.
func (ws *WebSocketHandler) Get(args ...string) error {
	self, ok := ws.Self().(Handler)
	if !ok {
		return &web.HTTPError{Code: 500, Message: fmt.Sprintf("%T has no OnMessage method", ws.Self())}
	}
	if err := ws.handshake(self); err != nil || ws.Status() != 101 {
		return err
	}
	// The 101 is out: from here on the stream is ours, not HTTP's.
	ws.stream = ws.Request.Connection.Detach()
	ws.pending = ws.Request.Connection.Buffered()

	if err := self.Open(args...); err != nil {
		ws.Application.Logf("websocket: Open: %v", err)
		ws.fail(&closeError{CloseInternalError, "open failed"})
	} else {
		ws.readMessages(self)
	}
	// The server closes the TCP connection first (section 7.1.1), once
	// its close frame is out. Waiting for that here, rather than in a
	// callback, keeps the connection the server's to close at shutdown.
	if ws.closeTimer != nil {
		ws.Loop().RemoveTimeout(ws.closeTimer)
	}
	if !ws.stream.Closed() {
		_, _ = ws.Await(ws.stream.Write(nil)) // an empty Write waits for all before it
		ws.stream.Close(nil)
	}
	self.OnClose()
	return nil
}

// handshake checks the request (section 4.2.1) and answers 101 (section
// 4.2.2), or answers with an error and leaves the handler finished.
func (ws *WebSocketHandler) handshake(self Handler) error {
	h := ws.Request.Headers
	if !strings.EqualFold(h.Get("Upgrade"), "websocket") {
		return &web.HTTPError{Code: 400, Message: `can "Upgrade" only to "WebSocket"`}
	}
	if !headerHasToken(h.Values("Connection"), "upgrade") {
		return &web.HTTPError{Code: 400, Message: `"Connection" must be "Upgrade"`}
	}
	if h.Get("Sec-WebSocket-Version") != "13" {
		// Section 4.4: say which version we speak.
		ws.SetStatus(426)
		ws.SetHeader("Sec-WebSocket-Version", "13")
		ws.Finish()
		return nil
	}
	key := h.Get("Sec-WebSocket-Key")
	if raw, err := base64.StdEncoding.DecodeString(key); err != nil || len(raw) != 16 {
		return &web.HTTPError{Code: 400, Message: "bad Sec-WebSocket-Key"}
	}
	if origin := h.Get("Origin"); origin != "" && !self.CheckOrigin(origin) {
		return &web.HTTPError{Code: 403, Message: "cross-origin WebSocket refused"}
	}
	ws.SetStatus(101)
	ws.ClearHeader("Content-Type")
	ws.SetHeader("Upgrade", "websocket")
	ws.SetHeader("Connection", "Upgrade")
	ws.SetHeader("Sec-WebSocket-Accept", AcceptKey(key))
	_, err := ws.Await(ws.Finish())
	return err
}

// AcceptKey is the Sec-WebSocket-Accept for a Sec-WebSocket-Key: the key and
// a GUID fixed by the RFC, hashed with SHA-1, in base64. It proves to the
// client that the server read its handshake as a WebSocket handshake, not
// as some other request that happened to be answered.
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// CheckOrigin allows a page to connect only if it was served by the same host,
// as Tornado does: otherwise any site a user visits could open a WebSocket to
// this server with the user's cookies. A request without Origin (not from a
// browser) is allowed.
func (ws *WebSocketHandler) CheckOrigin(origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, ws.Request.Host())
}

// Open does nothing by default.
func (ws *WebSocketHandler) Open(args ...string) error { return nil }

// OnClose does nothing by default.
func (ws *WebSocketHandler) OnClose() {}

// # Reading messages

// readMessages reads frames until the WebSocket closes, putting fragments
// together and answering control frames (section 5.4 to 5.5).
func (ws *WebSocketHandler) readMessages(self Handler) {
	var message []byte // the fragments of a message so far
	var messageOp byte // its opcode; 0 while no message is in progress
	for {
		f, err := ws.readFrame()
		if err != nil {
			ws.fail(err)
			return
		}
		switch f.opcode {
		case opText, opBinary, opContinuation:
			if (f.opcode == opContinuation) != (messageOp != 0) {
				ws.fail(protocolError("continuation frame out of place"))
				return
			}
			if f.opcode != opContinuation {
				messageOp = f.opcode
			}
			if len(message)+len(f.payload) > ws.maxMessageSize() {
				ws.fail(&closeError{CloseMessageTooBig, "message too big"})
				return
			}
			message = append(message, f.payload...)
			if !f.fin {
				continue
			}
			data, binary := message, messageOp == opBinary
			message, messageOp = nil, 0
			if !binary && !utf8.Valid(data) {
				ws.fail(&closeError{CloseInvalidPayload, "text message is not UTF-8"})
				return
			}
			if data == nil {
				data = []byte{}
			}
			if err := ws.onMessage(self, data, binary); err != nil {
				ws.Application.Logf("websocket: OnMessage: %v", err)
				ws.fail(&closeError{CloseInternalError, "internal error"})
				return
			}
		case opPing:
			ws.writeFrame(opPong, f.payload)
		case opPong:
			if p, ok := self.(interface{ OnPong(data []byte) }); ok {
				p.OnPong(f.payload)
			}
		case opClose:
			ws.onCloseFrame(f.payload)
			return
		default:
			ws.fail(protocolError("unknown opcode %d", f.opcode))
			return
		}
		if ws.stream.Closed() {
			return
		}
	}
}

// onMessage calls OnMessage, turning a panic into an error like any handler's.
func (ws *WebSocketHandler) onMessage(self Handler, data []byte, binary bool) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return self.OnMessage(data, binary)
}

// readFrame reads and unmasks one frame, checking what section 5 requires of
// a client's frames.
func (ws *WebSocketHandler) readFrame() (frame, error) {
	head, err := ws.read(2)
	if err != nil {
		return frame{}, err
	}
	f := frame{fin: head[0]&0x80 != 0, opcode: head[0] & 0x0f}
	if head[0]&0x70 != 0 {
		return f, protocolError("reserved bits set without an extension")
	}
	if head[1]&0x80 == 0 {
		return f, protocolError("client frame not masked") // section 5.1
	}
	size := uint64(head[1] & 0x7f)
	switch size {
	case 126:
		ext, err := ws.read(2)
		if err != nil {
			return f, err
		}
		size = uint64(binary.BigEndian.Uint16(ext))
	case 127:
		ext, err := ws.read(8)
		if err != nil {
			return f, err
		}
		size = binary.BigEndian.Uint64(ext)
	}
	if f.opcode >= opClose && (!f.fin || size > 125) {
		return f, protocolError("control frame fragmented or over 125 bytes")
	}
	if size > uint64(ws.maxMessageSize()) {
		return f, &closeError{CloseMessageTooBig, "message too big"}
	}
	key, err := ws.read(4)
	if err != nil {
		return f, err
	}
	if f.payload, err = ws.read(int(size)); err != nil {
		return f, err
	}
	mask([4]byte(key), f.payload)
	return f, nil
}

// read returns exactly n bytes: first those read past the handshake, then
// from the stream.
func (ws *WebSocketHandler) read(n int) ([]byte, error) {
	if len(ws.pending) >= n {
		data := ws.pending[:n:n]
		ws.pending = ws.pending[n:]
		return data, nil
	}
	v, err := ws.Await(ws.stream.ReadBytes(n-len(ws.pending), false, nil))
	if err != nil {
		return nil, err
	}
	data := append(ws.pending, v.([]byte)...)
	ws.pending = nil
	return data, nil
}

func (ws *WebSocketHandler) maxMessageSize() int {
	if ws.MaxMessageSize > 0 {
		return ws.MaxMessageSize
	}
	return DefaultMaxMessageSize
}

// # Closing
//
// The closing handshake (section 7): one side sends a close frame, the other
// answers with one, and the server then closes the TCP connection. If the
// client started, the server echoes its code; if the server started (Close),
// it waits for the client's close frame, for at most closeTimeout.

// onCloseFrame handles the client's close frame.
func (ws *WebSocketHandler) onCloseFrame(payload []byte) {
	code, reason := closeNoStatus, ""
	switch {
	case len(payload) == 1:
		ws.fail(protocolError("close frame of 1 byte"))
		return
	case len(payload) >= 2:
		code, reason = int(binary.BigEndian.Uint16(payload)), string(payload[2:])
		if !validCloseCode(code) || !utf8.ValidString(reason) {
			ws.fail(protocolError("bad close code or reason"))
			return
		}
	}
	ws.closeCode, ws.closeReason = code, reason
	if !ws.closeSent {
		echo := code
		if code == closeNoStatus {
			echo = CloseNormal
		}
		ws.sendClose(echo, "")
	}
}

// Close starts the closing handshake with code (0 means CloseNormal) and
// reason: it sends a close frame, and the connection closes when the client
// answers, or after 5 seconds. OnClose runs then.
func (ws *WebSocketHandler) Close(code int, reason string) {
	if ws.stream == nil || ws.closeSent || ws.stream.Closed() {
		return
	}
	if code == 0 {
		code = CloseNormal
	}
	ws.closeCode, ws.closeReason = code, reason
	ws.sendClose(code, reason)
	// The client that never answers is cut off: closing the stream fails
	// the pending read, and the reading loop ends.
	ws.closeTimer = ws.Loop().CallLater(closeTimeout, func() { ws.stream.Close(nil) })
}

// fail ends the WebSocket after an error: a close frame saying why, if the
// error calls for one and the connection is still there, then the close.
func (ws *WebSocketHandler) fail(err error) {
	var ce *closeError
	if errors.As(err, &ce) && !ws.closeSent && !ws.stream.Closed() {
		if ws.closeCode == 0 {
			ws.closeCode, ws.closeReason = ce.code, ce.reason
		}
		ws.sendClose(ce.code, ce.reason)
	}
}

// sendClose sends a close frame. After it, nothing else may be sent.
func (ws *WebSocketHandler) sendClose(code int, reason string) {
	ws.closeSent = true
	payload := binary.BigEndian.AppendUint16(nil, uint16(code))
	if len(reason) > 123 {
		reason = reason[:123] // a control frame holds 125 bytes at most
	}
	ws.writeFrame(opClose, append(payload, reason...))
}

// CloseCode and CloseReason are what the client's close frame said (1005 for
// a close frame without a code), or, if none came, what the server closed
// with; 0 and "" while the WebSocket is open.
func (ws *WebSocketHandler) CloseCode() int { return ws.closeCode }

// CloseReason is the reason that came with CloseCode.
func (ws *WebSocketHandler) CloseReason() string { return ws.closeReason }

// # Writing messages

// WriteMessage sends a message: a string as text, a []byte as binary if
// binary is set (text otherwise), and a map or struct as JSON text, as
// Tornado's write_message does for a dict. The Future resolves once the frame
// is handed to the kernel, and fails with ErrClosed if the WebSocket is
// closed or closing.
func (ws *WebSocketHandler) WriteMessage(message any, binary bool) *futures.Future {
	var data []byte
	switch m := message.(type) {
	case string:
		data = []byte(m)
	case []byte:
		data = m
	default:
		if k := reflect.Indirect(reflect.ValueOf(message)).Kind(); k != reflect.Map && k != reflect.Struct {
			return futures.Failed(fmt.Errorf("websocket: WriteMessage takes a string, []byte, map or struct, not %T", message))
		}
		var err error
		if data, err = json.Marshal(message); err != nil {
			return futures.Failed(err)
		}
		binary = false
	}
	op := byte(opText)
	if binary {
		op = opBinary
	}
	return ws.writeFrame(op, data)
}

// Ping sends a ping with data (125 bytes at most); the client answers with a
// pong, which goes to the handler's OnPong(data []byte) method if it has one.
func (ws *WebSocketHandler) Ping(data []byte) *futures.Future {
	if len(data) > 125 {
		return futures.Failed(errors.New("websocket: ping data over 125 bytes"))
	}
	return ws.writeFrame(opPing, data)
}

func (ws *WebSocketHandler) writeFrame(opcode byte, payload []byte) *futures.Future {
	if ws.stream == nil || ws.stream.Closed() || (ws.closeSent && opcode != opClose) {
		return futures.Failed(ErrClosed)
	}
	return ws.stream.Write(appendFrame(nil, opcode, payload))
}

// headerHasToken reports whether a comma-separated header holds token.
func headerHasToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
