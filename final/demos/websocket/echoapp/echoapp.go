// Package echoapp is the websocket demo's program, importable so that the
// testscripts run it in-process: an Application with a page at / and a
// WebSocket echo at /echo (Tornado's EchoWebSocket), served on a loop per
// core, since an echo shares nothing between connections.
package echoapp

import (
	_ "embed"
	"github.com/gornado/gornado/final/demos/internal/demo"
	"io"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/web"
	"github.com/gornado/gornado/final/websocket"
)

// page is the page that tries the echo.
//
//go:embed index.html
var page []byte

// Echo sends every message back as it came, text or binary.
type Echo struct{ websocket.WebSocketHandler }

// OnMessage echoes; Send copies nothing and allocates nothing.
func (Echo) OnMessage(c *websocket.Conn, data []byte, binary bool) concurrent.Awaitable {
	c.Send(data, binary)
	return nil
}

// GetCompressionOptions accepts permessage-deflate when the client offers
// it.
func (Echo) GetCompressionOptions(*websocket.Request) *websocket.CompressionOptions {
	return &websocket.CompressionOptions{}
}

// indexHandler serves the page.
type indexHandler struct{ web.RequestHandler }

func (h *indexHandler) Get(...string) error { return h.WriteBytes(page) }

// App returns the demo's application.
func App() *web.Application {
	return web.NewApplication([]*web.URLSpec{
		web.URL("/", &indexHandler{}),
		web.URL("/echo", &web.WebSocketHandler{New: func(*web.RequestHandler) websocket.Handler { return Echo{} }}),
	}, web.Settings{})
}

// Server is a running demo.
type Server struct {
	// URL is where it listens, "http://host:port".
	URL string
	// HTTP is the server.
	HTTP *httpserver.HTTPServer
}

// Start serves the demo on addr with loops loops (0: one per core).
func Start(addr string, loops int) (*Server, error) {
	s := httpserver.NewWithDelegate(App())
	s.Loops = loops
	url, err := demo.Listen(s, addr)
	if err != nil {
		return nil, err
	}
	return &Server{URL: url, HTTP: s}, nil
}

// Main runs the demo with args (without the program name) and returns the
// exit code:
//
//	websocket [-addr 127.0.0.1:8888] [-loops N] [-addrfile FILE]
func Main(args []string, stdout, stderr io.Writer) int {
	p := demo.New("websocket", stderr)
	loops := p.LoopsFlag()
	return p.Run(args, stdout, func() (string, func() error, error) {
		s, err := Start(p.Addr(), *loops)
		if err != nil {
			return "", nil, err
		}
		return s.URL, demo.Stop(s.HTTP, 2*time.Second), nil
	})
}
