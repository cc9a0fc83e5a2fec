// Package chatapp is the chat demo's program, importable so that the
// testscripts run it in-process: Tornado's demos/chat (MessageBuffer with a
// Condition, long-polling updates that are cancelled when the client goes
// away) plus a WebSocket that receives the same messages as they arrive.
package chatapp

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"github.com/gornado/gornado/final/demos/internal/demo"
	"html/template"
	"io"
	"io/fs"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/gen"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/ioloop"
	"github.com/gornado/gornado/final/locks"
	"github.com/gornado/gornado/final/web"
	"github.com/gornado/gornado/final/websocket"
)

// files holds the page's templates and static files.
//
//go:embed templates static
var files embed.FS

// Message is one chat message, as the page receives it.
type Message struct {
	// ID is the message's cursor, random hex.
	ID string `json:"id"`
	// Body is the text as posted.
	Body string `json:"body"`
	// HTML is the message rendered by message.html (escaped).
	HTML template.HTML `json:"html"`
}

// MessageBuffer keeps the last messages and wakes the waiting pollers,
// Tornado's MessageBuffer. It lives on one loop.
type MessageBuffer struct {
	// cond wakes long pollers when a message arrives.
	cond *locks.Condition
	// cache holds the last Size messages, oldest first.
	cache []Message
	// Size bounds cache (Tornado's cache_size, 200).
	Size int
	// sockets are the open WebSocket connections.
	sockets map[*websocket.Conn]struct{}
	// Waiting counts the long polls waiting for a message.
	Waiting int
}

// NewMessageBuffer returns an empty buffer for loop.
func NewMessageBuffer(loop *ioloop.IOLoop) *MessageBuffer {
	return &MessageBuffer{cond: locks.NewCondition(loop), Size: 200, sockets: map[*websocket.Conn]struct{}{}}
}

// Since returns the messages after cursor: all of them for an unknown or
// empty cursor, as Tornado's get_messages_since.
func (b *MessageBuffer) Since(cursor string) []Message {
	for i := len(b.cache) - 1; i >= 0; i-- {
		if b.cache[i].ID == cursor {
			return b.cache[i+1:]
		}
	}
	return b.cache
}

// Add stores m, wakes every poller and sends it to every socket. A socket
// whose client does not read is cut off by its connection once 4 MiB wait
// for it (Send fails with websocket.ErrWriteBufferFull, the connection
// closes with 1008, and OnClose takes it out of the room), so one idle
// client cannot make the room hold every message for it; the others keep
// getting every message.
func (b *MessageBuffer) Add(m Message) {
	b.cache = append(b.cache, m)
	if len(b.cache) > b.Size {
		b.cache = append(b.cache[:0:0], b.cache[len(b.cache)-b.Size:]...)
	}
	b.cond.NotifyAll()
	out, _ := json.Marshal(map[string]any{"messages": []Message{m}})
	for c := range b.sockets {
		c.Send(out, false)
	}
}

// newMessage renders a message for body.
func newMessage(h *web.RequestHandler, body string) (Message, error) {
	id := make([]byte, 8)
	rand.Read(id)
	m := Message{ID: hex.EncodeToString(id), Body: body}
	html, err := h.RenderString("message.html", m)
	if err != nil {
		return m, err
	}
	m.HTML = template.HTML(html)
	return m, nil
}

// mainHandler renders the page with the messages so far.
type mainHandler struct {
	web.RequestHandler
	// Buffer is the room.
	Buffer *MessageBuffer
}

func (h *mainHandler) Get(...string) error {
	return h.Render("index.html", map[string]any{"Messages": h.Buffer.cache})
}

// newHandler posts a message (Tornado's MessageNewHandler).
type newHandler struct {
	web.RequestHandler
	// Buffer is the room.
	Buffer *MessageBuffer
}

func (h *newHandler) Post(...string) error {
	body, err := h.GetArgument("body")
	if err != nil {
		return err
	}
	m, err := newMessage(&h.RequestHandler, body)
	if err != nil {
		return err
	}
	h.Buffer.Add(m)
	if next := h.GetArgumentDefault("next", ""); next == "/" {
		return h.Redirect(next, false)
	}
	return h.Write(m)
}

// updatesHandler answers when there are messages after the cursor, waiting
// for them if need be (Tornado's MessageUpdatesHandler).
type updatesHandler struct {
	web.RequestHandler
	// Buffer is the room.
	Buffer *MessageBuffer
	// wait is the pending wait, cancelled if the client goes away.
	wait *concurrent.Future[bool]
}

