// Package app is the helloworld demo's program, importable so that the
// testscripts and the benchmarks run it in-process: Tornado's
// demos/helloworld on final's Application and RequestHandler, plus the routes
// of the bench harness's workloads.
package app

import (
	"crypto/sha1"
	"encoding/hex"
	"io"
	"time"

	"github.com/gornado/gornado/final/concurrent"
	"github.com/gornado/gornado/final/demos/internal/demo"
	"github.com/gornado/gornado/final/httpserver"
	"github.com/gornado/gornado/final/web"
	"github.com/gornado/gornado/final/websocket"
)

// The bodies, made once: a handler that answers from them allocates nothing.
var (
	helloBody = []byte("Hello, world")
	jsonBody  = []byte(`{"message":"Hello, world"}`)
	bigBody   = func() []byte {
		b := make([]byte, 64*1024)
		for i := range b {
			b[i] = 'a' + byte(i%26)
		}
		return b
	}()
	// bigETag is the 64 KiB body's ETag, computed once rather than hashing
	// 64 KiB per request (RequestHandler's default ComputeETag).
	bigETag = func() []byte {
		sum := sha1.Sum(bigBody)
		return []byte(`"` + hex.EncodeToString(sum[:]) + `"`)
	}()
	contentType = []byte("Content-Type")
)

const (
	textPlain = "text/plain; charset=utf-8"
	appJSON   = "application/json"
)

// MainHandler answers GET and HEAD / with "Hello, world", Tornado's
// helloworld. Other methods get 405 from the Application, which finds no
// method to call.
type MainHandler struct{ web.RequestHandler }

// Get writes the greeting.
func (h *MainHandler) Get(...string) error {
	h.SetHeader("Content-Type", textPlain)
	return h.WriteBytes(helloBody)
}

// Head answers as Get does; the HTTP layer sends no body for HEAD.
func (h *MainHandler) Head(args ...string) error { return h.Get(args...) }

// EchoHandler answers POST /echo with the request body and its Content-Type,
// and upgrades GET /echo to a WebSocket that echoes every message, text or
// binary, with compression offered: the bench harness's wsecho workload.
type EchoHandler struct{ web.RequestHandler }

// Post echoes the body.
func (h *EchoHandler) Post(...string) error {
	if v := h.Request.Headers.Peek("Content-Type"); v != nil {
		h.ResponseHeaders().Del("Content-Type")
		h.ResponseHeaders().AddBytes(contentType, v)
	} else {
		h.SetHeader("Content-Type", textPlain)
	}
	return h.WriteBytes(h.Request.Body)
}

// Get upgrades to a WebSocket echo.
func (h *EchoHandler) Get(...string) error {
	return h.WebSocketUpgrade(&echoSocket{}, websocket.Options{})
}

// echoSocket sends every message back as it came.
type echoSocket struct{ websocket.WebSocketHandler }

// GetCompressionOptions offers permessage-deflate with its defaults.
func (echoSocket) GetCompressionOptions(*websocket.Request) *websocket.CompressionOptions {
	return &websocket.CompressionOptions{}
}

// OnMessage echoes; Send copies data into the connection's output before
// returning, so the buffer may be reused.
func (echoSocket) OnMessage(c *websocket.Conn, data []byte, binary bool) concurrent.Awaitable {
	_ = c.Send(data, binary)
	return nil
}

// JSONHandler answers GET /json with a small JSON object.
type JSONHandler struct{ web.RequestHandler }

// Get writes the object.
func (h *JSONHandler) Get(...string) error {
	h.SetHeader("Content-Type", appJSON)
	return h.WriteBytes(jsonBody)
}

// Head answers as Get does.
func (h *JSONHandler) Head(args ...string) error { return h.Get(args...) }

// BigHandler answers GET /64k with 64 KiB.
type BigHandler struct{ web.RequestHandler }

// Get writes the body.
func (h *BigHandler) Get(...string) error {
	h.SetHeader("Content-Type", "application/octet-stream")
	return h.WriteBytes(bigBody)
}

// Head answers as Get does.
func (h *BigHandler) Head(args ...string) error { return h.Get(args...) }

// ComputeETag returns the precomputed ETag of the constant body.
func (h *BigHandler) ComputeETag() []byte { return bigETag }

// App is the demo's Application:
//
//	GET, HEAD /     200 "Hello, world" (other methods 405)
//	POST /echo      200 with the request body; GET /echo: a WebSocket echo
//	GET /json       200 {"message":"Hello, world"}
//	GET /64k        200 with 64 KiB
//	anything else   404
func App() *web.Application {
	return web.NewApplication([]*web.URLSpec{
		web.URL("/", &MainHandler{}),
		web.URL("/echo", &EchoHandler{}),
		web.URL("/json", &JSONHandler{}),
		web.URL("/64k", &BigHandler{}),
	}, web.Settings{})
}

// Server is a running helloworld server.
type Server struct {
	// URL is where it listens, "http://host:port".
	URL string
	// HTTP is the server.
	HTTP *httpserver.HTTPServer
}

// Start starts the demo on addr with loops loops (0: one per core).
func Start(addr string, loops int) (*Server, error) {
	s := httpserver.NewWithDelegate(App())
	s.Loops = loops
	s.Backlog = 4096
	url, err := demo.Listen(s, addr)
	if err != nil {
		return nil, err
	}
	return &Server{URL: url, HTTP: s}, nil
}

// Main runs the demo with args (without the program name) and returns the
// exit code:
//
//	helloworld [-addr 127.0.0.1:8888] [-loops N] [-addrfile FILE]
func Main(args []string, stdout, stderr io.Writer) int {
	p := demo.New("helloworld", stderr)
	loops := p.LoopsFlag()
	return p.Run(args, stdout, func() (string, func() error, error) {
		s, err := Start(p.Addr(), *loops)
		if err != nil {
			return "", nil, err
		}
		return s.URL, demo.Stop(s.HTTP, 5*time.Second), nil
	})
}