func (h *updatesHandler) Post(...string) error {
	cursor := h.GetArgumentDefault("cursor", "")
	return h.Go(func(c *gen.Co) error {
		msgs := h.Buffer.Since(cursor)
		for len(msgs) == 0 {
			h.wait = h.Buffer.cond.Wait(0)
			h.Buffer.Waiting++
			_, err := gen.Await(c, h.wait)
			h.Buffer.Waiting--
			if err != nil || h.wait.Cancelled() {
				return nil // the client closed the connection
			}
			msgs = h.Buffer.Since(cursor)
		}
		return h.Write(map[string]any{"messages": msgs})
	})
}

// OnConnectionClose stops waiting for a client that left.
func (h *updatesHandler) OnConnectionClose() {
	if h.wait != nil {
		h.wait.Cancel()
	}
}

// socket is one WebSocket client of the room.
type socket struct {
	websocket.WebSocketHandler
	// buffer is the room; handler renders messages.
	buffer  *MessageBuffer
	handler *web.RequestHandler
}

func (s *socket) Open(c *websocket.Conn) concurrent.Awaitable {
	s.buffer.sockets[c] = struct{}{}
	return nil
}

// OnMessage takes {"body": "..."} and posts it.
func (s *socket) OnMessage(c *websocket.Conn, data []byte, binary bool) concurrent.Awaitable {
	var in struct {
		Body string `json:"body"`
	}
	if json.Unmarshal(data, &in) != nil || in.Body == "" {
		return nil
	}
	m := Message{Body: in.Body}
	id := make([]byte, 8)
	rand.Read(id)
	m.ID = hex.EncodeToString(id)
	m.HTML = template.HTML(`<div class="message" id="m` + m.ID + `">` + template.HTMLEscapeString(in.Body) + `</div>`)
	s.buffer.Add(m)
	return nil
}

func (s *socket) OnClose(c *websocket.Conn, code int, reason string) { delete(s.buffer.sockets, c) }

// App returns the chat application for a buffer on the loop that serves
// it; secret signs its cookies (XSRF protection is on, as in Tornado's).
func App(buffer *MessageBuffer, secret string) *web.Application {
	tmpl, _ := fs.Sub(files, "templates")
	static, _ := fs.Sub(files, "static")
	return web.NewApplication([]*web.URLSpec{
		web.URL("/", &mainHandler{Buffer: buffer}),
		web.URL("/a/message/new", &newHandler{Buffer: buffer}),
		web.URL("/a/message/updates", &updatesHandler{Buffer: buffer}),
		web.URL("/chatsocket", &web.WebSocketHandler{New: func(r *web.RequestHandler) websocket.Handler {
			return &socket{buffer: buffer, handler: r}
		}}),
	}, web.Settings{
		CookieSecret: secret,
		XSRFCookies:  true,
		TemplateFS:   tmpl,
		StaticFS:     static,
	})
}

// Server is a running chat server.
type Server struct {
	// URL is where it listens, "http://host:port".
	URL string
	// HTTP is the server; Loop the one loop it runs on (the room's state
	// is the loop's, as in Tornado); Buffer the room.
	HTTP   *httpserver.HTTPServer
	Loop   *ioloop.IOLoop
	Buffer *MessageBuffer
	// done closes when the loop has stopped.
	done chan struct{}
}

// Start serves the chat on addr, on one loop.
func Start(addr string) (*Server, error) {
	host, port, err := demo.SplitAddr(addr)
	if err != nil {
		return nil, err
	}
	loop, err := ioloop.New()
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	buffer := NewMessageBuffer(loop)
	app := App(buffer, hex.EncodeToString(secret))
	s := httpserver.NewWithDelegate(app)
	if err := s.Bind(port, host); err != nil {
		loop.Close(false)
		return nil, err
	}
	srv := &Server{URL: "http://" + s.Addr(host), HTTP: s, Loop: loop, Buffer: buffer, done: make(chan struct{})}
	go func() {
		defer close(srv.done)
		loop.Start()
	}()
	if err := s.Start(loop); err != nil {
		srv.Close()
		return nil, err
	}
	return srv, nil
}

// Close stops the server and its loop.
func (s *Server) Close() {
	s.HTTP.Close()
	s.Loop.AddCallback(s.Loop.Stop)
	<-s.done
	s.Loop.Close(false)
}

// Main runs the demo with args (without the program name) and returns the
// exit code:
//
//	chat [-addr 127.0.0.1:8888] [-addrfile FILE]
func Main(args []string, stdout, stderr io.Writer) int {
	p := demo.New("chat", stderr)
	return p.Run(args, stdout, func() (string, func() error, error) {
		s, err := Start(p.Addr())
		if err != nil {
			return "", nil, err
		}
		return s.URL, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			s.HTTP.Shutdown(ctx) // long polls are cut off when the time is up
			s.Loop.AddCallback(s.Loop.Stop)
			<-s.done
			return nil
		}, nil
	})
}
